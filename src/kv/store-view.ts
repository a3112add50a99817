// What the kv store shows the layers that serve clients, one interface per job. The node owns
// the MvccStore (it applies entries, flushes, restores); the API reads it through these, so a
// handler can neither apply nor replace the state machine behind Raft's back. MvccStore
// implements them all.
import type { AlarmMember } from "./alarms.ts";
import type { UserPermissions } from "./auth-perms.ts";
import type { AuthChange } from "./auth-store.ts";
import type { AuthStoreView } from "./auth-types.ts";
import type { EventsRead, ReadLimits } from "./events.ts";
import type { WriteImageOptions } from "./image.ts";
import type { KeyRange } from "./keys.ts";
import type { Lease } from "./lease.ts";
import type { ApplyEntry, ApplyResult, RangeRequest, RangeResponse, SnapshotImage, StoreListener, TxnRequest, TxnResponse } from "./types.ts";

/** Users, roles and permissions as applied, read-only (auth-store.ts applies them). */
export interface AuthView extends AuthStoreView {
  /** What members send each other to act as root while auth is on (set by AuthEnable). */
  readonly memberSecret: Uint8Array | undefined;
  readonly permissions: { of(user: string): UserPermissions | undefined };
  userNames(): string[];
  roleNames(): string[];
  /** Tells `fn` about changes that end sessions; returns the unsubscribe function. */
  onChange(fn: (c: AuthChange) => void): () => void;
}

/** What a watch hub needs: the revisions, the applied batches as they come, and history. */
export interface WatchSource {
  /** The revision of the last write (0 for an empty store). */
  readonly revision: number;
  /** The revision history was compacted at; reads below it fail. -1 if never compacted. */
  readonly compactRevision: number;
  /** Calls `listener` after every committed batch that wrote something (and after a restore);
   *  returns the unsubscribe function. */
  subscribe(listener: StoreListener): () => void;
  /** The events on keys in `r` at revisions [from, to] from history, in bounded steps. Throws
   *  the compacted error when `from` is below the compaction point. */
  eventsBetween(r: KeyRange, from: number, to: number, limits: ReadLimits): EventsRead;
}

/** The local reads a client may make (serializable, or after a ReadIndex barrier). */
export interface KvReads extends WatchSource {
  /** etcd's Range at the current state. Throws EtcdError for compacted or future revisions. */
  range(req: RangeRequest): RangeResponse;
  /** A txn whose every op is a Range, served without a Raft entry. Throws EtcdError otherwise. */
  readTxn(txn: TxnRequest): TxnResponse;
  leases(): Lease[];
  lease(id: number, withKeys?: boolean): (Lease & { keys: Uint8Array[] }) | undefined;
  alarms(): readonly AlarmMember[];
  readonly auth: AuthView;
}

/** etcd's Maintenance service over this member's kv.db. */
export interface KvMaintenance {
  /** The kv.db file; temporary images go beside it. */
  readonly path: string;
  dbSize(): { size: number; inUse: number };
  hash(): { hash: number; revision: number };
  hashKv(revision?: number): { hash: number; compactRevision: number; revision: number };
  defragment(opts?: { pagesPerStep?: number; onStep?: (freed: number) => void }): Promise<void>;
  /** A consistent image of the store, copied in steps that yield to the event loop. */
  snapshotToAsync(path: string, opts?: Omit<WriteImageOptions, "binding">): Promise<SnapshotImage>;
}

/** What the client API sees of the store. */
export interface KvStoreView extends KvReads, KvMaintenance {}

/** Applying committed entries: only what runs the state machine (the node, LocalBackend). */
export interface KvStateMachine {
  /** Every entry at or below this index is reflected in the store. */
  readonly appliedIndex: number;
  applyBatch(entries: ApplyEntry[]): (ApplyResult | null)[];
}
