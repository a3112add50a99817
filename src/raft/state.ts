// The state of one Raft node: every field the concern modules (elections.ts, follower.ts, leader.ts,
// reads.ts, ready.ts) read and change, plus the derived queries they share. Transitions live in
// those modules as free functions over this object; Raft (raft.ts) is the public face that
// delegates to them. One object, so the code of a rule reads and changes the state it needs directly.

import { validateConfig } from "./config.ts";
import { RaftLog } from "./log.ts";
import { Membership } from "./membership.ts";
import { LeaderReads } from "./reads.ts";
import { Replicator } from "./replication.ts";
import {
  Role,
  type ConfState,
  type HardState,
  type Message,
  type NodeId,
  type RaftConfig,
  type ReadState,
  type RestoredState,
  type SnapshotMeta,
  type SoftState,
} from "./types.ts";

/** A follower's acknowledgement waiting for durability (DiskFirst). */
export interface PendingAck {
  to: NodeId;
  term: number;
  /** Highest index known to match the leader, to acknowledge once durable. */
  index: number;
  /** Highest index acknowledged so far. */
  sent: number;
}

/** What the Ready handed out and not yet advanced covers. */
export interface OutstandingReady {
  lastEntry: number;
  appliedOut: number;
}

export class RaftState {
  readonly id: NodeId;
  readonly cfg: RaftConfig;
  term: number;
  vote: NodeId;
  role: Role = Role.Follower;
  leader: NodeId = 0;
  readonly log: RaftLog;
  readonly membership: Membership;

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Monotonic tick counter (lease reads compare heartbeat send ticks against it). */
  ticks = 0;

  // Candidate state.
  readonly votes = new Map<NodeId, boolean>();
  // Leader state.
  readonly repl: Replicator;
  leadTransferee: NodeId = 0;
  /** A TimeoutNow went out this term: its forced campaign ignores stickiness, so no lease any more. */
  timeoutNowSent = false;
  pendingConfIndex = 0;
  uncommittedBytes = 0;
  reads = new LeaderReads();
  readCtxSeq = 0;
  // Follower state.
  pendingAck: PendingAck | undefined;
  /** Highest index an append of the current leader proved to match its log. Heartbeats commit only
   *  up to here: after a MemFirst restart the log may hold stale entries the leader never sent. */
  leaderMatched = 0;
  readonly forwardedReads = new Set<number>();
  pendingInstall: SnapshotMeta | undefined;

  // Output, handed out by the next Ready.
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  droppedReads: number[] = [];
  prevSoft: SoftState;
  prevHard: HardState;
  outstanding: OutstandingReady | undefined;
  readonly voteFloor: number;

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

  get conf(): ConfState {
    return this.membership.current();
  }

  send(m: Message): void {
    this.msgs.push(m);
  }

  resetRandomizedElectionTimeout(): void {
    const e = this.cfg.electionTicks;
    this.randomizedElectionTimeout = e + Math.floor(this.cfg.random() * e);
  }

  promotable(): boolean {
    return this.conf.voters.includes(this.id);
  }

  /** The log has not yet grown back to what this member may have acknowledged before it lost it
   *  (RestoredState.voteFloor): it may not vote or campaign. */
  belowVoteFloor(): boolean {
    return this.log.lastIndex() < this.voteFloor;
  }

  /** A member that joined a running cluster with an empty membership (etcd's initial-cluster-state
   *  "existing"). It cannot replay the log from index 1 (the genesis membership is not in the log),
   *  so it accepts no append until the leader's snapshot gives it a membership to build on. */
  awaitingSnapshot(): boolean {
    return this.log.snapshot.index === 0 && this.log.snapshot.conf.voters.length === 0;
  }

  /** The index of our own log that counts for commit, per the persistence strategy. */
  countedIndex(): number {
    return this.cfg.countPolicy === "durable" ? this.log.durable : this.log.stable;
  }

  /** Committed entries are applied only once this node counts them as stored itself. */
  applyLimit(): number {
    return Math.min(this.log.committed, this.countedIndex());
  }

  committedOwnTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }
}
