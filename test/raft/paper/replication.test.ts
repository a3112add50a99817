// Raft paper §5.3 (log replication) and §5.4.2 (committing entries from previous terms), one test
// per rule, driving real cores with hand-delivered messages.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EntryType, MessageType, type Message } from "../../../src/raft/types.ts";
import { Driver, data, isType, logWithTerms, restored } from "./driver.ts";

function app(from: number, to: number, term: number, prevIndex: number, prevTerm: number, entries: Array<[number, number]>, commit = 0): Message {
  return {
    type: MessageType.App,
    from,
    to,
    term,
    logTerm: prevTerm,
    index: prevIndex,
    entries: entries.map(([index, t]) => ({ index, term: t, type: EntryType.Normal, data: new Uint8Array([index, t]) })),
    commit,
    reject: false,
    rejectHint: 0,
    rejectHintTerm: 0,
    context: 0,
  };
}

/** A 3-node cluster whose node 1 leads with its no-op committed everywhere. */
function ledCluster(ids = [1, 2, 3]): Driver {
  const d = new Driver(ids);
  d.elect(1);
  d.heartbeat(1);
  return d;
}

describe("§5.3 log replication", () => {
  test("the leader appends a proposal to its own log and sends it to every follower", () => {
    const d = ledCluster();
    const leader = d.node(1);
    const last = leader.raft.status().lastIndex;
    const res = leader.raft.propose([data("x")]);
    assert.ok(res.ok);
    assert.equal(res.firstIndex, last + 1);
    d.flush(1);
    assert.deepEqual(
      leader.log.map((e) => e.index).slice(-1),
      [last + 1],
      "the entry is handed to the leader's log store",
    );
    const apps = d.take(isType(MessageType.App));
    assert.deepEqual(apps.map((m) => m.to).sort(), [2, 3]);
    for (const m of apps) {
      assert.equal(m.entries.length, 1);
      assert.equal(m.entries[0].index, last + 1);
      assert.equal(m.entries[0].term, res.term);
      assert.deepEqual(m.entries[0].data, data("x"));
    }
  });

  test("an entry commits (and is applied) once a majority stores it, not before", () => {
    const d = ledCluster([1, 2, 3, 4, 5]);
    const leader = d.node(1);
    const res = leader.raft.propose([data("y")]);
    assert.ok(res.ok);
    d.flush(1);
    const apps = d.take(isType(MessageType.App));
    const deliverTo = (id: number) => {
      const m = apps.find((a) => a.to === id);
      assert.ok(m);
      d.deliver(m);
      for (const r of d.take((x) => x.type === MessageType.AppResp && x.from === id)) d.deliver(r);
    };
    deliverTo(2);
    assert.ok(leader.raft.status().commit < res.firstIndex, "2 of 5 copies: not committed");
    assert.ok(!leader.applied.some((e) => e.index === res.firstIndex));
    deliverTo(3);
    assert.equal(leader.raft.status().commit, res.firstIndex, "3 of 5 copies: committed");
    assert.ok(leader.applied.some((e) => e.index === res.firstIndex && e.data.length === 1), "and applied by the leader");
  });

  test("a follower appends entries that follow a matching (prevIndex, prevTerm) and acknowledges them", () => {
    const d = new Driver([1, 2, 3], () => ({}), () => restored({ voters: [1, 2, 3], learners: [] }, { term: 1, vote: 0 }, logWithTerms([1, 1])));
    d.deliver(app(2, 1, 2, 2, 1, [[3, 2], [4, 2]]));
    assert.deepEqual(d.node(1).log.map((e) => e.term), [1, 1, 2, 2]);
    const resp = d.take(isType(MessageType.AppResp));
    assert.equal(resp.length, 1);
    assert.equal(resp[0].reject, false);
    assert.equal(resp[0].index, 4);
  });

  test("the consistency check rejects an append whose previous entry is missing or has another term", () => {
    const d = new Driver([1, 2, 3], () => ({}), () => restored({ voters: [1, 2, 3], learners: [] }, { term: 1, vote: 0 }, logWithTerms([1, 1])));
    d.deliver(app(2, 1, 2, 3, 2, [[4, 2]])); // a gap: we have no index 3
    d.deliver(app(2, 1, 2, 2, 2, [[3, 2]])); // index 2 has term 1, not 2
    const resp = d.take(isType(MessageType.AppResp));
    assert.equal(resp.length, 2);
    for (const r of resp) {
      assert.equal(r.reject, true);
      assert.ok(r.rejectHint <= 2, `hint ${r.rejectHint} points at or below our last index`);
    }
    assert.deepEqual(d.node(1).log.map((e) => e.term), [1, 1], "nothing appended");
  });

  test("the leader overwrites a follower's conflicting uncommitted entries with its own (Figure 7)", () => {
    const logs: Record<number, number[]> = { 1: [1, 1, 3], 2: [1, 1, 2, 2, 2], 3: [1, 1, 3] };
    const d = new Driver([1, 2, 3], () => ({}), (id) => restored({ voters: [1, 2, 3], learners: [] }, { term: 3, vote: 0 }, logWithTerms(logs[id])));
    d.elect(1);
    d.heartbeat(1);
    const leaderLog = d.node(1).log.map((e) => [e.index, e.term]);
    assert.deepEqual(leaderLog, [[1, 1], [2, 1], [3, 3], [4, 4]]);
    assert.deepEqual(d.node(2).log.map((e) => [e.index, e.term]), leaderLog, "the follower's term-2 suffix was replaced");
  });

  test("followers learn the commit index from the leader and apply committed entries in order", () => {
    const d = ledCluster();
    const res = d.node(1).raft.propose([data("a"), data("b")]);
    assert.ok(res.ok);
    d.flush(1);
    d.settle();
    d.heartbeat(1);
    for (const id of [2, 3]) {
      const applied = d.node(id).applied.filter((e) => e.data.length > 0).map((e) => new TextDecoder().decode(e.data));
      assert.deepEqual(applied, ["a", "b"], `node ${id}`);
      const idx = d.node(id).applied.map((e) => e.index);
      assert.deepEqual(idx, [...idx].sort((x, y) => x - y), "in index order");
    }
  });
});

describe("§5.4.2 committing entries from previous terms", () => {
  test("a leader does not commit a previous-term entry by counting replicas; it commits it with an entry of its term (Figure 8)", () => {
    // Node 1 holds an uncommitted term-2 entry at index 2; nodes 2 and 3 only index 1.
    const logs: Record<number, number[]> = { 1: [1, 2], 2: [1], 3: [1] };
    const d = new Driver(
      [1, 2, 3],
      () => ({ maxEntriesPerAppend: 1 }),
      (id) => restored({ voters: [1, 2, 3], learners: [] }, { term: 2, vote: 0 }, logWithTerms(logs[id])),
    );
    d.tick(1, 10);
    d.settle((m) => m.type !== MessageType.Vote && m.type !== MessageType.VoteResp);
    const leader = d.node(1);
    assert.equal(leader.raft.status().role, "leader");
    const term = leader.raft.status().term;
    assert.equal(term, 3);
    d.take(); // appends are driven by hand below, one message at a time, only between 1 and 2
    let sawOldEntryOnMajority = false;
    for (let round = 0; round < 50 && leader.raft.status().commit < 3; round++) {
      d.tick(1);
      for (let i = 0; i < 50 && d.outbox.length > 0; i++) {
        const m = d.outbox.shift() as Message;
        if (m.to === 3 || m.from === 3) continue;
        d.deliver(m);
        const match = leader.raft.status().progress.get(2)?.match ?? 0;
        if (match === 2) {
          sawOldEntryOnMajority = true;
          assert.ok(leader.raft.status().commit < 2, "index 2 (term 2) is on a majority but must not commit by counting");
        }
      }
    }
    assert.ok(sawOldEntryOnMajority, "the scenario reached: old entry on 2 of 3 nodes before the no-op");
    assert.equal(leader.raft.status().commit, 3, "the term-3 no-op commits, and index 2 with it");
    assert.deepEqual(leader.applied.map((e) => [e.index, e.term]), [[1, 1], [2, 2], [3, 3]]);
  });
});
