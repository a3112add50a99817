// Leases in the replicated state: the `lease` table of kv.db (id, granted TTL) and what applying a
// LeaseGrant or a LeaseRevoke does to the store. Which key belongs to which lease is each key's
// current lease in the in-memory index (key-index.ts), so a put without a lease detaches a key
// and a delete forgets it with no bookkeeping here. Deadlines are not state: only the leader keeps
// them, in memory (lessor.ts), and proposes a LeaseRevoke when one passes (etcd's lessor).
import { EtcdError, Errors, StatusCode } from "./errors.ts";
import type { Statement } from "../storage/sqlite.ts";
import type { LeaseGrantRequest, LeaseRevokeRequest } from "./types.ts";

/** etcd's MaxLeaseTTL (lease/lessor.go): a larger TTL is refused. */
export const MAX_LEASE_TTL = 9_000_000_000;
/** Lease ids travel as JS numbers: only the exactly representable ones are accepted. */
export const MAX_LEASE_ID = Number.MAX_SAFE_INTEGER;

export const LeaseErrors = {
  exists: () => new EtcdError(StatusCode.FAILED_PRECONDITION, "etcdserver: lease already exists"),
  ttlTooLarge: () => new EtcdError(StatusCode.OUT_OF_RANGE, "etcdserver: too large lease TTL"),
  notFound: Errors.leaseNotFound,
  badId: (id: number) =>
    new EtcdError(
      StatusCode.INVALID_ARGUMENT,
      `trireme: lease ID ${id} is out of range: an ID must be between 1 and ${MAX_LEASE_ID} (2^53-1), or 0 to let the server choose`,
    ),
} as const;

/** A granted lease as the store records it. */
export interface Lease {
  id: number;
  /** Granted TTL, seconds. */
  ttl: number;
}

/** Checks a client's LeaseGrant before it is proposed (etcd refuses these in the API layer too). */
export function checkLeaseGrant(id: number, ttl: number): void {
  if (!Number.isSafeInteger(id) || id < 0) throw LeaseErrors.badId(id);
  if (ttl > MAX_LEASE_TTL) throw LeaseErrors.ttlTooLarge();
}

/** A random positive id below 2^53 for a grant that left the choice to the server. */
export function randomLeaseId(random: () => number = Math.random): number {
  return 1 + Math.floor(random() * (MAX_LEASE_ID - 1));
}

/** The lease table, through the store's statement cache (so it follows a restore). */
export class LeaseTable {
  constructor(
    private readonly stmt: (sql: string) => Statement,
    /** The keys attached to a lease, in key order (the index knows). */
    readonly keysOf: (id: number) => Uint8Array[],
  ) {}

  get(id: number): Lease | undefined {
    const row = this.stmt("SELECT id, ttl FROM lease WHERE id = ?").get(id);
    return row === undefined ? undefined : { id: row.id as number, ttl: row.ttl as number };
  }

  has(id: number): boolean {
    return this.stmt("SELECT 1 AS x FROM lease WHERE id = ?").get(id) !== undefined;
  }

  /** Every lease, by id. */
  all(): Lease[] {
    return this.stmt("SELECT id, ttl FROM lease ORDER BY id").all().map((r) => ({ id: r.id as number, ttl: r.ttl as number }));
  }

  /** Applies a LeaseGrant inside the caller's transaction. Throws EtcdError (nothing changed). */
  grant(req: LeaseGrantRequest): Lease {
    const id = req.ID ?? 0;
    const ttl = req.TTL ?? 0;
    // The proposer chose the id; a zero or malformed one here means a peer sent garbage.
    if (id <= 0 || !Number.isSafeInteger(id)) throw LeaseErrors.badId(id);
    if (ttl > MAX_LEASE_TTL) throw LeaseErrors.ttlTooLarge();
    if (this.has(id)) throw LeaseErrors.exists();
    this.stmt("INSERT INTO lease (id, ttl) VALUES (?, ?)").run(id, ttl);
    return { id, ttl };
  }

  /** Applies a LeaseRevoke inside the caller's transaction: `deleteKey` removes each attached key
   *  (all in the caller's one revision), then the lease goes. Throws EtcdError when unknown. */
  revoke(req: LeaseRevokeRequest, deleteKey: (key: Uint8Array) => void): number {
    const id = req.ID ?? 0;
    if (!this.has(id)) throw LeaseErrors.notFound();
    const keys = this.keysOf(id);
    for (const key of keys) deleteKey(key);
    this.stmt("DELETE FROM lease WHERE id = ?").run(id);
    return keys.length;
  }
}
