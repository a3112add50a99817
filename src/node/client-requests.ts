// The member's client-facing half: where a client's write goes (proposed here when this member
// leads, else forwarded to the leader on the peer data plane), its linearizable read barrier,
// the lease questions a follower asks the leader, leadership transfer, and what Status, the
// response header and MemberList report. Requests of one event-loop turn are queued here and
// handed to the core together at `flush`; the Ready loop reports back through the hooks below
// (applied, snapshotInstalled, readStates, leaderChanged, tick).
import type { HeaderInfo, MemberInfo, StatusInfo } from "../api/backend.ts";
import { encodeInternalRequest } from "../kv/codec.ts";
import { alarmRefusal, type AlarmMember } from "../kv/alarms.ts";
import { EtcdError, Errors, StatusCode } from "../kv/errors.ts";
import type { ApplyEntry, ApplyResult, InternalRequest, WriteResponse } from "../kv/types.ts";
import { Role, type ConfState, type NodeId, type ProposeResult, type RaftStatus, type ReadState, type SoftState } from "../raft/types.ts";
import type { LeaseAnswer, LeaseQuery, PeerLeases, PeerProposals } from "../transport/types.ts";
import { alarmName } from "./alarms.ts";
import { LeaseForwarder } from "./forward-lease.ts";
import { ProposalForwarder } from "./forward-peer.ts";
import { LeaderWatch } from "./leader-watch.ts";
import type { LogFn } from "../log/log.ts";
import { handOffLeadership, moveLeader, type MoveLeaderHost } from "./move-leader.ts";
import { ReadQueue } from "./reads.ts";
import { shellInvariant } from "./shell-invariant.ts";
import { WriteQueue } from "./writes.ts";

/** etcd's server version as reported to clients (they gate features on it). */
const ETCD_API_VERSION = "3.5.0";

/** What the client-facing half needs of the member: the core, the soft state the Ready loop
 *  last reported, the peer sends, and the checks a write passes before it is proposed. */
export interface ClientRequestsHost {
  readonly id: NodeId;
  readonly clusterId: number;
  status(): RaftStatus;
  propose(data: Uint8Array[]): ProposeResult;
  readIndex(requestId: number): void;
  transferLeader(to: NodeId): void;
  /** The leader and role of the last Ready. */
  soft(): SoftState;
  appliedIndex(): number;
  alarms(): readonly AlarmMember[];
  /** The quota or a full disk refuses this write (etcd's quotaKVServer), if so. */
  spaceRefusal(req: InternalRequest): EtcdError | undefined;
  /** The error this member stopped with, if it did. */
  fatal(): Error | undefined;
  /** False once the member stops taking new requests. */
  accepting(): boolean;
  /** The address book names this member (a leader it cannot name cannot be reached). */
  knows(id: NodeId): boolean;
  memberInfo(conf: ConfState): MemberInfo[];
  /** This member's channel to peer `id` is up now (for the hand-over on stop). */
  connected(id: NodeId): boolean;
  sendProposals(to: NodeId, p: PeerProposals, undelivered?: () => void): void;
  sendLeases(to: NodeId, l: PeerLeases, undelivered?: () => void): void;
  /** The leader's lessor answering a follower's lease questions. */
  answerLeases(queries: LeaseQuery[]): Promise<LeaseAnswer[]>;
  /** Runs a pass of the Ready loop soon (after which `flush` is called). */
  schedule(): void;
  /** A proposal that never got applied (etcd's proposals_failed_total). */
  proposalFailed?(): void;
  log: LogFn;
  readonly requestTimeoutMs: number;
  readonly electionTimeoutMs: number;
  /** A forwarded batch stays under the leader's request size limit. */
  readonly maxRequestBytes: number;
}

export class ClientRequests {
  private readonly writes: WriteQueue;
  private readonly reads: ReadQueue;
  private readonly proposals: ProposalForwarder;
  private readonly leaseQuestions: LeaseForwarder;
  private readonly leaders = new LeaderWatch();
  /** This member is a learner in the membership it uses (set by confChanged, read per request). */
  private learner = false;
  /** The highest applied index reported: it never goes back. */
  private appliedIndex = 0;

  constructor(private readonly host: ClientRequestsHost) {
    const timeoutMs = host.requestTimeoutMs;
    this.writes = new WriteQueue(timeoutMs);
    this.reads = new ReadQueue(timeoutMs);
    this.proposals = new ProposalForwarder({
      send: (to, p, undelivered) => host.sendProposals(to, p, undelivered),
      propose: (data) => host.propose(data),
      awaitApplied: (index, term, deadline) => this.writes.awaitApplied(index, term, deadline),
      appliedIndex: () => host.appliedIndex(),
      self: host.id,
      proposeHere: (data) => this.writes.enqueue(data),
      timeoutMs,
      maxBatchBytes: host.maxRequestBytes,
    });
    this.leaseQuestions = new LeaseForwarder({
      send: (to, l, undelivered) => host.sendLeases(to, l, undelivered),
      answer: (queries) => host.answerLeases(queries),
    });
  }

  // ------------------------------------------------------------------ requests

  write(req: InternalRequest): Promise<WriteResponse> {
    const space = this.host.spaceRefusal(req);
    if (space) return Promise.reject(space);
    // What an active alarm refuses at apply is not proposed: a refused entry would still grow
    // every member's log, and the disk may be what is full.
    const alarmed = alarmRefusal(req, this.host.alarms());
    if (alarmed) return Promise.reject(alarmed);
    // Random, so ids stay unique across restarts and rebuilds of this member: a forwarded write
    // is answered by this member's own apply of the entry carrying it.
    const requestId = 1 + Math.floor(Math.random() * (Number.MAX_SAFE_INTEGER - 1));
    const p = this.writeEntry(encodeInternalRequest({ ...req, id: requestId }), requestId);
    const failed = this.host.proposalFailed;
    if (failed === undefined) return p;
    // etcd counts a proposal as failed when it never got applied (no leader, timeout, stopped,
    // leader changed: all UNAVAILABLE), not when the state machine refused it.
    return p.catch((err: unknown) => {
      if (err instanceof EtcdError && err.code === StatusCode.UNAVAILABLE) failed();
      throw err;
    });
  }

  /** A write as the entry bytes to propose: here if this member leads, else at the leader. */
  private async writeEntry(data: Uint8Array, requestId: number): Promise<WriteResponse> {
    await this.awaitLeader(this.host.requestTimeoutMs);
    const soft = this.host.soft();
    if (soft.role !== Role.Leader && !this.host.knows(soft.leader)) throw Errors.noLeader();
    const p = soft.role === Role.Leader ? this.writes.enqueue(data) : this.proposals.forward(soft.leader, data, requestId);
    this.host.schedule();
    return p;
  }

  /** Resolves once everything committed before the call is applied here (ReadIndex). */
  async readBarrier(): Promise<void> {
    await this.awaitLeader(2 * this.host.electionTimeoutMs);
    const p = this.reads.barrier();
    this.host.schedule();
    return p;
  }

  /** During an election a request waits for a leader (at most `ms`), as etcd's do. */
  private async awaitLeader(ms: number): Promise<void> {
    if (!this.host.accepting()) throw Errors.stopped();
    const leader = this.host.soft().leader;
    if (leader === 0) await this.leaders.waitFor(leader, (l) => l !== 0, performance.now() + ms);
    if (!this.host.accepting()) throw Errors.stopped();
  }

  /** A follower's lease question to the leader; it leaves with the others of this turn. */
  askLeader(leader: NodeId, leaseId: number, renew: boolean, deadline: number): Promise<number> {
    const p = this.leaseQuestions.ask(leader, leaseId, renew, deadline);
    this.host.schedule();
    return p;
  }

  moveLeader(target: NodeId): Promise<void> {
    return moveLeader(this.leadership(), target);
  }

  /** A stopping leader hands leadership to a caught-up voter first (move-leader.ts). */
  handOff(): Promise<boolean> {
    const host = { ...this.leadership(), connected: (id: NodeId) => this.host.connected(id), log: this.host.log };
    return handOffLeadership(host, this.host.electionTimeoutMs);
  }

  private leadership(): MoveLeaderHost {
    return {
      status: () => this.host.status(),
      transferLeader: (to) => this.host.transferLeader(to),
      waitForLeader: (ok, deadline) => this.leaders.waitFor(this.host.soft().leader, ok, deadline),
      timeoutMs: 2 * this.host.electionTimeoutMs,
    };
  }

  // ------------------------------------------------------------------ what clients read

  header(): HeaderInfo {
    return { clusterId: this.host.clusterId, memberId: this.host.id, raftTerm: this.host.status().term };
  }

  status(): StatusInfo {
    const st = this.host.status();
    const fatal = this.host.fatal();
    return {
      version: ETCD_API_VERSION,
      leader: st.leader,
      raftIndex: st.commit,
      raftTerm: st.term,
      raftAppliedIndex: this.host.appliedIndex(),
      isLearner: st.conf.learners.includes(this.host.id),
      // etcd lists the raised alarms among a member's status errors.
      errors: [...(fatal ? [fatal.message] : []), ...this.host.alarms().map((a) => `memberID:${a.memberID} alarm:${alarmName(a.alarm)}`)],
    };
  }

  members(): MemberInfo[] {
    return this.host.memberInfo(this.host.status().conf);
  }

  isLearner(): boolean {
    return this.learner;
  }

  /** Something waits on a deadline the clock checks (tick): a write, a read, a lease question. */
  get waiting(): boolean {
    return this.writes.size + this.proposals.size + this.leaseQuestions.size + this.reads.size > 0;
  }

  /** Writes proposed or forwarded and not answered yet. */
  get proposalsPending(): number {
    return this.writes.size + this.proposals.size;
  }

  // ------------------------------------------------------------------ the Ready loop's hooks

  /** Hands what this turn queued to the core (proposals, one ReadIndex) and to the peers. */
  flush(): void {
    const batch = this.writes.take();
    if (batch) this.writes.proposed(batch, this.host.propose([...batch.data]));
    this.reads.flush((id) => this.host.readIndex(id));
    this.proposals.flush();
    this.leaseQuestions.flush();
  }

  /** A batch was applied: `answers` are what each entry's client is told. */
  applied(batch: readonly ApplyEntry[], answers: readonly (ApplyResult | null)[], appliedIndex: number): void {
    shellInvariant(answers.length === batch.length, "one answer per applied entry", () => `${answers.length} answers for ${batch.length} entries`);
    for (let i = 1; i < batch.length; i++) {
      shellInvariant(batch[i].index === batch[i - 1].index + 1, "applied entries contiguous", () => `${batch[i - 1].index} then ${batch[i].index}`);
    }
    this.advanceApplied(appliedIndex);
    for (let i = 0; i < batch.length; i++) {
      this.writes.applied(batch[i].index, batch[i].term, answers[i]);
      const requestId = Number(batch[i].request?.id ?? 0);
      if (requestId !== 0) this.proposals.appliedRequest(requestId, answers[i]);
    }
    this.reads.applied(appliedIndex);
  }

  /** A snapshot replaced the log through `index`. */
  snapshotInstalled(index: number, appliedIndex: number): void {
    shellInvariant(appliedIndex >= index, "a snapshot is applied once installed", () => `installed ${index}, applied ${appliedIndex}`);
    this.advanceApplied(appliedIndex);
    this.writes.skipThrough(index);
    this.proposals.snapshotInstalled();
    this.reads.applied(appliedIndex);
  }

  private advanceApplied(appliedIndex: number): void {
    shellInvariant(appliedIndex >= this.appliedIndex, "applied index never goes back", () => `from ${this.appliedIndex} to ${appliedIndex}`);
    this.appliedIndex = appliedIndex;
  }

  /** ReadIndex answers of a Ready: confirmed (wait for apply) or dropped (retried at a tick). */
  readStates(confirmed: readonly ReadState[], dropped: readonly number[], appliedIndex: number): void {
    for (const rs of confirmed) this.reads.confirmed(rs.requestId, rs.index, appliedIndex);
    for (const id of dropped) this.reads.dropped(id);
  }

  leaderChanged(leader: NodeId): void {
    this.leaders.changed(leader);
    this.proposals.leaderChanged(leader);
    this.leaseQuestions.leaderChanged(leader);
  }

  /** The membership this member uses changed. */
  confChanged(conf: ConfState): void {
    this.learner = conf.learners.includes(this.host.id);
  }

  /** Deadlines, and dropped reads tried again. */
  tick(now: number): void {
    const leader = this.host.soft().leader;
    this.writes.expire(now);
    this.proposals.expire(now, leader);
    this.leaseQuestions.expire(now, leader);
    this.reads.tick(now);
  }

  /** A peer's forwarded writes (this member leads) or the leader's answers to ours. */
  peerProposals(from: NodeId, p: PeerProposals): void {
    this.proposals.received(from, p);
    this.host.schedule();
  }

  /** A peer's lease questions (this member leads) or the leader's answers to ours. */
  peerLeases(from: NodeId, l: PeerLeases): void {
    this.leaseQuestions.received(from, l);
  }

  /** The transport lost a stream to `peer`: lease questions on it are asked again. */
  unreachable(peer: NodeId): void {
    this.leaseQuestions.unreachable(peer);
  }

  /** The member stops taking requests: those waiting for a leader fail now. */
  closing(): void {
    this.leaders.stop();
  }

  /** The member stopped: everything still queued or waiting fails with `err`. */
  failAll(err: () => Error): void {
    this.writes.failAll(err);
    this.proposals.failAll(err);
    this.reads.failAll(err);
    this.leaseQuestions.failAll(err);
  }
}
