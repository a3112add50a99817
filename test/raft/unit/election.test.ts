import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Raft } from "../../../src/raft/raft.ts";
import { MessageType, type Message } from "../../../src/raft/types.ts";
import { bootstrap, bytes, Cluster, config } from "./driver.ts";

function voteMsg(from: number, to: number, term: number, index: number, logTerm: number, pre = false): Message {
  return {
    type: pre ? MessageType.PreVote : MessageType.Vote, from, to, term, logTerm, index, entries: [], commit: 0,
    reject: false, rejectHint: 0, rejectHintTerm: 0, context: 0,
  };
}

describe("election", () => {
  test("a vote is refused to a candidate whose log is less up to date", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.raft(1).propose([bytes("x")]);
    c.stabilize();
    // Node 2 has entries at term 1 up to index 2; node 3 asks with an empty log at a higher term.
    const r2 = c.raft(2);
    r2.step(voteMsg(3, 2, 5, 0, 0));
    const rd = r2.ready();
    const resp = rd.messages.find((m) => m.type === MessageType.VoteResp);
    assert.ok(resp);
    assert.equal(resp.reject, true);
    assert.equal(r2.status().vote, 0);
    // The same request with an up-to-date log is granted.
    r2.advance();
    r2.step(voteMsg(3, 2, 5, 2, 1));
    const rd2 = r2.ready();
    assert.equal(rd2.messages.find((m) => m.type === MessageType.VoteResp)?.reject, false);
  });

  test("a log with a higher last term is more up to date even if shorter", () => {
    const r = new Raft(config(1), {
      ...bootstrap([1, 2]),
      hardState: { term: 3, vote: 0 },
      entries: [1, 2, 3].map((i) => ({ term: 1, index: i, type: 0, data: new Uint8Array() })),
      durableIndex: 3,
    });
    r.step(voteMsg(2, 1, 4, 1, 2));
    const resp = r.ready().messages.find((m) => m.type === MessageType.VoteResp);
    assert.equal(resp?.reject, false);
  });

  test("at most one vote per term, and the vote is in the Ready's hard state", () => {
    const r = new Raft(config(1), bootstrap([1, 2, 3]));
    r.step(voteMsg(2, 1, 1, 0, 0));
    const rd = r.ready();
    assert.deepEqual(rd.hardState, { term: 1, vote: 2 });
    assert.equal(rd.messages[0].type, MessageType.VoteResp);
    assert.equal(rd.messages[0].reject, false);
    r.advance();
    r.step(voteMsg(3, 1, 1, 0, 0));
    const rd2 = r.ready();
    assert.equal(rd2.hardState, undefined);
    assert.equal(rd2.messages[0].reject, true);
    r.advance();
    // The same candidate asking again (a retry) is granted again.
    r.step(voteMsg(2, 1, 1, 0, 0));
    assert.equal(r.ready().messages[0].reject, false);
  });

  test("a restarted node keeps its vote", () => {
    const r = new Raft(config(1), { ...bootstrap([1, 2, 3]), hardState: { term: 1, vote: 2 } });
    r.step(voteMsg(3, 1, 1, 0, 0));
    assert.equal(r.ready().messages[0].reject, true);
  });

  test("the election timeout is randomized in [electionTicks, 2*electionTicks)", () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const r = new Raft(config(1, { random: () => (seed - 1) / 40 }), bootstrap([1, 2, 3]));
      let ticks = 0;
      while (r.status().role === "follower") {
        r.tick();
        ticks++;
      }
      assert.ok(ticks >= 10 && ticks < 20, `timeout ${ticks}`);
      seen.add(ticks);
    }
    assert.equal(seen.size, 10);
  });

  test("a new leader appends an empty no-op entry of its term", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    const st = c.raft(1).status();
    assert.equal(st.lastIndex, 1);
    const stored = c.node(1).stored;
    assert.equal(stored.length, 1);
    assert.equal(stored[0].term, st.term);
    assert.equal(stored[0].data.byteLength, 0);
    assert.equal(st.commit, 1);
  });

  test("pre-vote does not bump terms and a rejoining node does not disrupt the leader", () => {
    const c = new Cluster([1, 2, 3], { preVote: true, checkQuorum: true });
    c.elect(1);
    const term = c.raft(1).status().term;
    c.partition([3], [1, 2]);
    c.tick(3, 100); // many election timeouts alone
    c.stabilize();
    assert.equal(c.raft(3).status().term, term, "pre-candidate must not bump its term");
    assert.equal(c.raft(3).status().role, "pre-candidate");
    c.heal();
    c.tick(3, 30);
    c.tick(1, 1);
    c.stabilize();
    assert.equal(c.raft(1).status().role, "leader");
    assert.equal(c.raft(1).status().term, term);
    assert.equal(c.raft(3).status().leader, 1);
  });

  test("without pre-vote a rejoining node bumps its term (the contrast)", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    const term = c.raft(1).status().term;
    c.partition([3], [1, 2]);
    c.tick(3, 100);
    c.stabilize();
    assert.ok(c.raft(3).status().term > term);
  });

  test("a pre-vote is denied by a follower that heard from its leader recently", () => {
    const c = new Cluster([1, 2, 3], { preVote: true });
    c.elect(1);
    const r2 = c.raft(2);
    const t = r2.status().term;
    r2.step(voteMsg(3, 2, t + 1, 100, t, true));
    assert.equal(r2.hasReady(), false, "ignored within the election timeout");
    c.tick(2, 10);
    r2.step(voteMsg(3, 2, t + 1, 100, t, true));
    const rd = r2.ready();
    const resp = rd.messages.find((m) => m.type === MessageType.PreVoteResp);
    assert.equal(resp?.reject, false);
    assert.equal(r2.status().term, t, "granting a pre-vote does not change the term");
    assert.equal(rd.hardState, undefined);
  });

  test("check-quorum: a leader that hears from no quorum for an election timeout steps down", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, preVote: true });
    c.elect(1);
    c.partition([1], [2, 3]);
    for (let i = 0; i < 25; i++) {
      c.tick(1);
      c.stabilize();
    }
    assert.equal(c.raft(1).status().role, "follower");
  });

  test("check-quorum: a leader with a live quorum stays", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, preVote: true });
    c.elect(1);
    c.partition([1], [3]);
    for (let i = 0; i < 25; i++) {
      c.tick(1);
      c.stabilize();
    }
    assert.equal(c.raft(1).status().role, "leader");
  });

  test("check-quorum: followers that heard from the leader ignore a higher-term vote request", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true });
    c.elect(1);
    const r2 = c.raft(2);
    const t = r2.status().term;
    r2.step(voteMsg(3, 2, t + 5, 100, t));
    assert.equal(r2.status().term, t);
    assert.equal(r2.hasReady(), false);
  });

  test("a higher term makes a leader step down", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.raft(1).step({ ...voteMsg(2, 1, 9, 0, 0), type: MessageType.Heartbeat });
    assert.equal(c.raft(1).status().role, "follower");
    assert.equal(c.raft(1).status().term, 9);
  });

  test("a single voter elects itself", () => {
    const c = new Cluster([1]);
    c.elect(1);
    c.raft(1).propose([bytes("solo")]);
    c.stabilize();
    assert.deepEqual(c.appliedData(1), ["solo"]);
  });
});

describe("a member rebuilt after losing its log (RestoredState.voteFloor)", () => {
  test("neither votes nor campaigns until its log is back at the floor, then votes as before", () => {
    const opts = { preVote: true, checkQuorum: true };
    const c = new Cluster([1, 2, 3], opts);
    c.elect(1);
    for (const v of ["a", "b", "c"]) c.raft(1).propose([bytes(v)]);
    c.stabilize();
    const { lastIndex: floor, term } = c.raft(3).status();
    assert.ok(floor >= 4, `node 3 holds the entries (last index ${floor})`);
    // Node 3's data was corrupt: it starts again empty, with its term and vote and the floor.
    const rebuilt = (voteFloor?: number) => new Raft(config(3, opts), { ...bootstrap([1, 2, 3]), hardState: { term, vote: 1 }, ...(voteFloor ? { voteFloor } : {}) });
    // A candidate that lacks the entries node 3 acknowledged: an empty log at a newer term.
    const ask = (r: Raft, pre: boolean) => {
      r.step(voteMsg(2, 3, term + 1, 0, 0, pre));
      const rd = r.ready();
      r.advance();
      return rd.messages.find((m) => m.type === (pre ? MessageType.PreVoteResp : MessageType.VoteResp));
    };
    // Without a floor the empty log grants it (the hazard); with one, both kinds are refused.
    assert.equal(ask(rebuilt(), false)?.reject, false);
    const r3 = rebuilt(floor);
    assert.equal(ask(r3, true)?.reject, true, "pre-vote refused below the floor");
    assert.equal(ask(r3, false)?.reject, true, "vote refused below the floor");
    assert.notEqual(r3.status().vote, 2, "and no vote recorded for the candidate");
    // Nor does it campaign, however long it hears nothing.
    c.add(3, r3);
    c.partition([3], [1, 2]);
    c.tick(3, 50);
    c.flushReadies();
    assert.deepEqual(c.queue.filter((m) => m.from === 3 && (m.type === MessageType.Vote || m.type === MessageType.PreVote)), []);
    assert.equal(r3.status().role, "follower");
    c.queue = [];
    // The vote request moved it to a newer term, which the leader learns from its answer to the
    // next heartbeat: 1 and 2 elect a leader without it (it refuses their pre-votes too), and
    // that leader catches it up; from the floor on it votes by the usual rules.
    c.heal();
    const leader = () => [1, 2].find((id) => c.raft(id).status().role === "leader");
    const round = () => {
      c.tick(1);
      c.tick(2);
      c.stabilize();
    };
    for (let i = 0; i < 100 && (leader() === undefined || c.raft(leader()!).status().term <= r3.status().term - 1); i++) round();
    c.raft(leader()!).propose([bytes("d")]);
    for (let i = 0; i < 10 && r3.status().lastIndex < floor; i++) round();
    assert.ok(r3.status().lastIndex >= floor, `caught up to ${r3.status().lastIndex}`);
    // Cut off again, it now campaigns as any voter does, and a vote it is asked for is weighed
    // by the log alone.
    c.queue = [];
    c.partition([3], [1, 2]);
    c.tick(3, 30);
    c.flushReadies();
    assert.ok(c.queue.some((m) => m.from === 3 && m.type === MessageType.PreVote), "pre-votes from node 3 above its floor");
    const { lastIndex, term: now } = r3.status();
    r3.step(voteMsg(2, 3, now + 1, lastIndex, now, true));
    assert.equal(r3.ready().messages.find((m) => m.type === MessageType.PreVoteResp)?.reject, false);
  });
});

