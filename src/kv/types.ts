// The shapes kv/ exchanges with its callers. Requests and responses are the generated etcd
// message types (plain objects are fine: the static encoders accept them), so the API layer
// passes them through without copying.
import type { etcdserverpb, mvccpb, triremekv } from "../gen/etcd.js";
import type { EtcdError } from "./errors.ts";

export type RangeRequest = etcdserverpb.RangeRequest.$Properties;
export type PutRequest = etcdserverpb.PutRequest.$Properties;
export type DeleteRangeRequest = etcdserverpb.DeleteRangeRequest.$Properties;
export type TxnRequest = etcdserverpb.TxnRequest.$Properties;
export type CompactionRequest = etcdserverpb.CompactionRequest.$Properties;
export type RequestOp = etcdserverpb.RequestOp.$Properties;
export type Compare = etcdserverpb.Compare.$Properties;
export type LeaseGrantRequest = etcdserverpb.LeaseGrantRequest.$Properties;
export type LeaseRevokeRequest = etcdserverpb.LeaseRevokeRequest.$Properties;
/** What one Raft entry carries for the state machine. */
export type InternalRequest = triremekv.InternalRequest.$Properties;

/** mvccpb.KeyValue with every field present (its generated class declares them all). */
export type KeyValue = Pick<mvccpb.KeyValue, "key" | "createRevision" | "modRevision" | "version" | "value" | "lease">;

/** Only the revision: cluster_id, member_id and raft_term are the API layer's to fill. */
export interface RevisionHeader {
  revision: number;
}

export interface RangeResponse {
  header: RevisionHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}
export interface PutResponse {
  header: RevisionHeader;
  prevKv?: KeyValue;
}
export interface DeleteRangeResponse {
  header: RevisionHeader;
  deleted: number;
  prevKvs: KeyValue[];
}
export interface ResponseOp {
  responseRange?: RangeResponse;
  responsePut?: PutResponse;
  responseDeleteRange?: DeleteRangeResponse;
  responseTxn?: TxnResponse;
}
export interface TxnResponse {
  header: RevisionHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}
export interface CompactionResponse {
  header: RevisionHeader;
}
export interface LeaseGrantResponse {
  header: RevisionHeader;
  ID: number;
  TTL: number;
}
export interface LeaseRevokeResponse {
  header: RevisionHeader;
}
/** The alarms an AlarmRequest raised, cleared or listed (etcdserverpb.AlarmMember). */
export interface AlarmResponse {
  header: RevisionHeader;
  alarms: { memberID: number; alarm: number }[];
}

/** The answer to one applied write, for the client waiting on it. */
export type WriteResponse =
  | { op: "put"; put: PutResponse }
  | { op: "deleteRange"; deleteRange: DeleteRangeResponse }
  | { op: "txn"; txn: TxnResponse }
  | { op: "compaction"; compaction: CompactionResponse }
  | { op: "leaseGrant"; leaseGrant: LeaseGrantResponse }
  | { op: "leaseRevoke"; leaseRevoke: LeaseRevokeResponse }
  | { op: "alarm"; alarm: AlarmResponse }
  | { op: "auth"; auth: { header: RevisionHeader } };

/** A write can also be refused at apply time (etcd does the same: the entry is consumed, the
 *  store is unchanged, the client gets the error). */
export type ApplyResult = WriteResponse | { op: "error"; error: EtcdError };

/** One committed Raft entry handed to the state machine. `request` is null for entries that
 *  carry nothing for the store (leader no-ops, configuration changes): they still advance the
 *  applied index. */
export interface ApplyEntry {
  index: number;
  term: number;
  request: InternalRequest | null;
}

/** A consistent image of the store written by `snapshotTo`. */
export interface SnapshotImage {
  /** Applied index (and its term) the image contains everything up to. */
  index: number;
  term: number;
  revision: number;
  /** Size of the image file in bytes. */
  bytes: number;
  /** A backup records the cluster it was taken from (restore refuses to reuse its name). */
  sourceClusterId?: number;
}

export type WatchCreateRequest = etcdserverpb.WatchCreateRequest.$Properties;

/** mvccpb.Event.EventType. */
export const EventType = { PUT: 0, DELETE: 1 } as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** mvccpb.Event: what one applied write did to one key. A DELETE's `kv` holds only the key and
 *  the delete's revision (etcd's tombstone); `prevKv` is the key's version just before. */
export interface WatchEvent {
  type: EventType;
  kv: KeyValue;
  prevKv?: KeyValue;
}

/** Told about every write the store applies, after it is committed (see MvccStore.subscribe). */
export interface StoreListener {
  /** The events of one applyBatch, in revision (then sub-revision) order; never empty. */
  events(batch: WatchEvent[]): void;
  /** The store was replaced by a snapshot image; `previousRevision` was its revision before. */
  restored?(previousRevision: number): void;
}

/** A watch answer without the cluster part of the header (the API layer fills it), etcd's
 *  WatchResponse otherwise. */
export interface WatchResponse {
  header: RevisionHeader;
  watchId: number;
  created: boolean;
  canceled: boolean;
  compactRevision: number;
  cancelReason: string;
  events: WatchEvent[];
  /** The watcher asked for `fragment`: the transport may split a large answer (etcd's
   *  sendFragments). */
  fragment: boolean;
}
