// The Progress invariants (etcd's tracker/progress.go): 0 <= match < next, the legal state
// transitions, the pending snapshot, the in-flight window. A transition that breaks one throws
// RaftInvariantError naming it, instead of letting the leader send from a corrupt view.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RaftInvariantError } from "../../../src/raft/invariant.ts";
import { Inflights, Progress } from "../../../src/raft/progress.ts";

function trips(name: string, fn: () => void): void {
  assert.throws(fn, (err: unknown) => err instanceof RaftInvariantError && err.invariant === name, `expected "${name}" to trip`);
}

/** A follower whose log matches up to 5, replicating (next 6). */
function replicating(maxInflight = 4): Progress {
  const pr = new Progress(1, maxInflight, 1 << 20);
  pr.maybeUpdate(5);
  pr.becomeReplicate();
  return pr;
}

describe("Progress invariants", () => {
  test("the legal lifecycle probe -> replicate -> probe -> snapshot -> probe -> replicate holds them all", () => {
    const pr = new Progress(11, 4, 1 << 20);
    assert.equal(pr.state, "probe");
    pr.sentEntries(12, 10); // the probe
    assert.ok(pr.isPaused(), "one probe in flight");
    pr.maybeUpdate(12);
    pr.becomeReplicate();
    pr.sentEntries(15, 30);
    pr.sentEntries(17, 20);
    assert.deepEqual([pr.match, pr.next, pr.inflights.count()], [12, 18, 2]);
    assert.ok(pr.maybeDecrTo(16, 13), "a genuine rejection");
    assert.deepEqual([pr.state, pr.next, pr.inflights.count()], ["probe", 13, 0]);
    pr.becomeSnapshot(40);
    assert.ok(pr.isPaused());
    pr.snapshotDone(true);
    assert.deepEqual([pr.state, pr.next, pr.pendingSnapshot], ["probe", 41, 0]);
    pr.maybeUpdate(40);
    pr.becomeReplicate();
    assert.deepEqual([pr.state, pr.match, pr.next], ["replicate", 40, 41]);
  });

  test("snapshot -> replicate directly is refused: the follower must be probed from after the snapshot", () => {
    const pr = replicating();
    pr.becomeSnapshot(20);
    trips("progress state transition", () => pr.becomeReplicate());
  });

  test("a second snapshot while one is pending is refused", () => {
    const pr = new Progress(1, 4, 1 << 20);
    pr.becomeSnapshot(20);
    trips("progress state transition", () => pr.becomeSnapshot(30));
  });

  test("probe -> probe is refused (nothing moves a probing follower into probe again)", () => {
    trips("progress state transition", () => new Progress(1, 4, 1 << 20).becomeProbe());
  });

  test("match must stay below next", () => {
    const pr = replicating();
    trips("progress: 0 <= match < next", () => pr.regress(-2));
  });

  test("a pending snapshot outside the snapshot state trips the next check", () => {
    const pr = replicating();
    pr.pendingSnapshot = 9;
    trips("progress: pending snapshot only in snapshot state", () => pr.maybeUpdate(6));
  });

  test("no append goes out while a snapshot is pending", () => {
    const pr = replicating();
    pr.becomeSnapshot(20);
    trips("progress: no appends while a snapshot is pending", () => pr.sentEntries(21, 1));
  });

  test("appends in flight end below next, and only in replicate state", () => {
    const pr = replicating();
    pr.sentEntries(8, 3);
    // A broken window: an append in flight beyond what was sent.
    pr.inflights.add(12, 1);
    trips("progress: appends in flight only in replicate state, below next", () => pr.maybeUpdate(6));
  });

  test("the in-flight window: never added to when full, always in increasing order", () => {
    const w = new Inflights(2, 1 << 20);
    w.add(3, 1);
    trips("inflights in order", () => w.add(3, 1));
    w.add(5, 1);
    assert.ok(w.full());
    trips("inflights within bounds", () => w.add(7, 1));
    w.freeLE(3);
    w.add(7, 1);
    assert.equal(w.count(), 2);
  });

  test("a replicating follower with a full window is paused: the leader never overfills it", () => {
    const pr = replicating(2);
    pr.sentEntries(6, 1);
    pr.sentEntries(7, 1);
    assert.ok(pr.isPaused());
    trips("inflights within bounds", () => pr.sentEntries(8, 1));
  });
});
