// A KvBackend without Raft: writes are applied directly, in arrival order, as if each were
// the next committed entry; the read barrier is a no-op because this process is the only
// replica. Used by the API tests and as the reference behaviour for the node.
import { Lessor } from "../kv/lessor.ts";
import type { KvStateMachine, KvStoreView } from "../kv/store-view.ts";
import type { ApplyResult, InternalRequest, WriteResponse } from "../kv/types.ts";
import type { HeaderInfo, KvBackend, LeaseBackend, MemberInfo, StatusInfo } from "./backend.ts";

export interface LocalBackendOptions {
  clusterId?: number;
  memberId?: number;
  name?: string;
  clientURL?: string;
  peerURL?: string;
  version?: string;
  /** Smallest lease TTL, seconds (etcd's default with its 1 s election timeout: 2). */
  minLeaseTtl?: number;
  /** How often expired leases are looked for, ms (etcd: 500). */
  leaseCheckMs?: number;
}

export class LocalBackend implements KvBackend {
  readonly #opts: Required<LocalBackendOptions>;
  /** This process is the only replica, so it is always the lease primary. */
  readonly #lessor = new Lessor();
  #leaseTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly leases: LeaseBackend;

  constructor(readonly store: KvStoreView & KvStateMachine, opts: LocalBackendOptions = {}) {
    this.#lessor.promote(store.leases());
    const lessor = this.#lessor;
    this.leases = {
      minTtl: opts.minLeaseTtl ?? 2,
      renew: (id) => Promise.resolve(lessor.renew(id)),
      remaining: (id) => Promise.resolve(lessor.remaining(id)),
    };
    this.#opts = {
      clusterId: opts.clusterId ?? 0x1000,
      memberId: opts.memberId ?? 1,
      name: opts.name ?? "local",
      clientURL: opts.clientURL ?? "",
      peerURL: opts.peerURL ?? "",
      version: opts.version ?? "3.5.0",
      minLeaseTtl: this.leases.minTtl,
      leaseCheckMs: opts.leaseCheckMs ?? 500,
    };
    this.#armLeaseCheck();
  }

  /** Stops the lease expiry timer (the store is the caller's to close). */
  close(): void {
    this.#closed = true;
    if (this.#leaseTimer !== undefined) clearTimeout(this.#leaseTimer);
    this.#leaseTimer = undefined;
  }

  /** Looks for expired leases while any exist; unref'd, so it never keeps a process alive. */
  #armLeaseCheck(): void {
    if (this.#leaseTimer !== undefined || this.#closed || this.#lessor.size === 0) return;
    this.#leaseTimer = setTimeout(() => {
      this.#leaseTimer = undefined;
      if (this.#closed) return;
      // A revoke that fails (the client revoked it first, the store closed) is retried by the
      // lessor later if the lease still exists.
      for (const ID of this.#lessor.expired()) this.write({ leaseRevoke: { ID } }).catch(() => {});
      this.#armLeaseCheck();
    }, this.#opts.leaseCheckMs);
    this.#leaseTimer.unref?.();
  }

  #leaseApplied(req: InternalRequest, r: ApplyResult | null): void {
    if (r?.op === "leaseGrant") {
      this.#lessor.granted(r.leaseGrant.ID, r.leaseGrant.TTL);
      this.#armLeaseCheck();
    } else if (r?.op === "leaseRevoke") this.#lessor.revoked(req.leaseRevoke?.ID ?? 0);
  }

  write(req: InternalRequest): Promise<WriteResponse> {
    return new Promise((resolve, reject) => {
      // Writes arriving in one event-loop turn are applied as one batch (one SQLite commit),
      // as the node does with the entries of one Ready.
      if (this.#pending.length === 0) setImmediate(() => this.#flush());
      this.#pending.push({ req, resolve, reject });
    });
  }

  #pending: { req: InternalRequest; resolve(r: WriteResponse): void; reject(e: Error): void }[] = [];

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    const first = this.store.appliedIndex + 1;
    let results;
    try {
      results = this.store.applyBatch(batch.map((w, i) => ({ index: first + i, term: 1, request: w.req })));
    } catch (err) {
      for (const w of batch) w.reject(err as Error);
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i];
      this.#leaseApplied(w.req, r);
      if (r === null) w.reject(new Error("local backend: entry was not applied"));
      else if (r.op === "error") w.reject(r.error);
      else w.resolve(r);
    });
  }

  readBarrier(): Promise<void> {
    return Promise.resolve();
  }

  header(): HeaderInfo {
    return { clusterId: this.#opts.clusterId, memberId: this.#opts.memberId, raftTerm: 1 };
  }

  status(): StatusInfo {
    return {
      version: this.#opts.version,
      leader: this.#opts.memberId,
      raftIndex: this.store.appliedIndex,
      raftTerm: 1,
      raftAppliedIndex: this.store.appliedIndex,
      isLearner: false,
      errors: [],
    };
  }

  members(): MemberInfo[] {
    return [{
      id: this.#opts.memberId,
      name: this.#opts.name,
      peerURLs: this.#opts.peerURL ? [this.#opts.peerURL] : [],
      clientURLs: this.#opts.clientURL ? [this.#opts.clientURL] : [],
      isLearner: false,
    }];
  }
}
