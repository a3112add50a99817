// The Raft state machine (etcd-io/raft's design, our code): input through tick/step/propose/...,
// output through ready()/advance(). Pure and deterministic: no I/O, no clock, randomness injected.
//
// Raft is the public face. The state is one RaftState (state.ts); each rule lives with its concern,
// as free functions over that state: elections.ts (tick, terms, campaigns, votes, roles),
// follower.ts (appends, heartbeats, snapshots received), leader.ts (proposals, commit, answers,
// transfer, membership), reads.ts (ReadIndex, lease, the read-only queue), ready.ts (Ready and
// advance). This file routes each input to them. README.md indexes rule -> function.

import { becomeFollower, campaign, checkTerm, handleVoteRequest, poll, tick, ticksUntilDue } from "./elections.ts";
import { handleLeaderMessage } from "./follower.ts";
import { handleAppendResponse, handleHeartbeatResponse, propose, proposeConfChange, transferLeader } from "./leader.ts";
import { invariant } from "./invariant.ts";
import { advance, hasReady, ready, reportDurable, status } from "./ready.ts";
import { handleReadIndexResp, leaderRead, readIndex, refuseRead } from "./reads.ts";
import { RaftState } from "./state.ts";
import {
  MessageType,
  Role,
  type ConfChange,
  type ConfState,
  type Message,
  type NodeId,
  type ProposeResult,
  type RaftConfig,
  type RaftStatus,
  type Ready,
  type RestoredState,
} from "./types.ts";

export { CAMPAIGN_TRANSFER } from "./elections.ts";

export class Raft {
  readonly id: NodeId;
  private readonly r: RaftState;

  constructor(config: RaftConfig, restored: RestoredState) {
    this.r = new RaftState(config, restored);
    this.id = this.r.id;
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    tick(this.r);
  }

  /** Ticks until one that acts (see elections.ts): the ones before it may come late, together. */
  ticksUntilDue(): number {
    return ticksUntilDue(this.r);
  }

  step(m: Message): void {
    const r = this.r;
    if (m.to !== r.id || !checkTerm(r, m)) return;
    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      handleVoteRequest(r, m);
      return;
    }
    switch (r.role) {
      case Role.Leader:
        stepLeader(r, m);
        break;
      case Role.Candidate:
      case Role.PreCandidate:
        stepCandidate(r, m);
        break;
      case Role.Follower:
        stepFollower(r, m);
        break;
    }
  }

  propose(data: Uint8Array[]): ProposeResult {
    return propose(this.r, data);
  }

  proposeConfChange(cc: ConfChange): ProposeResult {
    return proposeConfChange(this.r, cc);
  }

  readIndex(requestId: number): void {
    readIndex(this.r, requestId);
  }

  transferLeader(to: NodeId): void {
    transferLeader(this.r, to);
  }

  /** The log store made entries up to `index` durable. Pass the entry's `term` when the store may
   *  report a write that a later Ready truncated: a report whose term no longer matches is ignored. */
  reportDurable(index: number, term?: number): void {
    reportDurable(this.r, index, term);
  }

  reportUnreachable(id: NodeId): void {
    if (this.r.role === Role.Leader) this.r.repl.reportUnreachable(id);
  }

  /** The bulk transfer of the snapshot to `id` finished (ok) or failed. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    if (this.r.role === Role.Leader) this.r.repl.reportSnapshot(id, ok);
  }

  /** The membership in effect at `index` (at or above the snapshot index): what a snapshot the
   *  shell takes of its state machine at `index` must record. */
  confAt(index: number): ConfState {
    return this.r.membership.at(index);
  }

  /** The shell took a snapshot at `index` (applied): the log before it is dropped. */
  compact(index: number): void {
    const log = this.r.log;
    if (index <= log.snapshot.index) return;
    if (index > log.applied) {
      throw new Error(`compact(${index}): only applied entries can be compacted (applied index is ${log.applied})`);
    }
    const conf = this.r.membership.at(index);
    this.r.membership.compactTo(index);
    log.compact({ index, term: log.term(index) as number, conf });
  }

  // ---------------------------------------------------------------- output

  hasReady(): boolean {
    return hasReady(this.r);
  }

  ready(): Ready {
    return ready(this.r);
  }

  advance(): void {
    advance(this.r);
  }

  status(): RaftStatus {
    return status(this.r);
  }
}

// ---------------------------------------------------------------- message routing by role

function stepFollower(r: RaftState, m: Message): void {
  switch (m.type) {
    case MessageType.App:
    case MessageType.Heartbeat:
    case MessageType.Snap:
      handleLeaderMessage(r, m);
      break;
    case MessageType.TimeoutNow:
      campaign(r, "transfer");
      break;
    case MessageType.TransferLeader:
      if (r.leader !== 0) r.send({ ...m, from: r.id, to: r.leader, term: r.term });
      break;
    case MessageType.ReadIndex:
      refuseRead(r, m);
      break;
    case MessageType.ReadIndexResp:
      handleReadIndexResp(r, m);
      break;
  }
}

function stepCandidate(r: RaftState, m: Message): void {
  switch (m.type) {
    case MessageType.PreVoteResp:
      if (r.role === Role.PreCandidate) poll(r, m.from, !m.reject);
      return;
    case MessageType.VoteResp:
      if (r.role === Role.Candidate) poll(r, m.from, !m.reject);
      return;
    case MessageType.TimeoutNow:
      return; // already campaigning
    case MessageType.App:
    case MessageType.Heartbeat:
    case MessageType.Snap:
      // A leader of our term exists (§5.2): it won; follow it.
      becomeFollower(r, m.term, m.from);
      break;
  }
  // The rest a candidate handles as a follower without a leader does (reads are refused).
  stepFollower(r, m);
}

function stepLeader(r: RaftState, m: Message): void {
  switch (m.type) {
    case MessageType.App:
    case MessageType.Heartbeat:
    case MessageType.Snap:
      invariant(false, "at most one leader per term", () => `${r.id} and ${m.from} both lead term ${r.term}`);
      break;
    case MessageType.AppResp:
      handleAppendResponse(r, m);
      break;
    case MessageType.HeartbeatResp:
      handleHeartbeatResponse(r, m);
      break;
    case MessageType.ReadIndex:
      leaderRead(r, { from: m.from, requestId: m.context });
      break;
    case MessageType.TransferLeader:
      transferLeader(r, m.context);
      break;
  }
}
