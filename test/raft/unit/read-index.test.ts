import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MessageType } from "../../../src/raft/types.ts";
import { bytes, Cluster } from "./driver.ts";

describe("ReadIndex", () => {
  test("leader: served after a quorum answers a heartbeat carrying the request", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.raft(1).propose([bytes("a")]);
    c.stabilize();
    c.raft(1).readIndex(42);
    c.flushReadies();
    const hbs = c.queue.filter((m) => m.type === MessageType.Heartbeat);
    assert.equal(hbs.length, 2);
    assert.ok(hbs.every((m) => m.context !== 0));
    assert.deepEqual(c.node(1).readStates, []);
    c.deliver((m) => m.type === MessageType.Heartbeat && m.to === 2);
    c.flushReadies();
    c.deliver((m) => m.type === MessageType.HeartbeatResp);
    c.flushReadies();
    assert.deepEqual(c.node(1).readStates, [{ requestId: 42, index: 2 }]);
  });

  test("leader: not served without a quorum (the heartbeat answers are lost)", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.partition([1], [2, 3]);
    c.raft(1).readIndex(1);
    for (let i = 0; i < 5; i++) {
      c.tick(1);
      c.stabilize();
    }
    assert.deepEqual(c.node(1).readStates, []);
    c.heal();
    c.tick(1); // regular heartbeats retry the pending round
    c.stabilize();
    assert.equal(c.node(1).readStates.length, 1);
  });

  test("leader: reads that arrive within one Ready share one heartbeat round", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    for (let i = 1; i <= 5; i++) c.raft(1).readIndex(i);
    c.flushReadies();
    assert.equal(c.queue.filter((m) => m.type === MessageType.Heartbeat).length, 2);
    c.stabilize();
    assert.deepEqual(c.node(1).readStates.map((r) => r.requestId), [1, 2, 3, 4, 5]);
  });

  test("leader: a read waits until the leader committed an entry of its own term", () => {
    const c = new Cluster([1, 2, 3]);
    for (let i = 0; i < 30 && c.raft(1).status().role !== "candidate"; i++) c.tick(1);
    c.flushReadies();
    c.deliver();
    c.flushReadies();
    c.deliver((m) => m.type === MessageType.VoteResp);
    assert.equal(c.raft(1).status().role, "leader");
    assert.equal(c.raft(1).status().commit, 0);
    c.raft(1).readIndex(7);
    c.flushReadies();
    assert.equal(c.queue.filter((m) => m.type === MessageType.Heartbeat).length, 0, "no round before the no-op commits");
    c.stabilize();
    assert.deepEqual(c.node(1).readStates, [{ requestId: 7, index: 1 }]);
  });

  test("single voter: served at once", () => {
    const c = new Cluster([1]);
    c.elect(1);
    c.raft(1).readIndex(9);
    const rd = c.handleReady(1);
    assert.deepEqual(rd?.readStates, [{ requestId: 9, index: 1 }]);
  });

  test("follower: forwarded to the leader, answered after confirmation", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.raft(1).propose([bytes("a")]);
    c.stabilize();
    c.raft(3).readIndex(5);
    c.flushReadies();
    assert.equal(c.queue.filter((m) => m.type === MessageType.ReadIndex && m.to === 1).length, 1);
    c.deliver();
    c.flushReadies();
    assert.equal(c.queue.filter((m) => m.type === MessageType.ReadIndexResp).length, 0, "not before the heartbeat round");
    c.stabilize();
    assert.deepEqual(c.node(3).readStates, [{ requestId: 5, index: 2 }]);
  });

  test("follower: no known leader means the read is dropped", () => {
    const c = new Cluster([1, 2, 3]);
    c.raft(2).readIndex(3);
    assert.deepEqual(c.handleReady(2)?.droppedReads, [3]);
  });

  test("reads pending at a leader that loses leadership are dropped (local and forwarded)", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true });
    c.elect(1);
    c.raft(2).readIndex(11);
    c.flushReadies();
    c.deliver((m) => m.type === MessageType.ReadIndex);
    c.raft(1).readIndex(12);
    c.flushReadies();
    c.queue = c.queue.filter((m) => m.type !== MessageType.Heartbeat);
    c.partition([1], [2, 3]);
    for (let i = 0; i < 25 && c.raft(1).status().role === "leader"; i++) c.tick(1);
    assert.equal(c.raft(1).status().role, "follower");
    c.flushReadies();
    assert.deepEqual(c.node(1).droppedReads, [12]);
    c.heal();
    c.deliver((m) => m.type === MessageType.ReadIndexResp);
    c.flushReadies();
    assert.deepEqual(c.node(2).droppedReads, [11]);
  });
});

describe("lease read", () => {
  test("a leader with a valid lease answers at once, without a heartbeat round", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, leaseRead: true });
    c.elect(1);
    c.tick(1); // a heartbeat round establishes the lease
    c.stabilize();
    c.raft(1).readIndex(1);
    const rd = c.handleReady(1);
    assert.deepEqual(rd?.readStates, [{ requestId: 1, index: 1 }]);
    assert.equal(rd?.messages.length, 0);
  });

  test("the lease expires without heartbeat answers, then reads need a quorum round", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, leaseRead: true, electionTicks: 10, heartbeatTicks: 1 });
    c.elect(1);
    c.tick(1);
    c.stabilize();
    c.partition([1], [2, 3]);
    c.tick(1, 9); // still leader (check-quorum fires at 10), but acks are 9 ticks old
    assert.equal(c.raft(1).status().role, "leader");
    c.flushReadies();
    c.queue = [];
    c.raft(1).readIndex(2);
    const rd = c.handleReady(1);
    assert.deepEqual(rd?.readStates, []);
    assert.ok(rd?.messages.some((m) => m.type === MessageType.Heartbeat && m.context !== 0));
  });

  test("leaseRead without checkQuorum is refused by the config check", () => {
    assert.throws(() => new Cluster([1], { leaseRead: true, checkQuorum: false }), /leaseRead requires checkQuorum/);
  });
});
