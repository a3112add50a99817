import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Raft } from "../../../src/raft/raft.ts";
import { MessageType } from "../../../src/raft/types.ts";
import { bootstrap, bytes, Cluster, config, stabilizeWithSnapshots } from "./driver.ts";

describe("snapshots and compaction", () => {
  test("compact drops the applied prefix; the log starts after the snapshot", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    for (let i = 0; i < 10; i++) c.raft(1).propose([bytes(`v${i}`)]);
    c.stabilize();
    c.raft(1).compact(8);
    const st = c.raft(1).status();
    assert.equal(st.firstIndex, 9);
    assert.equal(st.lastIndex, 11);
    assert.throws(() => c.raft(1).compact(12), /only applied entries/);
    // Still replicates normally.
    c.raft(1).propose([bytes("more")]);
    c.stabilize();
    assert.equal(c.raft(3).status().commit, 12);
  });

  test("a follower whose entries were compacted gets a Snap on the bulk plane, then catches up", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.partition([1], [3]);
    for (let i = 0; i < 10; i++) c.raft(1).propose([bytes(`v${i}`)]);
    c.stabilize();
    c.raft(1).compact(9);
    c.heal();
    c.tick(1);
    const snaps = stabilizeWithSnapshots(c);
    assert.equal(snaps.length, 1);
    assert.equal(snaps[0].to, 3);
    assert.deepEqual(snaps[0].snapshot, { index: 9, term: c.raft(1).status().term, conf: { voters: [1, 2, 3], learners: [] } });
    const installed = c.node(3).readys.find((r) => r.snapshot);
    assert.equal(installed?.snapshot?.index, 9);
    const st3 = c.raft(3).status();
    assert.equal(st3.firstIndex, 10);
    assert.equal(st3.commit, 11);
    assert.equal(st3.applied, 11);
    // The no-op (1) came before the partition, 2..9 with the snapshot, 10..11 as entries.
    assert.deepEqual(c.node(3).applied.map((e) => e.index), [1, 10, 11]);
    assert.equal(c.raft(1).status().progress.get(3)?.state, "replicate");
  });

  test("while the snapshot is in flight the follower's progress pauses; a failure retries later", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.partition([1], [3]);
    for (let i = 0; i < 5; i++) c.raft(1).propose([bytes(`v${i}`)]);
    c.stabilize();
    c.raft(1).compact(5);
    c.heal();
    c.tick(1);
    for (let i = 0; i < 5; i++) {
      c.flushReadies();
      c.queue = c.queue.filter((m) => m.type !== MessageType.Snap);
      c.deliver();
    }
    assert.equal(c.raft(1).status().progress.get(3)?.state, "snapshot");
    c.raft(1).reportSnapshot(3, false);
    assert.equal(c.raft(1).status().progress.get(3)?.state, "probe");
    c.tick(1);
    stabilizeWithSnapshots(c);
    assert.equal(c.raft(3).status().commit, 6);
  });

  test("a Snap not newer than the commit index is answered with the commit index, not installed", () => {
    const c = new Cluster([1, 2]);
    c.elect(1);
    c.raft(1).propose([bytes("a"), bytes("b")]);
    c.stabilize();
    const r2 = c.raft(2);
    const term = r2.status().term;
    r2.step({
      type: MessageType.Snap, from: 1, to: 2, term, logTerm: 0, index: 0, entries: [], commit: 0, reject: false,
      rejectHint: 0, rejectHintTerm: 0, context: 0, snapshot: { index: 2, term, conf: { voters: [1, 2], learners: [] } },
    });
    const rd = r2.ready();
    assert.equal(rd.snapshot, undefined);
    assert.equal(rd.messages[0].type, MessageType.AppResp);
    assert.equal(rd.messages[0].index, 3);
  });

  test("a node restarts from a snapshot plus the entries after it", () => {
    const r = new Raft(config(1), {
      hardState: { term: 3, vote: 1 },
      snapshot: { index: 10, term: 2, conf: { voters: [1], learners: [] } },
      entries: [{ term: 3, index: 11, type: 0, data: bytes("x") }],
      applied: 10,
      durableIndex: 11,
    });
    const st = r.status();
    assert.equal(st.firstIndex, 11);
    assert.equal(st.commit, 10);
    for (let i = 0; i < 30 && r.status().role !== "leader"; i++) r.tick();
    assert.equal(r.status().role, "leader");
    const rd = r.ready();
    r.advance();
    assert.deepEqual(rd.entries.map((e) => e.index), [12]);
    const rd2 = r.ready();
    assert.deepEqual(rd2.committedEntries.map((e) => e.index), [11, 12]);
  });

  test("a restored log with a gap is refused with a clear message", () => {
    assert.throws(
      () => new Raft(config(1), { ...bootstrap([1]), entries: [{ term: 1, index: 2, type: 0, data: bytes("") }] }),
      /not contiguous: expected entry index 1 after snapshot 0, got 2/,
    );
  });
});

describe("maxUncommittedBytes", () => {
  test("proposals beyond the uncommitted payload limit are refused, accepted again after commit", () => {
    const c = new Cluster([1, 2, 3], { maxUncommittedBytes: 100 });
    c.elect(1);
    c.partition([1], [2, 3]);
    assert.equal(c.raft(1).propose([new Uint8Array(60)]).ok, true);
    assert.deepEqual(c.raft(1).propose([new Uint8Array(60)]), {
      ok: false,
      error: { code: "too-many-uncommitted-bytes", limit: 100 },
    });
    assert.equal(c.raft(1).propose([new Uint8Array(40)]).ok, true, "exactly at the limit is fine");
    c.heal();
    c.tick(1);
    c.stabilize();
    assert.equal(c.raft(1).status().commit, 3);
    assert.equal(c.raft(1).propose([new Uint8Array(60)]).ok, true);
  });

  test("a single proposal larger than the limit is accepted when nothing is uncommitted", () => {
    const c = new Cluster([1], { maxUncommittedBytes: 10 });
    c.elect(1);
    assert.equal(c.raft(1).propose([new Uint8Array(50)]).ok, true);
  });
});
