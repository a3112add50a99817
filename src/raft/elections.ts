// Elections (Raft §5.2, §5.4.1; pre-vote and check-quorum, thesis §9.6): the clock (tick), terms
// carried by messages, campaigns, votes, and the role transitions (become*).

import { invariant } from "./invariant.ts";
import { appendOwn } from "./leader.ts";
import { emptyMessage } from "./message.ts";
import { hasQuorum, tallyVotes } from "./quorum.ts";
import { dropForwardedReads, failRead, LeaderReads } from "./reads.ts";
import type { RaftState } from "./state.ts";
import { EntryType, MessageType, Role, type Message, type NodeId } from "./types.ts";

/** Vote.context value of a campaign forced by TimeoutNow: it overrides leader stickiness. */
export const CAMPAIGN_TRANSFER = 1;

export type CampaignKind = "pre-vote" | "election" | "transfer";

// ---------------------------------------------------------------- the clock

export function tick(r: RaftState): void {
  r.ticks++;
  if (r.role === Role.Leader) tickLeader(r);
  else tickElection(r);
}

/** How many ticks from now the first one falls that does more than count: a campaign, a
 *  heartbeat, a check-quorum. The ticks before it change nothing but counters, so a shell may
 *  deliver them late, in one batch before the next input, instead of waking for each one. */
export function ticksUntilDue(r: RaftState): number {
  if (r.role === Role.Leader) {
    return Math.max(1, Math.min(r.cfg.heartbeatTicks - r.heartbeatElapsed, r.cfg.electionTicks - r.electionElapsed));
  }
  if (!r.promotable()) return Infinity;
  return Math.max(1, r.randomizedElectionTimeout - r.electionElapsed);
}

function tickElection(r: RaftState): void {
  r.electionElapsed++;
  if (r.promotable() && r.electionElapsed >= r.randomizedElectionTimeout) {
    r.electionElapsed = 0;
    campaign(r, r.cfg.preVote ? "pre-vote" : "election");
  }
}

function tickLeader(r: RaftState): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.cfg.electionTicks) {
    r.electionElapsed = 0;
    if (r.cfg.checkQuorum) {
      // Check-quorum: a leader that did not hear from a quorum within an election timeout steps
      // down, so a partitioned leader stops serving (and its followers may elect another).
      const active = new Set<NodeId>([r.id]);
      for (const [id, pr] of r.repl.progress) if (pr.recentActive) active.add(id);
      if (!hasQuorum(r.conf.voters, active)) {
        becomeFollower(r, r.term, 0);
        return;
      }
      for (const pr of r.repl.progress.values()) pr.recentActive = false;
    }
    r.leadTransferee = 0; // a transfer that did not finish within an election timeout is aborted
  }
  if (r.heartbeatElapsed >= r.cfg.heartbeatTicks) {
    r.heartbeatElapsed = 0;
    r.repl.broadcastHeartbeat(r.reads.latestCtx(), r.ticks);
  }
}

// ---------------------------------------------------------------- terms

/** The term rules every message passes first (§5.1): a newer term makes us a follower (unless the
 *  message is a vote request ignored by leader stickiness, or a pre-vote), an older one is ignored
 *  or answered so its stale sender learns our term. False when the message is done with. */
export function checkTerm(r: RaftState, m: Message): boolean {
  if (m.term > r.term) {
    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      const forced = m.type === MessageType.Vote && m.context === CAMPAIGN_TRANSFER;
      const inLease = r.leader !== 0 && r.electionElapsed < r.cfg.electionTicks;
      // Leader stickiness: a node that heard from a live leader recently does not help unseat it.
      if (!forced && inLease && (r.cfg.checkQuorum || m.type === MessageType.PreVote)) return false;
    }
    if (m.type === MessageType.PreVote || (m.type === MessageType.PreVoteResp && !m.reject)) {
      // Pre-vote never changes terms; a granted pre-vote answer carries the future term.
    } else {
      const fromLeader = m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap;
      becomeFollower(r, m.term, fromLeader ? m.from : 0);
    }
  } else if (m.term < r.term) {
    if ((r.cfg.checkQuorum || r.cfg.preVote) && (m.type === MessageType.App || m.type === MessageType.Heartbeat)) {
      // A stale leader (e.g. after a partition) learns our term and steps down instead of
      // being ignored forever.
      r.send(emptyMessage(MessageType.AppResp, r.id, m.from, r.term));
    } else if (m.type === MessageType.PreVote) {
      r.send({ ...emptyMessage(MessageType.PreVoteResp, r.id, m.from, r.term), reject: true });
    }
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- campaigns and votes

export function campaign(r: RaftState, kind: CampaignKind): void {
  if (!r.promotable() || r.belowVoteFloor()) return;
  let voteTerm: number;
  let type: MessageType;
  if (kind === "pre-vote") {
    becomePreCandidate(r);
    voteTerm = r.term + 1;
    type = MessageType.PreVote;
  } else {
    becomeCandidate(r);
    voteTerm = r.term;
    type = MessageType.Vote;
  }
  if (poll(r, r.id, true)) return;
  for (const id of r.conf.voters) {
    if (id === r.id) continue;
    r.send({
      ...emptyMessage(type, r.id, id, voteTerm),
      index: r.log.lastIndex(),
      logTerm: r.log.lastTerm(),
      context: kind === "transfer" ? CAMPAIGN_TRANSFER : 0,
    });
  }
}

/** Records a vote; returns true when the campaign ended (won or lost). */
export function poll(r: RaftState, from: NodeId, granted: boolean): boolean {
  r.votes.set(from, granted);
  const result = tallyVotes(r.conf.voters, r.votes);
  if (result === "won") {
    if (r.role === Role.PreCandidate) campaign(r, "election");
    else becomeLeader(r);
    return true;
  }
  if (result === "lost") {
    becomeFollower(r, r.term, 0);
    return true;
  }
  return false;
}

/** RequestVote receiver (§5.2, §5.4.1): one vote per term, only for a log at least as up to date. */
export function handleVoteRequest(r: RaftState, m: Message): void {
  const pre = m.type === MessageType.PreVote;
  const respType = pre ? MessageType.PreVoteResp : MessageType.VoteResp;
  const canVote =
    (r.vote === m.from || (r.vote === 0 && r.leader === 0) || (pre && m.term > r.term)) && !r.belowVoteFloor();
  if (canVote && r.log.isUpToDate(m.index, m.logTerm)) {
    r.send(emptyMessage(respType, r.id, m.from, m.term));
    if (!pre) {
      invariant(r.vote === 0 || r.vote === m.from, "one vote per term", () =>
        `term ${r.term}: voted ${r.vote}, asked by ${m.from}`);
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.send({ ...emptyMessage(respType, r.id, m.from, r.term), reject: true });
  }
}

// ---------------------------------------------------------------- role transitions

function reset(r: RaftState, term: number): void {
  invariant(term >= r.term, "term never decreases", () => `from ${r.term} to ${term}`);
  if (term !== r.term) {
    r.term = term;
    r.vote = 0;
    r.pendingAck = undefined;
    r.leaderMatched = 0;
  }
  if (r.role === Role.Leader) dropLeaderState(r);
  setLeader(r, 0);
  r.electionElapsed = 0;
  r.heartbeatElapsed = 0;
  r.resetRandomizedElectionTimeout();
  r.votes.clear();
  r.leadTransferee = 0;
  r.timeoutNowSent = false;
}

export function becomeFollower(r: RaftState, term: number, leader: NodeId): void {
  reset(r, term);
  r.role = Role.Follower;
  setLeader(r, leader);
}

function becomePreCandidate(r: RaftState): void {
  invariant(r.role !== Role.Leader, "leader does not campaign", () => `term ${r.term}`);
  // Changes neither term nor vote: that is the point of pre-vote.
  r.role = Role.PreCandidate;
  r.votes.clear();
  setLeader(r, 0);
}

function becomeCandidate(r: RaftState): void {
  invariant(r.role !== Role.Leader, "leader does not campaign", () => `term ${r.term}`);
  reset(r, r.term + 1);
  r.vote = r.id;
  r.role = Role.Candidate;
}

function becomeLeader(r: RaftState): void {
  invariant(r.role === Role.Candidate, "only a candidate becomes leader", () => `role ${r.role}`);
  reset(r, r.term);
  r.role = Role.Leader;
  setLeader(r, r.id);
  r.repl.clear();
  for (const id of [...r.conf.voters, ...r.conf.learners]) r.repl.add(id, false);
  r.reads = new LeaderReads();
  r.uncommittedBytes = 0;
  for (const e of r.log.slice(r.log.committed + 1, r.log.lastIndex())) r.uncommittedBytes += e.data.byteLength;
  // The no-op commits the previous terms' entries (§5.4.2) and gates conf changes and reads.
  appendOwn(r, [{ type: EntryType.Normal, data: new Uint8Array(0) }]);
  r.pendingConfIndex = r.log.lastIndex();
}

function dropLeaderState(r: RaftState): void {
  for (const req of r.reads.drain()) failRead(r, req);
  r.repl.clear();
  r.uncommittedBytes = 0;
}

export function setLeader(r: RaftState, leader: NodeId): void {
  if (leader !== r.leader) {
    r.leaderMatched = 0;
    dropForwardedReads(r);
  }
  r.leader = leader;
}
