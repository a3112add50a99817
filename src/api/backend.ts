// The contract between the client API and whatever runs the state machine: the real node
// (Raft underneath) or LocalBackend (one process, no Raft). The API layer only validates,
// waits, reads the local store and formats answers.
import type { KvStoreView } from "../kv/store-view.ts";
import type { InternalRequest, WriteResponse } from "../kv/types.ts";

export interface HeaderInfo {
  clusterId: number;
  memberId: number;
  raftTerm: number;
}

/** Maintenance.Status fields the backend knows (db sizes and revision come from the store). */
export interface StatusInfo {
  /** Reported as etcd's server version: clients gate features on it. */
  version: string;
  leader: number;
  /** Commit index. */
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  isLearner: boolean;
  errors: string[];
}

export interface MemberInfo {
  id: number;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** Lease deadlines are the primary's (the leader's) alone; these reach it. Grants and revokes
 *  are ordinary writes (`KvBackend.write` with `leaseGrant` / `leaseRevoke`). */
export interface LeaseBackend {
  /** etcd's minimum TTL in seconds (ceil(1.5 × election timeout)): a grant asking less gets it. */
  readonly minTtl: number;
  /** A keep-alive, decided by the primary: the granted TTL, or 0 when the lease is unknown or
   *  has expired. Rejects with EtcdError (no leader, timeout). */
  renew(id: number): Promise<number>;
  /** The remaining whole seconds the primary gives the lease, -1 when it does not know it. */
  remaining(id: number): Promise<number>;
}

export interface KvBackend {
  /** Replicates a write through Raft (forwarding to the leader if needed) and resolves with
   *  the response produced when it was applied locally. Rejects with an EtcdError (e.g. "no
   *  leader", "request timed out", or the apply-time refusal). The request has passed the
   *  kv/validate.ts checks. */
  write(req: InternalRequest): Promise<WriteResponse>;
  /** Resolves once the local state machine has applied everything committed before the call
   *  (ReadIndex); rejects with EtcdError "etcdserver: no leader" / timeout. */
  readBarrier(): Promise<void>;
  /** Local reads (serializable, or after readBarrier). */
  readonly store: KvStoreView;
  header(): HeaderInfo;
  status(): StatusInfo;
  /** A learner serves only Status and serializable Range, as etcd's do; absent: never a learner.
   *  Called per request, so it must be cheap. */
  isLearner?(): boolean;
  members(): MemberInfo[];
  /** Membership changes; absent until the node supports them (the RPC answers UNIMPLEMENTED). */
  memberAdd?(peerURLs: string[], isLearner: boolean): Promise<{ member: MemberInfo; members: MemberInfo[] }>;
  memberRemove?(id: number): Promise<MemberInfo[]>;
  memberUpdate?(id: number, peerURLs: string[]): Promise<MemberInfo[]>;
  memberPromote?(id: number): Promise<MemberInfo[]>;
  /** Leases; absent → the Lease RPCs answer UNIMPLEMENTED. */
  readonly leases?: LeaseBackend;
  /** Leadership transfer (etcdctl move-leader); absent → UNIMPLEMENTED. */
  moveLeader?(targetId: number): Promise<void>;
}
