// The contract between the pure Raft core and everything around it (the node shell, the
// simulator, the transport codecs). Nothing here does I/O; every field is a plain number,
// boolean or Uint8Array so a message maps 1:1 onto proto/raft.proto.

/** A member id. etcd member ids are uint64; ours stay below 2^53 so they are exact JS numbers. */
export type NodeId = number;

/** Which peer connection a message travels on (DESIGN.md, "The three planes"). */
export type Plane = "control" | "data" | "bulk";

export const EntryType = {
  /** An application command (a serialized KV request) or an empty no-op when data is empty. */
  Normal: 0,
  /** A membership change; `data` is `encodeConfChange(cc)`. */
  ConfChange: 1,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/** The only state that must be durable before the node answers a vote or adopts a term. */
export interface HardState {
  term: number;
  /** The candidate voted for in `term`, 0 for none. */
  vote: NodeId;
}

/** Voting members and learners. Learners receive the log but neither vote nor count for commit. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export const ConfChangeType = {
  AddVoter: 0,
  AddLearner: 1,
  RemoveNode: 2,
  /** A member's addresses change (etcd's ConfChangeUpdateNode): the ConfState stays as it is. */
  UpdateNode: 3,
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

/** One server at a time (Raft thesis §4.1): at most one uncommitted change in the log.
 *  AddVoter on an existing learner promotes it. */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  /** Opaque to the core: the shell stores member names and URLs here. */
  context: Uint8Array;
}

/** What the core knows about a snapshot; the bytes live in the shell's snapshot store. */
export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

export const MessageType = {
  App: 0, // leader -> follower: entries (data plane)
  AppResp: 1,
  Vote: 2, // candidate -> all (control plane)
  VoteResp: 3,
  PreVote: 4,
  PreVoteResp: 5,
  Heartbeat: 6, // leader -> follower (control plane)
  HeartbeatResp: 7,
  Snap: 8, // leader -> follower: install snapshot (bulk plane; the shell streams the bytes)
  TimeoutNow: 9, // leader -> transferee: start an election now (control plane)
  ReadIndex: 10, // follower -> leader: ask for a read index on behalf of a client (control plane)
  ReadIndexResp: 11,
  TransferLeader: 12, // any node -> leader: transfer leadership to the node in `context` (control plane)
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** App: term of the entry at `index` (the entry before `entries`). Vote/PreVote: last log term. */
  logTerm: number;
  /** App: index of the entry before `entries`. Vote/PreVote: last log index.
   *  AppResp: highest index the follower now acknowledges (or the rejected index).
   *  ReadIndexResp: the read index.
   *  Heartbeat: the leader's tick count when sent; HeartbeatResp echoes it (lease reads). */
  index: number;
  entries: Entry[];
  /** Leader's commit index, clamped to what the recipient is known to hold.
   *  HeartbeatResp: the follower's commit index (a leader re-sends an append to a lagging one). */
  commit: number;
  reject: boolean;
  /** AppResp rejections: the follower's hint for fast backtracking (its last index or the first
   *  index of `rejectHintTerm` in its log). */
  rejectHint: number;
  rejectHintTerm: number;
  /** Snap: the snapshot being installed. */
  snapshot?: SnapshotMeta;
  /** ReadIndex / ReadIndexResp / Heartbeat(Resp): the read request id; TransferLeader: the target;
   *  Vote: 1 when the campaign was forced by TimeoutNow (it overrides leader stickiness). */
  context: number;
}

/** A linearizable read may be served once the local applied index reaches `index`. */
export interface ReadState {
  requestId: number;
  index: number;
}

export const Role = {
  Follower: "follower",
  PreCandidate: "pre-candidate",
  Candidate: "candidate",
  Leader: "leader",
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export interface SoftState {
  leader: NodeId; // 0 when unknown
  role: Role;
}

/** Everything the shell must do, in this order:
 *  1. if `snapshot`: install it (replace the state machine and the log);
 *  2. append `entries` to the log store (a first index at or below the last one truncates the suffix);
 *  3. make `hardState` durable, if present, BEFORE sending any of `messages`;
 *  4. send `messages` (each carries its plane via `planeOf`);
 *  5. apply `committedEntries` in order; serve `readStates` once applied reaches their index;
 *  6. call `advance()`.
 *  Durability of appended entries is reported separately with `reportDurable(index)`. */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  snapshot?: SnapshotMeta;
  entries: Entry[];
  messages: Message[];
  committedEntries: Entry[];
  readStates: ReadState[];
  /** Read requests that can no longer be served (leadership lost, transfer); fail them. */
  droppedReads: number[];
}

/** How the persistence strategy decides which of a node's own entries count for commit and
 *  acknowledgement (DESIGN.md: DiskFirst counts durable entries, MemFirst appended ones). */
export type CountPolicy = "durable" | "appended";

export interface RaftConfig {
  id: NodeId;
  /** Heartbeat interval in ticks. */
  heartbeatTicks: number;
  /** Minimum election timeout in ticks; the actual one is uniform in [min, 2*min). */
  electionTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Serve ReadIndex from a leader lease instead of a heartbeat round (requires checkQuorum). */
  leaseRead: boolean;
  countPolicy: CountPolicy;
  /** Per-append limits (data plane). */
  maxEntriesPerAppend: number;
  maxBytesPerAppend: number;
  /** Bounded pipelining window per follower. */
  maxInflightAppends: number;
  maxInflightBytes: number;
  /** Proposals beyond this many uncommitted bytes at the leader are refused. */
  maxUncommittedBytes: number;
  /** Injected randomness: returns a float in [0, 1). Seeded in tests and the simulator. */
  random: () => number;
}

export type ProposeError =
  | { code: "not-leader"; leader: NodeId }
  | { code: "transferring"; to: NodeId }
  | { code: "too-many-uncommitted-bytes"; limit: number }
  | { code: "conf-change-pending"; index: number }
  | { code: "invalid-conf-change"; reason: string };

export type ProposeResult =
  /** The proposed data occupy the consecutive indexes firstIndex..lastIndex, all in `term`. */
  | { ok: true; firstIndex: number; lastIndex: number; term: number }
  | { ok: false; error: ProposeError };

export function planeOf(type: MessageType): Plane {
  switch (type) {
    case MessageType.App:
    case MessageType.AppResp:
      return "data";
    case MessageType.Snap:
      return "bulk";
    default:
      return "control";
  }
}

/** What the shell loaded from storage at start-up (or the bootstrap state of a new member). */
export interface RestoredState {
  hardState: HardState;
  /** The log starts right after this; a brand-new node passes index 0, term 0 and the
   *  bootstrap membership (every voter from config). */
  snapshot: SnapshotMeta;
  /** Entries after the snapshot, in order, without gaps. */
  entries: Entry[];
  /** Highest index already applied to the state machine (>= snapshot.index). */
  applied: number;
  /** Highest index durable in the log store (entries above it were lost or never flushed). */
  durableIndex: number;
  /** A member rebuilt after losing its log (corrupt data) may have acknowledged entries that were
   *  committed with its acknowledgement: until its log reaches this index again it neither grants
   *  a vote nor campaigns, or its empty log could elect a candidate that lacks them. 0: none. */
  voteFloor?: number;
}

export interface ProgressStatus {
  match: number;
  next: number;
  state: "probe" | "replicate" | "snapshot";
  inflight: number;
  recentActive: boolean;
}

export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId;
  role: Role;
  leader: NodeId;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  durableIndex: number;
  conf: ConfState;
  /** Leader only: per-peer replication progress. */
  progress: Map<NodeId, ProgressStatus>;
  leadTransferee: NodeId;
}
