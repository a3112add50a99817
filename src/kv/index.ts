// Public surface of kv/ for the node and the API layer.
export { MvccStore, type MvccStoreOptions } from "./mvcc.ts";
export type { AuthView, KvMaintenance, KvReads, KvStateMachine, KvStoreView, WatchSource } from "./store-view.ts";
export { EtcdError, Errors, StatusCode } from "./errors.ts";
export { decodeInternalRequest, encodeInternalRequest } from "./codec.ts";
export { checkLeaseGrant, type Lease, LeaseErrors, MAX_LEASE_ID, MAX_LEASE_TTL, randomLeaseId } from "./lease.ts";
export { Lessor, type LessorOptions } from "./lessor.ts";
export { checkDeleteRequest, checkPutRequest, checkRangeRequest, checkTxnRequest } from "./validate.ts";
export { isTxnReadOnly, isTxnSerializable } from "./txn.ts";
export { compareBytes, prefixEnd } from "./keys.ts";
export type * from "./types.ts";
export { FilterType, PROGRESS_WATCH_ID, WatchErrors, WatchHub, type WatchHubOptions, type WatchSink, type WatchStream } from "./watch.ts";
export { EventType } from "./types.ts";
