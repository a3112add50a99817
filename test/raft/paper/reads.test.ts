// Raft paper §8 (client interaction): a no-op at the start of each term, and read-only requests
// served through ReadIndex (thesis §6.4) without writing to the log.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EntryType, MessageType, Role } from "../../../src/raft/types.ts";
import { Driver, isType } from "./driver.ts";

describe("§8 client interaction", () => {
  test("a new leader appends a no-op entry of its term and commits it", () => {
    const d = new Driver([1, 2, 3]);
    d.elect(1);
    const term = d.node(1).raft.status().term;
    const noop = d.node(1).log.at(-1);
    assert.ok(noop);
    assert.equal(noop.term, term);
    assert.equal(noop.type, EntryType.Normal);
    assert.equal(noop.data.length, 0);
    d.heartbeat(1);
    assert.equal(d.node(1).raft.status().commit, noop.index);
    for (const id of [2, 3]) assert.ok(d.node(id).applied.some((e) => e.index === noop.index && e.term === term));
  });

  test("ReadIndex on the leader: answered only after a quorum confirms leadership, at the commit index", () => {
    const d = new Driver([1, 2, 3, 4, 5]);
    d.elect(1);
    d.heartbeat(1);
    const leader = d.node(1);
    const commit = leader.raft.status().commit;
    const logBefore = leader.log.length;
    leader.raft.readIndex(7);
    d.flush(1);
    assert.equal(leader.readStates.length, 0, "not before the confirmation round");
    const beats = d.take(isType(MessageType.Heartbeat));
    assert.equal(beats.length, 4);
    const ctx = beats[0].context;
    assert.notEqual(ctx, 0, "the heartbeat round carries the read's context");
    for (const b of beats) d.deliver(b);
    const acks = d.take(isType(MessageType.HeartbeatResp));
    d.deliver(acks[0]);
    assert.equal(leader.readStates.length, 0, "leader + 1 of 5 is no quorum");
    d.deliver(acks[1]);
    assert.deepEqual(leader.readStates, [{ requestId: 7, index: commit }], "leader + 2 of 5 confirm it");
    assert.equal(leader.log.length, logBefore, "a read writes nothing to the log");
  });

  test("ReadIndex waits until the leader has committed an entry of its own term", () => {
    const d = new Driver([1, 2, 3]);
    d.tick(1, 10);
    d.settle((m) => m.type === MessageType.App || m.type === MessageType.AppResp);
    const leader = d.node(1);
    assert.equal(leader.role, Role.Leader);
    const noopIndex = leader.raft.status().lastIndex;
    leader.raft.readIndex(3);
    d.flush(1);
    d.settle((m) => m.type === MessageType.App || m.type === MessageType.AppResp);
    assert.equal(leader.readStates.length, 0, "the no-op is not committed: the commit index may be stale");
    d.heartbeat(1);
    d.heartbeat(1);
    assert.equal(leader.readStates.length, 1);
    assert.ok(leader.readStates[0].index >= noopIndex, "the read index covers the no-op");
  });

  test("ReadIndex on a follower goes through the leader and returns the leader's commit index", () => {
    const d = new Driver([1, 2, 3]);
    d.elect(1);
    d.heartbeat(1);
    const commit = d.node(1).raft.status().commit;
    d.node(3).raft.readIndex(9);
    d.flush(3);
    const asks = d.take(isType(MessageType.ReadIndex));
    assert.equal(asks.length, 1);
    assert.equal(asks[0].to, 1);
    d.deliver(asks[0]);
    d.settle();
    assert.deepEqual(d.node(3).readStates, [{ requestId: 9, index: commit }]);
  });

  test("a leader cut off from the quorum never answers a ReadIndex", () => {
    const d = new Driver([1, 2, 3]);
    d.elect(1);
    d.heartbeat(1);
    d.node(1).raft.readIndex(11);
    d.flush(1);
    for (let i = 0; i < 5; i++) d.heartbeat(1, (m) => m.type === MessageType.HeartbeatResp);
    assert.equal(d.node(1).readStates.length, 0);
  });
});
