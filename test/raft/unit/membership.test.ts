import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Raft } from "../../../src/raft/raft.ts";
import { decodeConfChange, encodeConfChange } from "../../../src/raft/confchange.ts";
import { ConfChangeType, MessageType, type Message } from "../../../src/raft/types.ts";
import { bootstrap, bytes, Cluster, config, stabilizeWithSnapshots } from "./driver.ts";

const cc = (type: ConfChangeType, nodeId: number) => ({ type, nodeId, context: bytes(`n${nodeId}`) });

/** A node that joins later: bootstrapped with the cluster's original (index 0) membership, which the
 *  changes in the leader's log then transform. */
function joiner(id: number, original: number[]): Raft {
  return new Raft(config(id), bootstrap(original));
}

describe("conf changes", () => {
  test("encode/decode round trip, and a clear error for garbage", () => {
    const x = { type: ConfChangeType.AddLearner, nodeId: 2 ** 40 + 5, context: bytes("http://a:1") };
    assert.deepEqual(decodeConfChange(encodeConfChange(x)), x);
    assert.throws(() => decodeConfChange(new Uint8Array([9, 9])), /too short/);
    assert.throws(() => decodeConfChange(new Uint8Array(10).fill(7)), /format version 7/);
  });

  test("a learner receives the log but neither votes nor counts for commit", () => {
    const c = new Cluster([1, 2, 3], {}, [3]);
    c.elect(1);
    assert.equal(c.queue.length, 0);
    // Votes went only to 2 (the voter).
    c.partition([1], [2]);
    c.raft(1).propose([bytes("a")]);
    c.stabilize();
    assert.equal(c.raft(3).status().lastIndex, 2, "the learner got the entry");
    assert.equal(c.raft(1).status().commit, 1, "the learner's ack does not make a majority of {1,2}");
    c.heal();
    c.tick(1);
    c.stabilize();
    assert.equal(c.raft(1).status().commit, 2);
    // A learner never campaigns.
    c.tick(3, 100);
    assert.equal(c.raft(3).status().role, "follower");
  });

  test("add a learner, promote it, and it counts", () => {
    const c = new Cluster([1, 2]);
    c.add(3, joiner(3, [1, 2]));
    c.elect(1);
    assert.equal(c.raft(1).proposeConfChange(cc(ConfChangeType.AddLearner, 3)).ok, true);
    c.stabilize();
    assert.deepEqual(c.raft(1).status().conf, { voters: [1, 2], learners: [3] });
    assert.deepEqual(c.raft(3).status().conf, { voters: [1, 2], learners: [3] });
    assert.equal(c.raft(1).proposeConfChange(cc(ConfChangeType.AddVoter, 3)).ok, true);
    c.stabilize();
    assert.deepEqual(c.raft(1).status().conf, { voters: [1, 2, 3], learners: [] });
    // Now {1,3} is a majority without 2.
    c.partition([2], [1, 3]);
    c.raft(1).propose([bytes("x")]);
    c.stabilize();
    assert.deepEqual(c.appliedData(3), ["x"]);
  });

  test("an UpdateNode entry reaches every member's log and leaves the membership as it was; a non-member is refused", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    const refused = c.raft(1).proposeConfChange(cc(ConfChangeType.UpdateNode, 9));
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.error.code, "invalid-conf-change");
    const x = { type: ConfChangeType.UpdateNode, nodeId: 2, context: bytes("http://b:2") };
    assert.deepEqual(decodeConfChange(encodeConfChange(x)), x);
    const r = c.raft(1).proposeConfChange(x);
    assert.equal(r.ok, true);
    c.stabilize();
    for (const id of [1, 2, 3]) {
      const st = c.raft(id).status();
      assert.deepEqual(st.conf, { voters: [1, 2, 3], learners: [] });
      assert.ok(r.ok && st.commit >= r.lastIndex, `member ${id} committed the update`);
    }
    // Like any change it is one at a time, and once applied the next may follow.
    assert.equal(c.raft(1).proposeConfChange(cc(ConfChangeType.AddLearner, 4)).ok, true);
  });

  test("one change at a time: a second is refused until the first is applied", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    const first = c.raft(1).proposeConfChange(cc(ConfChangeType.AddLearner, 4));
    assert.equal(first.ok, true);
    const second = c.raft(1).proposeConfChange(cc(ConfChangeType.AddLearner, 5));
    assert.deepEqual(second, { ok: false, error: { code: "conf-change-pending", index: 2 } });
    c.stabilize();
    assert.equal(c.raft(1).proposeConfChange(cc(ConfChangeType.AddLearner, 5)).ok, true);
  });

  test("a new leader accepts a conf change only after committing an entry of its term", () => {
    const c = new Cluster([1, 2, 3]);
    for (let i = 0; i < 30 && c.raft(1).status().role !== "candidate"; i++) c.tick(1);
    c.flushReadies();
    c.deliver();
    c.flushReadies();
    c.deliver((m) => m.type === MessageType.VoteResp);
    assert.equal(c.raft(1).status().role, "leader");
    const r = c.raft(1).proposeConfChange(cc(ConfChangeType.AddLearner, 4));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, "conf-change-pending");
    c.stabilize();
    assert.equal(c.raft(1).proposeConfChange(cc(ConfChangeType.AddLearner, 4)).ok, true);
  });

  test("invalid changes are refused with a reason", () => {
    const c = new Cluster([1, 2]);
    c.elect(1);
    const r = c.raft(1).proposeConfChange(cc(ConfChangeType.AddVoter, 2));
    assert.deepEqual(r, { ok: false, error: { code: "invalid-conf-change", reason: "node 2 is already a voter" } });
    const r2 = c.raft(1).proposeConfChange(cc(ConfChangeType.RemoveNode, 9));
    assert.equal(!r2.ok && r2.error.code, "invalid-conf-change");
  });

  test("a leader that applies its own removal steps down, and the rest elect a new leader", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    assert.equal(c.raft(1).proposeConfChange(cc(ConfChangeType.RemoveNode, 1)).ok, true);
    c.stabilize();
    assert.equal(c.raft(1).status().role, "follower");
    assert.deepEqual(c.raft(1).status().conf.voters, [2, 3]);
    c.tick(1, 100);
    assert.equal(c.raft(1).status().role, "follower", "a removed node never campaigns");
    c.elect(2);
    c.raft(2).propose([bytes("after")]);
    c.stabilize();
    assert.deepEqual(c.appliedData(3), ["after"]);
  });

  test("removing a follower shrinks the quorum", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.raft(1).proposeConfChange(cc(ConfChangeType.RemoveNode, 3));
    c.stabilize();
    assert.equal(c.raft(1).status().progress.has(3), false);
    c.partition([1], [3]);
    c.raft(1).propose([bytes("y")]);
    c.stabilize();
    assert.deepEqual(c.appliedData(2), ["y"]);
  });

  test("a restarted node replays applied conf changes from its log", () => {
    const c = new Cluster([1, 2]);
    c.elect(1);
    c.raft(1).proposeConfChange(cc(ConfChangeType.AddLearner, 3));
    c.stabilize();
    const n = c.node(2);
    const st = n.raft.status();
    const r = new Raft(config(2), {
      hardState: { term: st.term, vote: st.vote },
      snapshot: { index: 0, term: 0, conf: { voters: [1, 2], learners: [] } },
      entries: n.stored,
      applied: st.applied,
      durableIndex: st.lastIndex,
    });
    assert.deepEqual(r.status().conf, { voters: [1, 2], learners: [3] });
  });
});

test("confAt gives the membership in effect at an index (what a snapshot taken there records)", () => {
  const c = new Cluster([1, 2, 3]);
  c.elect(1);
  c.stabilize();
  const r = c.raft(1);
  const before = r.status().lastIndex;
  const res = r.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4, context: new Uint8Array() });
  assert.ok(res.ok);
  c.stabilize();
  assert.deepEqual(r.confAt(before).learners, []);
  assert.deepEqual(r.confAt(res.lastIndex).learners, [4]);
  assert.deepEqual(r.confAt(res.lastIndex).voters, [1, 2, 3]);
});

describe("a member that joins a running cluster with an empty membership (initial_state = existing)", () => {
  test("it never campaigns, refuses the log from index 1, and follows once a snapshot gives it the membership", () => {
    const c = new Cluster([1, 2, 3]);
    c.add(4, new Raft(config(4), bootstrap([])));
    c.elect(1);
    c.tick(4, 200);
    c.stabilize();
    assert.equal(c.raft(4).status().role, "follower", "no voters known: it cannot campaign");
    assert.equal(c.node(4).readys.flatMap((r) => r.messages).length, 0, "and it sent nothing");
    for (let i = 0; i < 5; i++) c.raft(1).propose([bytes(`v${i}`)]);
    c.stabilize();
    // The leader's log still starts at index 1: replaying it onto an empty membership would make
    // the joiner believe {voters: [], learners: [4]} and, once promoted, {voters: [4]}.
    assert.ok(c.raft(1).proposeConfChange(cc(ConfChangeType.AddLearner, 4)).ok);
    const snaps: Message[] = [];
    for (let i = 0; i < 50; i++) {
      c.flushReadies();
      for (const m of c.deliver()) if (m.type === MessageType.Snap) snaps.push(m);
    }
    assert.equal(c.raft(4).status().lastIndex, 0, "the joiner appended nothing from index 1");
    assert.deepEqual(snaps.map((m) => m.to), [4], "the leader answers the refusal of index 0 with a snapshot");
    // The shell sends its newest snapshot instead of the core's index 0 (node.ts): the core compacts there.
    c.raft(1).reportSnapshot(4, false);
    const applied = c.raft(1).status().applied;
    c.raft(1).compact(applied);
    c.tick(1, 2);
    const sent = stabilizeWithSnapshots(c);
    assert.equal(sent[0]?.snapshot?.index, applied);
    assert.deepEqual(c.raft(4).status().conf, { voters: [1, 2, 3], learners: [4] });
    assert.equal(c.raft(4).status().lastIndex, c.raft(1).status().lastIndex);
    assert.ok(c.raft(1).proposeConfChange(cc(ConfChangeType.AddVoter, 4)).ok);
    c.stabilize();
    assert.deepEqual(c.raft(4).status().conf, { voters: [1, 2, 3, 4], learners: [] });
    c.raft(1).propose([bytes("after")]);
    c.stabilize();
    assert.deepEqual(c.appliedData(4), ["after"], "entries after the snapshot are applied");
  });
});

describe("a removed member learns of its removal", () => {
  test("the leader replicates to a removed follower until the removal commits, so it applies it", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    const r = c.raft(1).proposeConfChange(cc(ConfChangeType.RemoveNode, 3));
    assert.ok(r.ok);
    c.stabilize();
    const removal = c.node(3).applied.find((e) => e.index === r.lastIndex);
    assert.equal(removal?.type, 1, "node 3 applied the ConfChange that removed it");
    assert.deepEqual(decodeConfChange(removal!.data), { type: ConfChangeType.RemoveNode, nodeId: 3, context: bytes("n3") });
    assert.equal(c.raft(1).status().progress.has(3), false, "then the leader stops replicating to it");
    c.tick(3, 200);
    assert.equal(c.raft(3).status().role, "follower", "a removed member never campaigns");
  });
});
