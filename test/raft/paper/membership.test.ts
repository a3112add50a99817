// Raft paper §6 (cluster membership changes), as the core implements it: one server at a time
// (thesis §4.1), learners, and a leader that steps down after its own removal.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeConfChange } from "../../../src/raft/index.ts";
import { ConfChangeType, EntryType, MessageType, Role } from "../../../src/raft/types.ts";
import { Driver, data, restored } from "./driver.ts";

const NONE = new Uint8Array(0);

function ledCluster(ids: number[], learners: number[] = []): Driver {
  const all = [...ids, ...learners];
  const d = new Driver(all, () => ({}), () => restored({ voters: ids, learners }));
  d.elect(ids[0]);
  d.heartbeat(ids[0]);
  return d;
}

describe("§6 membership changes, one server at a time", () => {
  test("a second change is refused while the first is not yet applied; accepted afterwards", () => {
    const d = ledCluster([1, 2, 3]);
    const r = d.node(1).raft;
    const first = r.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4, context: NONE });
    assert.ok(first.ok);
    const second = r.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 5, context: NONE });
    assert.equal(second.ok, false);
    assert.equal(!second.ok && second.error.code, "conf-change-pending");
    d.flush(1);
    d.settle();
    assert.ok(d.node(1).applied.some((e) => e.type === EntryType.ConfChange), "the first change applied");
    const third = r.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 5, context: NONE });
    assert.ok(third.ok, "the next change is accepted once the first is applied");
  });

  test("a new leader accepts a change only after an entry of its own term committed", () => {
    const d = new Driver([1, 2, 3]);
    d.tick(1, 10);
    d.settle((m) => m.type === MessageType.App || m.type === MessageType.AppResp);
    assert.equal(d.node(1).role, Role.Leader);
    const early = d.node(1).raft.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4, context: NONE });
    assert.equal(early.ok, false, "the no-op of its term is not committed yet");
    d.heartbeat(1);
    d.settle();
    const later = d.node(1).raft.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4, context: NONE });
    assert.ok(later.ok);
  });

  test("learners receive the log but neither count toward commit nor campaign", () => {
    const d = ledCluster([1, 2, 3], [4]);
    const res = d.node(1).raft.propose([data("L")]);
    assert.ok(res.ok);
    d.flush(1);
    // Only the learner gets (and acknowledges) the entry.
    d.settle((m) => m.to === 2 || m.to === 3);
    assert.ok(d.node(4).log.some((e) => e.index === res.firstIndex), "the learner stores the entry");
    assert.ok(d.node(1).raft.status().commit < res.firstIndex, "leader + learner is not a majority of voters");
    d.take();
    d.tick(4, 100);
    assert.equal(d.take((m) => m.from === 4 && (m.type === MessageType.Vote || m.type === MessageType.PreVote)).length, 0);
    assert.equal(d.node(4).role, Role.Follower);
  });

  test("a promoted learner counts: with four voters a commit needs three copies", () => {
    const d = ledCluster([1, 2, 3], [4]);
    const r = d.node(1).raft;
    assert.ok(r.proposeConfChange({ type: ConfChangeType.AddVoter, nodeId: 4, context: NONE }).ok);
    d.flush(1);
    d.settle();
    d.heartbeat(1);
    assert.deepEqual([...r.status().conf.voters].sort(), [1, 2, 3, 4]);
    const res = r.propose([data("q")]);
    assert.ok(res.ok);
    d.flush(1);
    d.settle((m) => m.to === 3 || m.to === 4);
    assert.ok(r.status().commit < res.firstIndex, "leader + one follower = 2 of 4: not committed");
    d.heartbeat(1, (m) => m.to === 3);
    assert.equal(r.status().commit >= res.firstIndex, true, "with the promoted node: 3 of 4");
  });

  test("a leader that applies its own removal steps down, and the rest elect a leader among themselves", () => {
    const d = ledCluster([1, 2, 3]);
    const r = d.node(1).raft;
    const res = r.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 1, context: NONE });
    assert.ok(res.ok);
    d.flush(1);
    d.settle();
    const cc = d.node(1).applied.find((e) => e.type === EntryType.ConfChange);
    assert.ok(cc);
    assert.equal(decodeConfChange(cc.data).nodeId, 1);
    assert.notEqual(d.node(1).role, Role.Leader, "stepped down after applying its removal");
    d.heartbeat(1);
    d.settle();
    for (const id of [2, 3]) assert.deepEqual([...d.node(id).raft.status().conf.voters].sort(), [2, 3], `node ${id}`);
    d.nodes.delete(1);
    const toRemoved: MessageType[] = [];
    d.elect(2, (m) => {
      if (m.to === 1) toRemoved.push(m.type);
      return false;
    });
    assert.equal(d.node(2).role, Role.Leader);
    assert.ok(!toRemoved.includes(MessageType.Vote), "no vote request to the removed node");
  });
});
