// Restarts, stale logs and old messages: most of these are cases the deterministic simulator found
// (docs/simulation.md, "What it found"); each test names the rule the core must keep.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Raft } from "../../../src/raft/raft.ts";
import { encodeConfChange } from "../../../src/raft/confchange.ts";
import { ConfChangeType, EntryType, MessageType, type Entry, type Message } from "../../../src/raft/types.ts";
import { bootstrap, bytes, Cluster, config } from "./driver.ts";

const entry = (index: number, term: number, data = `e${index}t${term}`): Entry => ({ index, term, type: EntryType.Normal, data: bytes(data) });

function msg(type: Message["type"], from: number, to: number, term: number, over: Partial<Message> = {}): Message {
  return { type, from, to, term, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, rejectHintTerm: 0, context: 0, ...over };
}

describe("restarts and stale state", () => {
  test("a restarted follower's heartbeat commit covers only what this leader's appends proved", () => {
    // Node 2 restarts with a stale flushed tail: entries 2..3 of term 1 that the leader of term 2
    // replaced (MemFirst flushed them before the truncation reached the disk).
    const r = new Raft(config(2, { countPolicy: "appended" }), {
      ...bootstrap([1, 2, 3]),
      hardState: { term: 2, vote: 1 },
      entries: [entry(1, 1), entry(2, 1), entry(3, 1)],
      applied: 1,
      durableIndex: 3,
    });
    // The leader of term 2 believes 2 matched up to 3 (from before the crash) and sends commit 3.
    r.step(msg(MessageType.Heartbeat, 1, 2, 2, { commit: 3 }));
    assert.equal(r.status().commit, 1, "stale entries 2..3 must not be committed");
    const resp = r.ready().messages.find((m) => m.type === MessageType.HeartbeatResp);
    assert.equal(resp?.commit, 1, "the answer tells the leader our commit lags");
    r.advance();
    // The leader's append proves a prefix and replaces the stale tail.
    r.step(msg(MessageType.App, 1, 2, 2, { index: 1, logTerm: 1, entries: [entry(2, 2), entry(3, 2)], commit: 3 }));
    assert.equal(r.status().commit, 3);
    const rd = r.ready();
    assert.deepEqual(rd.entries.map((e) => e.term), [2, 2]);
    assert.deepEqual(rd.committedEntries, [], "applied only once stored (MemFirst: after advance)");
    r.advance();
    assert.deepEqual(r.ready().committedEntries.map((e) => e.term), [2, 2]);
  });

  // A MemFirst follower acknowledges from memory, so after a crash its log can end below the
  // leader's `match` for it: the leader must take such a rejection as real and probe again,
  // not ignore it as stale and resend the same append forever.
  test("MemFirst: the leader repairs a follower whose log lost what it acknowledged", () => {
    const c = new Cluster([1, 2, 3], { countPolicy: "appended" });
    c.elect(1);
    for (let i = 0; i < 5; i++) c.raft(1).propose([bytes(`v${i}`)]);
    c.stabilize();
    assert.equal(c.raft(1).status().progress.get(3)?.match, 6);
    // Node 3 restarts having flushed only up to 2.
    const st = c.raft(3).status();
    c.add(3, new Raft(config(3, { countPolicy: "appended" }), {
      ...bootstrap([1, 2, 3]),
      hardState: { term: st.term, vote: st.vote },
      entries: c.node(3).stored.slice(0, 2),
      applied: 0,
      durableIndex: 2,
    }));
    c.raft(1).propose([bytes("after")]);
    for (let i = 0; i < 5; i++) {
      c.tick(1);
      c.stabilize();
    }
    assert.equal(c.raft(3).status().lastIndex, 7);
    assert.equal(c.raft(3).status().commit, 7);
    assert.deepEqual(c.appliedData(3), ["v0", "v1", "v2", "v3", "v4", "after"]);
  });

  test("DiskFirst: a rejection at or below match is stale and ignored", () => {
    const c = new Cluster([1, 2], { countPolicy: "durable" });
    c.elect(1);
    c.raft(1).propose([bytes("a")]);
    c.stabilize();
    const before = c.raft(1).status().progress.get(2);
    const term = c.raft(1).status().term;
    c.raft(1).step(msg(MessageType.AppResp, 2, 1, term, { index: 1, reject: true, rejectHint: 0, rejectHintTerm: 0 }));
    assert.deepEqual(c.raft(1).status().progress.get(2), before);
  });

  // Every DiskFirst acknowledgement, the answer to a late duplicate append included, covers only
  // durable entries: acknowledging the commit index instead left the leader's `match` above the
  // follower's log after a crash.
  test("DiskFirst: answering a stale append never acknowledges what is not durable", () => {
    const r = new Raft(config(2, { countPolicy: "durable" }), { ...bootstrap([1, 2]), hardState: { term: 1, vote: 1 } });
    r.step(msg(MessageType.App, 1, 2, 1, { index: 0, logTerm: 0, entries: [entry(1, 1), entry(2, 1), entry(3, 1)], commit: 3 }));
    r.ready();
    r.advance();
    r.reportDurable(1);
    assert.equal(r.status().commit, 3);
    r.ready();
    r.advance();
    // A duplicate of an old append arrives: the answer may cover only the durable prefix.
    r.step(msg(MessageType.App, 1, 2, 1, { index: 0, logTerm: 0, entries: [entry(1, 1)], commit: 1 }));
    const acks = (): Message[] => {
      if (!r.hasReady()) return [];
      const rd = r.ready();
      r.advance();
      return rd.messages.filter((m) => m.type === MessageType.AppResp && !m.reject);
    };
    const now = acks();
    assert.ok(now.every((m) => m.index <= 1), `acknowledged ${now.map((m) => m.index)} with durable index 1`);
    r.reportDurable(3);
    assert.deepEqual(acks().map((m) => m.index), [3]);
  });

  test("a snapshot whose last entry we hold fast-forwards the commit and keeps the entries after it", () => {
    const r = new Raft(config(2), { ...bootstrap([1, 2]), hardState: { term: 1, vote: 1 } });
    r.step(msg(MessageType.App, 1, 2, 1, { index: 0, logTerm: 0, entries: [entry(1, 1), entry(2, 1), entry(3, 1)], commit: 0 }));
    r.ready();
    r.advance();
    r.step(msg(MessageType.Snap, 1, 2, 1, { snapshot: { index: 2, term: 1, conf: { voters: [1, 2], learners: [] } } }));
    const st = r.status();
    assert.equal(st.commit, 2);
    assert.equal(st.lastIndex, 3, "entry 3 (acknowledged) survives");
    const rd = r.ready();
    assert.equal(rd.snapshot, undefined);
    assert.deepEqual(rd.committedEntries.map((e) => e.index), [1, 2]);
  });

  test("backtracking into the leader's compacted prefix sends a snapshot", () => {
    const c = new Cluster([]);
    // The leader (term 3) compacted through 4; the follower holds entries 3..6 of an old term 2.
    c.add(1, new Raft(config(1), {
      hardState: { term: 3, vote: 1 },
      snapshot: { index: 4, term: 3, conf: { voters: [1, 2], learners: [] } },
      entries: [entry(5, 3), entry(6, 3)],
      applied: 4,
      durableIndex: 6,
    }));
    c.add(2, new Raft(config(2), {
      ...bootstrap([1, 2]),
      hardState: { term: 3, vote: 0 },
      entries: [entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2), entry(5, 2), entry(6, 2)],
      applied: 2,
      durableIndex: 6,
    }));
    for (let i = 0; i < 30 && c.raft(1).status().role === "follower"; i++) c.tick(1);
    const snaps: Message[] = [];
    for (let i = 0; i < 50; i++) {
      c.flushReadies();
      if (c.queue.length === 0) break;
      for (const m of c.deliver()) {
        if (m.type === MessageType.Snap) {
          snaps.push(m);
          c.raft(1).reportSnapshot(2, true);
        }
      }
    }
    assert.equal(c.raft(1).status().role, "leader");
    assert.equal(snaps.length, 1);
    assert.equal(snaps[0].snapshot?.index, 4);
    assert.equal(c.raft(2).status().commit, 7);
    assert.equal(c.raft(2).status().firstIndex, 5);
  });

  // The commit index is not durable, so a restarted node cannot tell which conf changes in its
  // log committed: a membership takes effect when appended. Applying only up to `applied` let a
  // node lead with a membership two changes old, whose majority is not one of the committed one.
  test("a node that restarts with conf changes in its log beyond applied uses them", () => {
    const cc = (type: ConfChangeType, nodeId: number): Entry => ({
      index: 0, term: 1, type: EntryType.ConfChange, data: encodeConfChange({ type, nodeId, context: new Uint8Array() }),
    });
    const entries: Entry[] = [entry(1, 1), { ...cc(ConfChangeType.AddVoter, 4), index: 2 }, { ...cc(ConfChangeType.RemoveNode, 1), index: 3 }];
    const r = new Raft(config(2), { ...bootstrap([1, 2, 3]), hardState: { term: 1, vote: 0 }, entries, applied: 1, durableIndex: 3 });
    assert.deepEqual(r.status().conf, { voters: [2, 3, 4], learners: [] });
    // Campaigning, it asks 3 and 4 — not the removed 1.
    for (let i = 0; i < 30 && r.status().role === "follower"; i++) r.tick();
    const to = r.ready().messages.filter((m) => m.type === MessageType.Vote).map((m) => m.to).sort();
    assert.deepEqual(to, [3, 4]);
  });

  test("a conf change takes effect when appended and is undone when truncated", () => {
    const r = new Raft(config(2), { ...bootstrap([1, 2, 3]), hardState: { term: 1, vote: 1 } });
    const add4: Entry = { index: 2, term: 1, type: EntryType.ConfChange, data: encodeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4, context: new Uint8Array() }) };
    r.step(msg(MessageType.App, 1, 2, 1, { index: 0, logTerm: 0, entries: [entry(1, 1), add4], commit: 1 }));
    assert.deepEqual(r.status().conf.learners, [4]);
    r.step(msg(MessageType.App, 3, 2, 2, { index: 1, logTerm: 1, entries: [entry(2, 2)], commit: 1 }));
    assert.deepEqual(r.status().conf.learners, [], "the uncommitted change was truncated");
  });

  test("a restored log whose term decreases drops the stale tail (an unflushed MemFirst truncation)", () => {
    const r = new Raft(config(2), {
      hardState: { term: 4, vote: 0 },
      snapshot: { index: 2, term: 3, conf: { voters: [1, 2], learners: [] } },
      entries: [entry(3, 3), entry(4, 1), entry(5, 1)],
      applied: 2,
      durableIndex: 5,
    });
    assert.equal(r.status().lastIndex, 3);
    assert.equal(r.status().durableIndex, 3);
  });

  test("a restored membership without voters is refused, except for a member joining with an empty log", () => {
    const withLog = { ...bootstrap([]), entries: [{ term: 1, index: 1, type: 0 as const, data: new Uint8Array() }] };
    assert.throws(() => new Raft(config(5), withLog), /no voters: only a member joining a running cluster/);
    assert.throws(() => new Raft(config(5), bootstrap([], [5])), /no voters/);
    assert.equal(new Raft(config(5), bootstrap([])).status().role, "follower");
  });

  test("no lease reads once a TimeoutNow went out this term", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, leaseRead: true });
    c.elect(1);
    c.tick(1);
    c.stabilize();
    c.partition([1], [2]); // 2 never gets the TimeoutNow; the transfer aborts
    c.raft(1).transferLeader(2);
    for (let i = 0; i < 10; i++) {
      c.tick(1);
      c.stabilize();
    }
    assert.equal(c.raft(1).status().leadTransferee, 0);
    assert.equal(c.raft(1).status().role, "leader");
    c.raft(1).readIndex(77);
    const rd = c.handleReady(1);
    assert.deepEqual(rd?.readStates, [], "a delayed TimeoutNow could still elect 2: no lease");
    assert.ok(rd?.messages.some((m) => m.type === MessageType.Heartbeat && m.context !== 0));
  });
});

describe("MemFirst: a follower that committed entries the cluster lost", () => {
  const restartedFollower = () =>
    new Raft(config(2, { countPolicy: "appended" }), {
      ...bootstrap([1, 2, 3]),
      hardState: { term: 1, vote: 1 },
      entries: [entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1), entry(5, 1)],
      applied: 5,
      durableIndex: 5,
    });

  test("the leader answers an acknowledgement beyond its log with where its log ends", () => {
    const c = new Cluster([1, 2, 3], { countPolicy: "appended" });
    c.elect(1);
    c.stabilize();
    const leader = c.raft(1);
    const last = leader.status().lastIndex;
    leader.step(msg(MessageType.AppResp, 2, 1, leader.status().term, { index: last + 5 }));
    const notice = leader.ready().messages.find((m) => m.to === 2 && m.type === MessageType.App);
    assert.ok(notice !== undefined && notice.reject, "a rejecting App tells the follower to rebuild");
    assert.equal(notice.index, last);
    leader.advance();
  });

  test("under DiskFirst the same acknowledgement is a broken invariant (acknowledged entries survive)", () => {
    const c = new Cluster([1, 2, 3], { countPolicy: "durable" });
    c.elect(1);
    c.stabilize();
    const leader = c.raft(1);
    const last = leader.status().lastIndex;
    assert.throws(
      () => leader.step(msg(MessageType.AppResp, 2, 1, leader.status().term, { index: last + 5 })),
      /followers acknowledge only the leader's entries/,
    );
  });

  test("the follower fails loudly when the leader's log ends below its commit index, and not otherwise", () => {
    assert.throws(
      () => restartedFollower().step(msg(MessageType.App, 1, 2, 2, { index: 3, reject: true })),
      /committed entries never truncated: leader 1 \(term 2\) has a log ending at 3, below our commit index 5/,
    );
    const r = restartedFollower();
    r.step(msg(MessageType.App, 1, 2, 2, { index: 5, reject: true }));
    assert.equal(r.status().commit, 5);
  });
});
