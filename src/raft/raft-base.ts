// The state of one Raft node and the transitions between roles, plus the output side: what a
// Ready hands out and what advance() confirms. The input side (ticks, messages, proposals) is
// Raft in raft.ts, which extends this class.
//
// Ready protocol: ready() hands out everything pending; until advance() is called, hasReady() is
// false and a second ready() throws. Inputs (step, tick, propose, reportDurable, ...) stay legal
// in between; what they produce waits for the next Ready.

import { copyConf, decodeConfChange } from "./confchange.ts";
import { invariant } from "./invariant.ts";
import { validateConfig } from "./config.ts";
import { RaftLog } from "./log.ts";
import { Membership } from "./membership.ts";
import { emptyMessage } from "./message.ts";
import { majorityValue } from "./quorum.ts";
import { LeaderReads, type ReadRequest } from "./read-only.ts";
import { Replicator } from "./replication.ts";
import {
  ConfChangeType,
  EntryType,
  MessageType,
  Role,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type RaftConfig,
  type RaftStatus,
  type ReadState,
  type Ready,
  type RestoredState,
  type SnapshotMeta,
  type SoftState,
} from "./types.ts";

interface PendingAck {
  to: NodeId;
  term: number;
  /** Highest index known to match the leader, to acknowledge once durable. */
  index: number;
  /** Highest index acknowledged so far. */
  sent: number;
}

interface OutstandingReady {
  lastEntry: number;
  appliedOut: number;
}

export abstract class RaftBase {
  readonly id: NodeId;
  protected readonly cfg: RaftConfig;
  protected term: number;
  protected vote: NodeId;
  protected role: Role = Role.Follower;
  protected leader: NodeId = 0;
  protected readonly log: RaftLog;
  protected readonly membership: Membership;

  protected electionElapsed = 0;
  protected heartbeatElapsed = 0;
  protected randomizedElectionTimeout = 0;
  /** Monotonic tick counter (lease reads compare heartbeat send ticks against it). */
  protected ticks = 0;

  // Candidate state.
  protected votes = new Map<NodeId, boolean>();
  // Leader state.
  protected readonly repl: Replicator;
  protected leadTransferee: NodeId = 0;
  /** A TimeoutNow went out this term: its forced campaign ignores stickiness, so no lease any more. */
  protected timeoutNowSent = false;
  protected pendingConfIndex = 0;
  protected uncommittedBytes = 0;
  protected reads = new LeaderReads();
  protected readCtxSeq = 0;
  // Follower state.
  protected pendingAck: PendingAck | undefined;
  /** Highest index an append of the current leader proved to match its log. Heartbeats commit only
   *  up to here: after a MemFirst restart the log may hold stale entries the leader never sent. */
  protected leaderMatched = 0;
  protected forwardedReads = new Set<number>();
  protected pendingInstall: SnapshotMeta | undefined;

  // Output.
  protected msgs: Message[] = [];
  protected readStates: ReadState[] = [];
  protected droppedReads: number[] = [];
  protected prevSoft: SoftState;
  protected prevHard: HardState;
  protected outstanding: OutstandingReady | undefined;
  protected readonly voteFloor: number;

  constructor(config: RaftConfig, restored: RestoredState) {
    validateConfig(config);
    this.id = config.id;
    this.cfg = config;
    this.term = restored.hardState.term;
    this.vote = restored.hardState.vote;
    const joining = restored.snapshot.index === 0 && restored.entries.length === 0 && restored.snapshot.conf.learners.length === 0;
    if (restored.snapshot.conf.voters.length === 0 && !joining) {
      throw new Error(
        "restored membership has no voters: only a member joining a running cluster (empty log, snapshot index 0, " +
          "no learners) may start without one; any other node starts from the cluster's genesis membership or a snapshot",
      );
    }
    this.log = new RaftLog(restored.snapshot, restored.entries);
    this.repl = new Replicator(this.id, config, this.log, () => this.term, (m) => this.send(m));
    this.membership = new Membership(restored.snapshot);
    this.membership.sync(this.log);
    // Entries the shell already applied are committed. The state machine may be ahead of a
    // MemFirst log that lost its unflushed tail; the shell re-applies idempotently from there.
    const applied = Math.max(restored.snapshot.index, Math.min(restored.applied, this.log.lastIndex()));
    this.log.committed = applied;
    this.log.appliedOut = applied;
    this.log.applied = applied;
    this.log.durable = Math.max(restored.snapshot.index, Math.min(restored.durableIndex, this.log.lastIndex()));
    this.voteFloor = restored.voteFloor ?? 0;
    this.resetRandomizedElectionTimeout();
    this.prevSoft = { leader: 0, role: Role.Follower };
    this.prevHard = { term: this.term, vote: this.vote };
  }

  // ---------------------------------------------------------------- output

  hasReady(): boolean {
    if (this.outstanding) return false;
    this.flushSends();
    return (
      this.pendingInstall !== undefined ||
      this.softChanged() ||
      this.hardChanged() ||
      this.log.lastIndex() > this.log.handedOut ||
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.droppedReads.length > 0 ||
      this.applyLimit() > this.log.appliedOut
    );
  }

  ready(): Ready {
    if (this.outstanding) {
      throw new Error("ready() called again before advance(): handle the previous Ready, then call advance()");
    }
    this.flushSends();
    const committedEntries = this.log.slice(this.log.appliedOut + 1, this.applyLimit());
    for (const e of committedEntries) {
      this.log.appliedOut = e.index;
      if (e.type === EntryType.ConfChange) this.applyConfEntry(e);
    }
    this.flushSends();
    const rd: Ready = {
      entries: this.log.slice(this.log.handedOut + 1, this.log.lastIndex()),
      messages: this.msgs,
      committedEntries,
      readStates: this.readStates,
      droppedReads: this.droppedReads,
    };
    if (this.pendingInstall) {
      rd.snapshot = this.pendingInstall;
      this.pendingInstall = undefined;
    }
    if (this.softChanged()) {
      this.prevSoft = { leader: this.leader, role: this.role };
      rd.softState = { ...this.prevSoft };
    }
    if (this.hardChanged()) {
      this.prevHard = { term: this.term, vote: this.vote };
      rd.hardState = { ...this.prevHard };
    }
    this.log.handedOut = this.log.lastIndex();
    this.msgs = [];
    this.readStates = [];
    this.droppedReads = [];
    this.outstanding = { lastEntry: this.log.handedOut, appliedOut: this.log.appliedOut };
    return rd;
  }

  advance(): void {
    const rd = this.outstanding;
    if (!rd) throw new Error("advance() called without a Ready: call ready() first");
    this.outstanding = undefined;
    // A truncation or snapshot install after ready() lowered handedOut: only the surviving part counts.
    this.log.stable = Math.max(this.log.stable, Math.min(rd.lastEntry, this.log.handedOut));
    invariant(rd.appliedOut >= this.log.applied, "applied never decreases", () =>
      `advance to applied ${rd.appliedOut} from ${this.log.applied}`);
    invariant(rd.appliedOut <= this.log.committed, "applied <= commit", () =>
      `applied ${rd.appliedOut}, commit ${this.log.committed}`);
    this.log.applied = rd.appliedOut;
    if (this.role === Role.Leader && this.cfg.countPolicy === "appended") this.maybeCommit();
  }

  status(): RaftStatus {
    return {
      id: this.id,
      term: this.term,
      vote: this.vote,
      role: this.role,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      durableIndex: this.log.durable,
      conf: copyConf(this.conf),
      progress: this.role === Role.Leader ? this.repl.statuses() : new Map(),
      leadTransferee: this.leadTransferee,
    };
  }

  /** A member that joined a running cluster with an empty membership (etcd's initial-cluster-state
   *  "existing"). It cannot replay the log from index 1 (the genesis membership is not in the log),
   *  so it accepts no append until the leader's snapshot gives it a membership to build on. */
  protected awaitingSnapshot(): boolean {
    return this.log.snapshot.index === 0 && this.log.snapshot.conf.voters.length === 0;
  }

  protected promotable(): boolean {
    return this.conf.voters.includes(this.id);
  }

  /** The log has not yet grown back to what this member may have acknowledged before it lost it
   *  (RestoredState.voteFloor): it may not vote or campaign. */
  protected belowVoteFloor(): boolean {
    return this.log.lastIndex() < this.voteFloor;
  }

  protected resetRandomizedElectionTimeout(): void {
    const e = this.cfg.electionTicks;
    this.randomizedElectionTimeout = e + Math.floor(this.cfg.random() * e);
  }

  protected reset(term: number): void {
    invariant(term >= this.term, "term never decreases", () => `from ${this.term} to ${term}`);
    if (term !== this.term) {
      this.term = term;
      this.vote = 0;
      this.pendingAck = undefined;
      this.leaderMatched = 0;
    }
    if (this.role === Role.Leader) this.dropLeaderState();
    this.setLeader(0);
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.votes.clear();
    this.leadTransferee = 0;
    this.timeoutNowSent = false;
  }

  protected becomeFollower(term: number, leader: NodeId): void {
    this.reset(term);
    this.role = Role.Follower;
    this.setLeader(leader);
  }

  protected becomePreCandidate(): void {
    invariant(this.role !== Role.Leader, "leader does not campaign", () => `term ${this.term}`);
    // Changes neither term nor vote: that is the point of pre-vote.
    this.role = Role.PreCandidate;
    this.votes.clear();
    this.setLeader(0);
  }

  protected becomeCandidate(): void {
    invariant(this.role !== Role.Leader, "leader does not campaign", () => `term ${this.term}`);
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = Role.Candidate;
  }

  protected becomeLeader(): void {
    invariant(this.role === Role.Candidate, "only a candidate becomes leader", () => `role ${this.role}`);
    this.reset(this.term);
    this.role = Role.Leader;
    this.setLeader(this.id);
    this.repl.clear();
    for (const id of [...this.conf.voters, ...this.conf.learners]) this.repl.add(id, false);
    this.reads = new LeaderReads();
    this.uncommittedBytes = 0;
    for (const e of this.log.slice(this.log.committed + 1, this.log.lastIndex())) this.uncommittedBytes += e.data.byteLength;
    // The no-op commits the previous terms' entries (§5.4.2) and gates conf changes and reads.
    this.appendOwn([{ type: EntryType.Normal, data: new Uint8Array(0) }]);
    this.pendingConfIndex = this.log.lastIndex();
  }

  protected dropLeaderState(): void {
    for (const req of this.reads.drain()) this.failRead(req);
    this.repl.clear();
    this.uncommittedBytes = 0;
  }

  protected setLeader(leader: NodeId): void {
    if (leader !== this.leader) {
      this.leaderMatched = 0;
      // A read forwarded to the old leader may never be answered: fail it now.
      for (const id of this.forwardedReads) this.droppedReads.push(id);
      this.forwardedReads.clear();
    }
    this.leader = leader;
  }

  protected appendOwn(items: { type: EntryType; data: Uint8Array }[]): void {
    let index = this.log.lastIndex();
    const entries: Entry[] = items.map((it) => ({ term: this.term, index: ++index, type: it.type, data: it.data }));
    this.log.append(entries);
    for (const e of entries) this.uncommittedBytes += e.data.byteLength;
    this.repl.scheduleAll(false);
    this.syncMembership();
  }

  /** The index of our own log that counts for commit, per the persistence strategy. */
  protected countedIndex(): number {
    return this.cfg.countPolicy === "durable" ? this.log.durable : this.log.stable;
  }

  /** Committed entries are applied only once this node counts them as stored itself. */
  protected applyLimit(): number {
    return Math.min(this.log.committed, this.countedIndex());
  }

  protected committedOwnTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  protected maybeCommit(): boolean {
    if (this.role !== Role.Leader) return false;
    const index = majorityValue(this.conf.voters, (id) =>
      id === this.id ? this.countedIndex() : this.repl.match(id));
    // Only an entry of the current term commits by counting (§5.4.2, Figure 8).
    if (index <= this.log.committed || this.log.term(index) !== this.term) return false;
    const hadOwnTerm = this.committedOwnTerm();
    for (const e of this.log.slice(this.log.committed + 1, index)) this.uncommittedBytes -= e.data.byteLength;
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes);
    this.log.commitTo(index);
    this.repl.scheduleAll(true);
    if (!hadOwnTerm) for (const req of this.reads.takeAwaitingCommit()) this.leaderRead(req);
    return true;
  }

  protected leaderRead(req: ReadRequest): void {
    if (!this.committedOwnTerm()) {
      // Our commit index may lag the true one until an entry of our term commits (§6.4 step 1).
      this.reads.waitForCommit(req);
    } else if (this.conf.voters.length === 1 && this.conf.voters[0] === this.id) {
      this.serveRead(req, this.log.committed);
    } else if (this.cfg.leaseRead && this.leaseValid()) {
      this.serveRead(req, this.log.committed);
    } else {
      this.reads.enqueue(req);
    }
  }

  /** With check-quorum, followers that answered a heartbeat sent at tick t refuse to vote until an
   *  election timeout after they received it; one tick of margin covers unaligned tick phases. */
  protected leaseValid(): boolean {
    if (!this.cfg.checkQuorum || this.leadTransferee !== 0 || this.timeoutNowSent) return false;
    const t = majorityValue(this.conf.voters, (id) =>
      id === this.id ? this.ticks : (this.repl.progress.get(id)?.lastAckTick ?? -Infinity));
    return this.ticks - t < this.cfg.electionTicks - 1;
  }

  protected serveRead(req: ReadRequest, index: number): void {
    if (req.from === this.id) this.readStates.push({ requestId: req.requestId, index });
    else this.send({ ...emptyMessage(MessageType.ReadIndexResp, this.id, req.from, this.term), index, context: req.requestId });
  }

  protected failRead(req: ReadRequest): void {
    if (req.from === this.id) this.droppedReads.push(req.requestId);
    else this.send({ ...emptyMessage(MessageType.ReadIndexResp, this.id, req.from, this.term), context: req.requestId, reject: true });
  }

  protected sendTimeoutNow(to: NodeId): void {
    this.timeoutNowSent = true;
    this.send(emptyMessage(MessageType.TimeoutNow, this.id, to, this.term));
  }

  /** Sends what was scheduled since the last Ready, and one heartbeat round for all reads that
   *  arrived meanwhile. */
  protected flushSends(): void {
    if (this.role !== Role.Leader) return;
    this.repl.flush();
    if (this.reads.hasUnsent()) {
      const ctx = ++this.readCtxSeq;
      this.reads.startRound(ctx, this.log.committed, this.id);
      this.repl.broadcastHeartbeat(ctx, this.ticks);
    }
  }

  /** A committed conf change reaches the shell: a leader that removed itself steps down now (it led
   *  the cluster without counting itself since the entry was appended). */
  protected applyConfEntry(e: Entry): void {
    const cc = decodeConfChange(e.data);
    if (this.role === Role.Leader && cc.type === ConfChangeType.RemoveNode && cc.nodeId === this.id && !this.promotable()) {
      this.becomeFollower(this.term, 0);
    }
    // The removal is committed and the append carrying that commit index has gone out (ready()
    // flushes sends before applying): stop replicating to the removed member.
    if (this.role === Role.Leader && cc.type === ConfChangeType.RemoveNode) this.repl.retain(this.replicatedMembers());
  }

  /** Members the leader replicates to: the current ones, and members removed by a change that
   *  is not committed yet, so that a removed member receives its removal and learns it committed
   *  (it then stops, the way etcd's removed members do) instead of being cut off at append. */
  protected replicatedMembers(): Set<NodeId> {
    const committed = this.membership.at(Math.max(this.log.committed, this.log.snapshot.index));
    return new Set([...this.conf.voters, ...this.conf.learners, ...committed.voters, ...committed.learners]);
  }

  protected syncMembership(): void {
    if (this.membership.sync(this.log)) this.onMembershipChanged();
  }

  protected onMembershipChanged(): void {
    if (this.role !== Role.Leader) return;
    const members = new Set([...this.conf.voters, ...this.conf.learners]);
    for (const id of members) if (this.repl.add(id, true)) this.repl.schedule(id, true);
    this.repl.retain(this.replicatedMembers());
    if (this.leadTransferee !== 0 && !this.conf.voters.includes(this.leadTransferee)) this.leadTransferee = 0;
    this.maybeCommit(); // the new quorum may already hold more
  }

  protected get conf(): ConfState {
    return this.membership.current();
  }

  protected send(m: Message): void {
    this.msgs.push(m);
  }

  protected softChanged(): boolean {
    return this.prevSoft.leader !== this.leader || this.prevSoft.role !== this.role;
  }

  protected hardChanged(): boolean {
    return this.prevHard.term !== this.term || this.prevHard.vote !== this.vote;
  }
}
