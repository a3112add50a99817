// Raft paper §5.2 (leader election) and §5.4.1 (election restriction), one test per rule, driving
// real cores with hand-delivered messages (in the spirit of etcd's raft-paper tests).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MessageType, Role, type Message } from "../../../src/raft/types.ts";
import { Driver, isType, logWithTerms, restored } from "./driver.ts";

const ET = 10; // electionTicks in config()

function vote(from: number, to: number, term: number, lastIndex: number, lastTerm: number): Message {
  return {
    type: MessageType.Vote,
    from,
    to,
    term,
    logTerm: lastTerm,
    index: lastIndex,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    rejectHintTerm: 0,
    context: 0,
  };
}

describe("§5.2 leader election", () => {
  test("a follower that hears nothing for an election timeout becomes candidate, bumps its term, votes for itself and asks every peer", () => {
    const d = new Driver([1, 2, 3]);
    d.tick(1, ET - 1);
    assert.equal(d.node(1).role, Role.Follower);
    assert.equal(d.outbox.length, 0, "no campaign before the timeout");
    d.tick(1);
    const n = d.node(1);
    assert.equal(n.role, Role.Candidate);
    assert.deepEqual(n.hardState, { term: 1, vote: 1 });
    const votes = d.take(isType(MessageType.Vote));
    assert.deepEqual(votes.map((m) => m.to).sort(), [2, 3]);
    for (const m of votes) assert.equal(m.term, 1);
    // The vote for itself is in the same Ready as the requests: durable before they leave.
    const rd = n.readys.find((r) => r.messages.some((m) => m.type === MessageType.Vote));
    assert.deepEqual(rd?.hardState, { term: 1, vote: 1 });
  });

  test("a candidate becomes leader only once a majority granted its vote", () => {
    const d = new Driver([1, 2, 3, 4, 5]);
    d.tick(1, ET);
    const requests = d.take(isType(MessageType.Vote));
    assert.equal(requests.length, 4);
    for (const m of requests.filter((r) => r.to === 2 || r.to === 3)) d.deliver(m);
    const grants = d.take(isType(MessageType.VoteResp));
    assert.equal(grants.length, 2);
    for (const g of grants) assert.equal(g.reject, false);
    d.deliver(grants[0]);
    assert.equal(d.node(1).role, Role.Candidate, "2 of 5 votes is not a majority");
    d.deliver(grants[1]);
    assert.equal(d.node(1).role, Role.Leader, "3 of 5 votes is a majority");
    assert.equal(d.node(1).raft.status().term, 1);
  });

  test("a server grants at most one vote per term, first come first served, and persists it before answering", () => {
    const d = new Driver([1, 2, 3]);
    d.deliver(vote(1, 3, 1, 0, 0));
    const first = d.take(isType(MessageType.VoteResp));
    assert.equal(first.length, 1);
    assert.equal(first[0].reject, false);
    const rd = d.node(3).readys.find((r) => r.messages.includes(first[0]));
    assert.deepEqual(rd?.hardState, { term: 1, vote: 1 }, "the vote is in the Ready that carries the answer");
    d.deliver(vote(2, 3, 1, 0, 0));
    const second = d.take(isType(MessageType.VoteResp));
    assert.equal(second.length, 1);
    assert.equal(second[0].reject, true, "a second candidate in the same term is refused");
    d.deliver(vote(1, 3, 1, 0, 0));
    assert.equal(d.take(isType(MessageType.VoteResp))[0].reject, false, "the same candidate asking again is granted again");
  });

  test("a leader or candidate that sees a higher term steps down to follower in that term", () => {
    const d = new Driver([1, 2, 3]);
    d.elect(1);
    assert.equal(d.node(1).role, Role.Leader);
    d.deliver(vote(2, 1, 7, 100, 7));
    assert.equal(d.node(1).role, Role.Follower);
    assert.equal(d.node(1).raft.status().term, 7);

    const c = new Driver([1, 2, 3]);
    c.tick(2, ET);
    assert.equal(c.node(2).role, Role.Candidate);
    c.take();
    const app: Message = { ...vote(3, 2, 5, 0, 0), type: MessageType.App };
    c.deliver(app);
    assert.equal(c.node(2).role, Role.Follower);
    assert.equal(c.node(2).raft.status().term, 5);
    assert.equal(c.node(2).raft.status().leader, 3);
  });

  test("a candidate that hears from a leader of its own term returns to follower", () => {
    const d = new Driver([1, 2, 3]);
    d.tick(2, ET);
    assert.equal(d.node(2).role, Role.Candidate);
    const term = d.node(2).raft.status().term;
    d.take();
    d.deliver({ ...vote(3, 2, term, 0, 0), type: MessageType.Heartbeat });
    assert.equal(d.node(2).role, Role.Follower);
    assert.equal(d.node(2).raft.status().leader, 3);
  });

  test("a split vote times out and the candidate starts a new election in a higher term", () => {
    const d = new Driver([1, 2, 3]);
    const toOrFrom3 = (m: Message) => m.to === 3 || m.from === 3;
    d.tick(1, ET);
    d.tick(2, ET);
    d.settle(toOrFrom3); // 1 and 2 each voted for themselves and refuse each other; 3 is unreachable
    assert.equal(d.node(1).role, Role.Candidate);
    assert.equal(d.node(2).role, Role.Candidate);
    assert.equal(d.node(1).raft.status().term, 1);
    d.tick(1, ET - 1);
    assert.equal(d.node(1).raft.status().term, 1, "no new election before the timeout");
    d.tick(1);
    assert.equal(d.node(1).role, Role.Candidate);
    assert.equal(d.node(1).raft.status().term, 2, "a new election with a higher term");
    assert.ok(d.take(isType(MessageType.Vote)).every((m) => m.term === 2));
  });

  test("election timeouts are randomized in [electionTicks, 2*electionTicks) from the injected generator", () => {
    const seen = new Set<number>();
    for (const r of [0, 0.25, 0.5, 0.75, 0.999]) {
      const d = new Driver([1, 2, 3], () => ({ random: () => r }));
      let ticks = 0;
      while (d.node(1).role === Role.Follower && ticks < 100) {
        d.tick(1);
        ticks++;
      }
      assert.ok(ticks >= ET && ticks < 2 * ET, `random ${r}: campaigned after ${ticks} ticks`);
      assert.equal(ticks, ET + Math.floor(r * ET), `random ${r}`);
      seen.add(ticks);
    }
    assert.equal(seen.size, 5, "different random draws give different timeouts");
  });
});

describe("§5.4.1 election restriction", () => {
  // The voter's log: terms [1, 1, 2] (last index 3, last term 2).
  const voterLog = logWithTerms([1, 1, 2]);
  const cases: Array<{ lastIndex: number; lastTerm: number; granted: boolean; why: string }> = [
    { lastIndex: 5, lastTerm: 1, granted: false, why: "a lower last term loses even with a longer log" },
    { lastIndex: 2, lastTerm: 2, granted: false, why: "the same last term with a shorter log loses" },
    { lastIndex: 3, lastTerm: 2, granted: true, why: "an identical last entry is up to date" },
    { lastIndex: 4, lastTerm: 2, granted: true, why: "the same last term with a longer log wins" },
    { lastIndex: 1, lastTerm: 3, granted: true, why: "a higher last term wins even with a shorter log" },
  ];
  for (const c of cases) {
    test(`a vote is ${c.granted ? "granted" : "denied"} when ${c.why}`, () => {
      const d = new Driver([1, 2, 3], () => ({}), (id) =>
        restored({ voters: [1, 2, 3], learners: [] }, { term: 2, vote: 0 }, id === 3 ? voterLog : []),
      );
      d.deliver(vote(1, 3, 3, c.lastIndex, c.lastTerm));
      const resp = d.take(isType(MessageType.VoteResp));
      assert.equal(resp.length, 1);
      assert.equal(resp[0].reject, !c.granted);
      assert.equal(d.node(3).hardState.vote, c.granted ? 1 : 0);
    });
  }

  test("a candidate with a stale log cannot win while the up-to-date majority refuses it", () => {
    const log = logWithTerms([1, 2]);
    const d = new Driver([1, 2, 3], () => ({}), (id) =>
      restored({ voters: [1, 2, 3], learners: [] }, { term: 2, vote: 0 }, id === 1 ? logWithTerms([1]) : log),
    );
    d.tick(1, ET);
    d.settle();
    assert.notEqual(d.node(1).role, Role.Leader);
    assert.ok(d.node(1).raft.status().term > 2, "it did campaign");
    // The up-to-date node wins instead.
    d.elect(2);
    assert.equal(d.node(2).role, Role.Leader);
  });
});
