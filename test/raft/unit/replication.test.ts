import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Raft } from "../../../src/raft/raft.ts";
import { RaftInvariantError } from "../../../src/raft/invariant.ts";
import { MessageType, type Entry, type Message, type NodeId, type RaftConfig } from "../../../src/raft/types.ts";
import { bootstrap, bytes, Cluster, config } from "./driver.ts";

/** A node restored with a log whose entry i+1 has term terms[i]. */
function restoredNode(id: NodeId, voters: NodeId[], term: number, terms: number[], applied: number, over: Partial<RaftConfig> = {}): Raft {
  const entries: Entry[] = terms.map((t, i) => ({ term: t, index: i + 1, type: 0, data: bytes(`e${i + 1}t${t}`) }));
  return new Raft(config(id, over), {
    ...bootstrap(voters),
    hardState: { term, vote: 0 },
    entries,
    applied,
    durableIndex: entries.length,
  });
}

const apps = (ms: Message[], to?: NodeId) => ms.filter((m) => m.type === MessageType.App && (to === undefined || m.to === to));

describe("replication and commit", () => {
  test("Figure 8: an entry of a previous term on a majority is not committed by counting", () => {
    const voters = [1, 2, 3, 4, 5];
    const c = new Cluster([]);
    const over = { maxEntriesPerAppend: 1 };
    c.add(1, restoredNode(1, voters, 3, [1, 2], 1, over));
    c.add(2, restoredNode(2, voters, 3, [1, 2], 1, over));
    c.add(3, restoredNode(3, voters, 3, [1], 1, over));
    c.add(4, restoredNode(4, voters, 3, [1], 1, over));
    c.add(5, restoredNode(5, voters, 3, [1, 3], 1, over));
    c.partition([2, 5], [1, 3, 4]);
    for (let i = 0; i < 30 && c.raft(1).status().role !== "candidate"; i++) c.tick(1);
    c.flushReadies();
    c.deliver();
    c.flushReadies();
    c.deliver(); // votes from 3 and 4
    assert.equal(c.raft(1).status().role, "leader");
    assert.equal(c.raft(1).status().term, 4);
    // Deliver appends and answers until 3 and 4 hold index 2 (term 2) but not the no-op at 3.
    for (let round = 0; round < 10; round++) {
      c.flushReadies();
      const progress = c.raft(1).status().progress;
      // The no-op is lost on its way to a follower that already holds index 2.
      c.queue = c.queue.filter((m) => !(m.type === MessageType.App && (progress.get(m.to)?.match ?? 0) >= 2));
      c.deliver();
      const st = c.raft(1).status();
      if (st.progress.get(3)?.match === 2 && st.progress.get(4)?.match === 2) break;
    }
    const st = c.raft(1).status();
    assert.equal(st.progress.get(3)?.match, 2);
    assert.equal(st.progress.get(4)?.match, 2);
    assert.equal(st.commit, 1, "index 2 (term 2) is on 1, 3, 4 but must not commit by counting");
    // Once the no-op of term 4 reaches the majority, both commit.
    for (let i = 0; i < 5; i++) {
      c.tick(1);
      c.stabilize();
    }
    assert.equal(c.raft(1).status().commit, 3);
  });

  test("heartbeats carry min(commit, follower's match)", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.partition([1], [3]);
    for (let i = 0; i < 5; i++) c.raft(1).propose([bytes(`v${i}`)]);
    c.stabilize();
    c.heal();
    const st = c.raft(1).status();
    assert.equal(st.commit, 6);
    const match3 = st.progress.get(3)?.match ?? -1;
    assert.ok(match3 < st.commit);
    c.tick(1);
    c.flushReadies();
    const hb = c.queue.filter((m) => m.type === MessageType.Heartbeat);
    assert.equal(hb.find((m) => m.to === 3)?.commit, match3);
    assert.equal(hb.find((m) => m.to === 2)?.commit, 6);
    c.stabilize();
    assert.equal(c.raft(3).status().commit, 6);
  });

  test("fast backtracking skips a whole divergent term in one rejection", () => {
    const voters = [1, 2];
    const c = new Cluster([]);
    const leaderTerms = [1, 1, 1, 3, 3, 3, 3, 3, 3, 3];
    const followerTerms = [1, 1, 1, ...Array.from({ length: 47 }, () => 2)];
    c.add(1, restoredNode(1, voters, 4, leaderTerms, 3));
    c.add(2, restoredNode(2, voters, 4, followerTerms, 3));
    // 1 becomes leader: its log (last term 3) is more up to date than 2's (last term 2).
    c.elect(1);
    const rejections = c.node(1).raft.status();
    assert.equal(rejections.role, "leader");
    let rejects = 0;
    const c2 = new Cluster([]);
    void c2;
    // Replay: count rejecting AppResps in a fresh run.
    const d = new Cluster([]);
    d.add(1, restoredNode(1, voters, 4, leaderTerms, 3));
    d.add(2, restoredNode(2, voters, 4, followerTerms, 3));
    for (let i = 0; i < 30 && d.raft(1).status().role !== "candidate"; i++) d.tick(1);
    for (let i = 0; i < 50; i++) {
      d.flushReadies();
      if (d.queue.length === 0) break;
      rejects += d.deliver().filter((m) => m.type === MessageType.AppResp && m.reject).length;
    }
    assert.equal(d.raft(1).status().role, "leader");
    assert.equal(d.raft(2).status().lastIndex, 11);
    assert.equal(d.raft(2).status().commit, 11);
    assert.ok(rejects <= 2, `took ${rejects} rejections`);
  });

  test("a probe acknowledged at the match index already known resumes replication at once", () => {
    // A follower that restarted with its whole log: the leader probes it (after an unreachable
    // report) and the answer repeats the known match. Staying in probe would pause every later
    // append to it until the next heartbeat answer (etcd's raft moves to replicate here too).
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.stabilize();
    c.raft(1).reportUnreachable(3);
    assert.equal(c.raft(1).status().progress.get(3)?.state, "probe");
    c.tick(1);
    c.stabilize(); // heartbeat, its answer, the probe and its answer (match unchanged)
    assert.equal(c.raft(1).status().progress.get(3)?.state, "replicate");
    c.raft(1).propose([bytes("x")]);
    c.flushReadies();
    assert.equal(apps(c.queue, 3).length, 1, "the entry goes to 3 in the same Ready, not a heartbeat later");
  });

  test("the in-flight window bounds appends by count", () => {
    const c = new Cluster([1, 2], { maxInflightAppends: 2, maxEntriesPerAppend: 1 });
    c.elect(1);
    for (let i = 0; i < 10; i++) c.raft(1).propose([bytes(`p${i}`)]);
    c.flushReadies();
    assert.equal(apps(c.queue, 2).length, 2);
    assert.equal(c.raft(1).status().progress.get(2)?.inflight, 2);
    // One acknowledgement frees one slot.
    c.deliver((m) => m.type === MessageType.App && m.entries[0]?.index === 2);
    c.flushReadies();
    c.deliver((m) => m.type === MessageType.AppResp);
    c.flushReadies();
    assert.equal(apps(c.queue, 2).length, 2, "one still in flight plus one new");
    c.stabilize();
    assert.equal(c.raft(2).status().commit, 11);
  });

  test("the in-flight window bounds appends by bytes", () => {
    const c = new Cluster([1, 2], { maxInflightBytes: 100, maxEntriesPerAppend: 1 });
    c.elect(1);
    for (let i = 0; i < 10; i++) c.raft(1).propose([new Uint8Array(60)]);
    c.flushReadies();
    assert.equal(apps(c.queue, 2).length, 2, "60 B < 100 B allows a second; 120 B is full");
  });

  test("per-append limits split a backlog", () => {
    const c = new Cluster([1, 2], { maxEntriesPerAppend: 3, maxBytesPerAppend: 1 << 20 });
    c.elect(1);
    for (let i = 0; i < 9; i++) c.raft(1).propose([bytes("x")]);
    c.flushReadies();
    const sent = apps(c.queue, 2);
    assert.equal(sent.length, 3);
    for (const m of sent) assert.equal(m.entries.length, 3);
    const d = new Cluster([1, 2], { maxBytesPerAppend: 100 });
    d.elect(1);
    for (let i = 0; i < 4; i++) d.raft(1).propose([new Uint8Array(40)]);
    d.flushReadies();
    assert.deepEqual(apps(d.queue, 2).map((m) => m.entries.length), [2, 2]);
  });

  test("batching: all proposals since the last Ready go out as one App per follower", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    for (let i = 0; i < 50; i++) assert.equal(c.raft(1).propose([bytes(`b${i}`)]).ok, true);
    const rd = c.raft(1).ready();
    assert.equal(rd.entries.length, 50);
    assert.equal(apps(rd.messages, 2).length, 1);
    assert.equal(apps(rd.messages, 3).length, 1);
    assert.equal(apps(rd.messages, 2)[0].entries.length, 50);
    c.raft(1).advance();
    c.queue.push(...rd.messages);
    c.stabilize();
    assert.equal(c.appliedData(3).length, 50);
  });

  test("propose assigns consecutive indexes in the current term", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    const r = c.raft(1).propose([bytes("a"), bytes("b"), bytes("c")]);
    assert.deepEqual(r, { ok: true, firstIndex: 2, lastIndex: 4, term: c.raft(1).status().term });
    assert.deepEqual(c.raft(2).propose([bytes("x")]), { ok: false, error: { code: "not-leader", leader: 1 } });
  });

  test("a follower refuses to truncate committed entries (invariant)", () => {
    const c = new Cluster([1, 2]);
    c.elect(1);
    c.raft(1).propose([bytes("a")]);
    c.stabilize();
    const r2 = c.raft(2);
    assert.equal(r2.status().commit, 2);
    const term = r2.status().term;
    assert.throws(
      () => r2.step({
        type: MessageType.App, from: 1, to: 2, term, logTerm: 1, index: 1,
        entries: [{ term: term + 1, index: 2, type: 0, data: bytes("evil") }],
        commit: 0, reject: false, rejectHint: 0, rejectHintTerm: 0, context: 0,
      }),
      (e: unknown) => e instanceof RaftInvariantError && /committed entries never truncated/.test(e.message),
    );
  });

  test("an append contradicting the entry a follower's snapshot ends at is refused (invariant)", () => {
    // MemFirst after a whole-cluster crash: this follower adopted its state machine at index 4 as
    // a snapshot; the new leader lost entry 4 and wrote another there. Acknowledging it (the
    // index is covered by the snapshot) let the leader count a match that is not one, forever.
    const c = new Cluster([1, 2]);
    c.elect(1);
    c.raft(1).propose([bytes("a"), bytes("b"), bytes("c")]);
    c.stabilize();
    const r2 = c.raft(2);
    assert.equal(r2.status().commit, 4);
    r2.compact(4);
    c.flushReadies();
    const term = r2.status().term;
    assert.throws(
      () => r2.step({
        type: MessageType.App, from: 1, to: 2, term: term + 1, logTerm: term, index: 3,
        entries: [{ term: term + 1, index: 4, type: 0, data: bytes("other") }],
        commit: 0, reject: false, rejectHint: 0, rejectHintTerm: 0, context: 0,
      }),
      (e: unknown) => e instanceof RaftInvariantError && /committed entries never truncated.*index 4/.test(e.message),
    );
  });

  test("a second ready() before advance() throws and hands nothing out twice", () => {
    const c = new Cluster([1]);
    c.elect(1);
    const r = c.raft(1);
    r.propose([bytes("a")]);
    const rd = r.ready();
    assert.equal(rd.entries.length, 1);
    assert.equal(r.hasReady(), false);
    assert.throws(() => r.ready(), /before advance/);
    r.propose([bytes("b")]);
    r.advance();
    const rd2 = r.ready();
    assert.deepEqual(rd2.entries.map((e) => e.index), [3]);
  });
});

describe("durability counting", () => {
  test("DiskFirst: a single node commits only what is durable", () => {
    const c = new Cluster([1], { countPolicy: "durable" });
    c.elect(1);
    c.autoDurable = false;
    c.raft(1).propose([bytes("a")]);
    c.flushReadies();
    assert.equal(c.raft(1).status().commit, 1);
    c.raft(1).reportDurable(2);
    c.flushReadies();
    assert.equal(c.raft(1).status().commit, 2);
    assert.deepEqual(c.appliedData(1), ["a"]);
  });

  test("MemFirst: a single node commits once the Ready that carried the entry is advanced", () => {
    const c = new Cluster([1], { countPolicy: "appended" });
    c.elect(1);
    c.autoDurable = false;
    const r = c.raft(1);
    r.propose([bytes("a")]);
    r.ready();
    assert.equal(r.status().commit, 1);
    r.advance();
    assert.equal(r.status().commit, 2);
    assert.equal(r.status().durableIndex, 1, "index 2 was never reported durable");
  });

  test("DiskFirst: a follower acknowledges only after reportDurable", () => {
    const c = new Cluster([1, 2, 3], { countPolicy: "durable" });
    c.elect(1);
    c.autoDurable = false;
    c.raft(1).propose([bytes("a")]);
    c.flushReadies();
    c.deliver((m) => m.type === MessageType.App && m.to === 2);
    const rd = c.handleReady(2);
    assert.equal(rd?.entries.length, 1);
    assert.equal(rd?.messages.filter((m) => m.type === MessageType.AppResp).length, 0);
    c.raft(2).reportDurable(2);
    const rd2 = c.handleReady(2);
    const ack = rd2?.messages.find((m) => m.type === MessageType.AppResp);
    assert.equal(ack?.index, 2);
    // The leader's own write is not durable yet, but 2 of 3 (leader counts 1, follower 2) is not a
    // majority at index 2; follower 3's ack completes it without the leader's disk.
    c.deliver((m) => m.type === MessageType.AppResp);
    assert.equal(c.raft(1).status().commit, 1);
    c.deliver((m) => m.type === MessageType.App && m.to === 3);
    c.handleReady(3);
    c.raft(3).reportDurable(2);
    c.flushReadies();
    c.deliver((m) => m.type === MessageType.AppResp);
    assert.equal(c.raft(1).status().commit, 2, "committed by the followers' disks while the leader's write is in flight");
    assert.equal(c.raft(1).status().durableIndex, 1);
  });

  test("MemFirst: a follower acknowledges in the Ready that carries the entries", () => {
    const c = new Cluster([1, 2, 3], { countPolicy: "appended" });
    c.elect(1);
    c.autoDurable = false;
    c.raft(1).propose([bytes("a")]);
    c.flushReadies();
    c.deliver((m) => m.type === MessageType.App && m.to === 2);
    const rd = c.handleReady(2);
    assert.equal(rd?.entries.length, 1);
    assert.equal(rd?.messages.find((m) => m.type === MessageType.AppResp)?.index, 2);
  });

  test("the leader sends appends in the same Ready as its own unpersisted entries", () => {
    const c = new Cluster([1, 2, 3], { countPolicy: "durable" });
    c.elect(1);
    c.raft(1).propose([bytes("a")]);
    const rd = c.raft(1).ready();
    assert.equal(rd.entries.length, 1);
    assert.equal(apps(rd.messages).length, 2);
  });

  test("a stale durability report for a truncated entry is ignored when its term is given", () => {
    const r = restoredNode(2, [1, 2], 2, [1, 1, 1], 1, { countPolicy: "durable" });
    // durableIndex restored as 3; a leader of term 2 overwrites 2..3.
    r.step({
      type: MessageType.App, from: 1, to: 2, term: 2, logTerm: 1, index: 1,
      entries: [{ term: 2, index: 2, type: 0, data: bytes("n") }],
      commit: 1, reject: false, rejectHint: 0, rejectHintTerm: 0, context: 0,
    });
    assert.equal(r.status().durableIndex, 1);
    r.ready();
    r.advance();
    r.reportDurable(2, 1); // the old write of (2, term 1) finishing late
    assert.equal(r.status().durableIndex, 1);
    r.reportDurable(2, 2);
    assert.equal(r.status().durableIndex, 2);
  });
});
