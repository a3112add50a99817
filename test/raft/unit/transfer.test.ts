import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MessageType } from "../../../src/raft/types.ts";
import { bytes, Cluster } from "./driver.ts";

describe("leadership transfer", () => {
  test("an up-to-date target gets TimeoutNow and wins at once, despite check-quorum stickiness", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, preVote: true });
    c.elect(1);
    const term = c.raft(1).status().term;
    c.raft(1).transferLeader(2);
    c.flushReadies();
    assert.equal(c.queue.filter((m) => m.type === MessageType.TimeoutNow && m.to === 2).length, 1);
    c.stabilize();
    assert.equal(c.raft(2).status().role, "leader");
    assert.equal(c.raft(2).status().term, term + 1);
    assert.equal(c.raft(1).status().role, "follower");
    assert.equal(c.raft(1).status().leadTransferee, 0);
  });

  test("a lagging target is brought up to date first", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.partition([1], [3]);
    c.raft(1).propose([bytes("a")]);
    c.stabilize();
    c.heal();
    c.raft(1).transferLeader(3);
    c.flushReadies();
    assert.equal(c.queue.filter((m) => m.type === MessageType.TimeoutNow).length, 0);
    assert.ok(c.queue.some((m) => m.type === MessageType.App && m.to === 3));
    c.stabilize();
    assert.equal(c.raft(3).status().role, "leader");
    assert.deepEqual(c.appliedData(3), ["a"]);
  });

  test("proposals are refused while transferring", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.partition([1], [3]);
    c.raft(1).propose([bytes("a")]);
    c.stabilize();
    c.raft(1).transferLeader(3);
    assert.deepEqual(c.raft(1).propose([bytes("b")]), { ok: false, error: { code: "transferring", to: 3 } });
  });

  test("a transfer that does not finish within an election timeout is aborted", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.partition([1], [3]);
    c.raft(1).propose([bytes("a")]);
    c.stabilize();
    c.raft(1).transferLeader(3);
    assert.equal(c.raft(1).status().leadTransferee, 3);
    for (let i = 0; i < 10; i++) {
      c.tick(1);
      c.stabilize();
    }
    assert.equal(c.raft(1).status().leadTransferee, 0);
    assert.equal(c.raft(1).status().role, "leader");
    assert.equal(c.raft(1).propose([bytes("b")]).ok, true);
  });

  test("a follower forwards a transfer request to the leader", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.raft(3).transferLeader(3);
    c.stabilize();
    assert.equal(c.raft(3).status().role, "leader");
  });

  test("a learner cannot be the target", () => {
    const c = new Cluster([1, 2, 3], {}, [3]);
    c.elect(1);
    c.raft(1).transferLeader(3);
    assert.equal(c.raft(1).status().leadTransferee, 0);
  });
});
