// What the metrics part reads from a running node (pull) at scrape time. The node shell implements
// `MetricsSource`; the metrics part never reaches into raft, storage or kv itself.
import type { PlaneName } from "../config/types.ts";

/** A member id as in the Raft core (a plain number; 0 means "none"). */
export type NodeId = number;
export type Plane = PlaneName;

/** A point-in-time view of the node, taken once per scrape or health check so the numbers agree. */
export interface NodeSample {
  /** Current Raft term. */
  term: number;
  /** The leader this node knows of in `term`, or 0 when it knows of none. */
  leaderId: NodeId;
  isLeader: boolean;
  commitIndex: number;
  appliedIndex: number;
  /** Index of the last entry in this node's log (memory included). */
  lastIndex: number;
  /** Highest index known to be on disk. Equals lastIndex under DiskFirst at rest. */
  durableIndex: number;
  /** Entries appended but not yet durable (lastIndex - durableIndex under MemFirst). */
  flushLagEntries: number;
  /** Age of the oldest unflushed entry, seconds; 0 when nothing is unflushed. */
  flushLagSeconds: number;
  /** Proposals accepted from clients and not yet applied (or failed). */
  proposalsPending: number;
  kvKeys: number;
  /** The kv store's in-memory key index: keys it holds (deleted ones while history has them)
   *  and its size, bytes, about. */
  kvIndexKeys: number;
  kvIndexBytes: number;
  kvRevision: number;
  /** kv.db's size on disk and the part of it in use (the rest is free pages a defrag returns). */
  dbSizeBytes: number;
  dbSizeInUseBytes: number;
  /** Leases in the store (granted, not revoked). */
  leases: number;
  /** The space quota and the alarms raised (absent: no quota, no alarm). */
  quota?: QuotaSample;
  /** Open Watch streams and the watchers on them (this member's clients only). */
  watchStreams: number;
  watchers: number;
  /** Snapshot transfers under way, in either direction. */
  snapshotTransfers: SnapshotTransfer[];
  /** The node has finished start-up (storage opened, log replayed, servers listening). */
  started: boolean;
}

export interface QuotaSample {
  /** The quota in bytes (0: none). */
  limitBytes: number;
  usedBytes: number;
  /** Members holding each alarm. */
  noSpaceAlarms: number;
  corruptAlarms: number;
}

export interface SnapshotTransfer {
  peer: NodeId;
  /** "out": this node sends to `peer`; "in": this node receives from `peer`. */
  direction: "in" | "out";
  doneBytes: number;
  /** 0 when not yet known. */
  totalBytes: number;
}

export interface MetricsSource {
  sample(): NodeSample;
}
