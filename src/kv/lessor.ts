// The leader's lease deadlines (etcd's lessor, lease/lessor.go): in memory only, never replicated.
// Only the primary (the Raft leader, or LocalBackend) keeps deadlines and decides expiry; it
// proposes a LeaseRevoke for each lease past its deadline, at a bounded rate. A member that
// becomes primary restarts every lease at its full TTL (etcd's Promote), so a leader change
// extends leases and never expires one early. Renewals (keep-alives) only move a deadline here.
//
// It lives in kv/ rather than node/ because both the node and api/'s LocalBackend drive it, and
// api/ must not import node/. Time comes from an injected clock so it is tested without sleeping.
import type { Lease } from "./lease.ts";

export interface LessorOptions {
  /** Milliseconds on a monotonic clock; performance.now() by default. */
  now?: () => number;
  /** Most leases reported expired by one `expired()` call (etcd revokes at most 500 per 500 ms). */
  maxRevokesPerCheck?: number;
  /** A lease reported expired whose revoke has not been applied after this long is reported
   *  again (etcd's expiredLeaseRetryInterval, 3 s): the proposal may have been lost. */
  retryMs?: number;
}

interface Tracked {
  ttl: number;
  /** When the lease expires (ms on the clock). */
  deadline: number;
  /** Reported expired, revoke under way: keep-alives no longer save it. */
  expired: boolean;
}

/** A min-heap entry; stale when the lease's deadline moved on since it was pushed. */
interface Due {
  id: number;
  at: number;
}

export class Lessor {
  readonly #now: () => number;
  readonly #maxPerCheck: number;
  readonly #retryMs: number;
  readonly #leases = new Map<number, Tracked>();
  readonly #heap: Due[] = [];
  #primary = false;

  constructor(opts: LessorOptions = {}) {
    this.#now = opts.now ?? (() => performance.now());
    this.#maxPerCheck = opts.maxRevokesPerCheck ?? 500;
    this.#retryMs = opts.retryMs ?? 3000;
  }

  /** Whether this member keeps deadlines (it leads). */
  get primary(): boolean {
    return this.#primary;
  }

  /** Leases with a deadline (tests, metrics). */
  get size(): number {
    return this.#leases.size;
  }

  /** This member became the primary: every lease of `leases` (the applied state) starts again
   *  at its full TTL, plus `extendMs` (etcd extends by an election timeout). */
  promote(leases: Lease[], extendMs = 0): void {
    this.#primary = true;
    this.#leases.clear();
    this.#heap.length = 0;
    const now = this.#now();
    for (const l of leases) this.#track(l.id, l.ttl, now + extendMs + l.ttl * 1000);
  }

  /** This member stopped leading: deadlines are forgotten (the next leader restarts them). */
  demote(): void {
    this.#primary = false;
    this.#leases.clear();
    this.#heap.length = 0;
  }

  /** A LeaseGrant was applied. */
  granted(id: number, ttl: number): void {
    if (this.#primary) this.#track(id, ttl, this.#now() + ttl * 1000);
  }

  /** A LeaseRevoke was applied. */
  revoked(id: number): void {
    this.#leases.delete(id);
  }

  /** A keep-alive: the deadline becomes now + TTL. Returns the granted TTL (seconds), or 0 when
   *  the lease is unknown or already expired (etcd answers a keep-alive with TTL 0 then). */
  renew(id: number): number {
    const l = this.#leases.get(id);
    // Past its deadline it is expired even before the next check marks it (etcd refuses too).
    if (l === undefined || l.expired || l.deadline <= this.#now()) return 0;
    this.#track(id, l.ttl, this.#now() + l.ttl * 1000);
    return l.ttl;
  }

  /** Remaining whole seconds of lease `id`: -1 when unknown (etcd's TimeToLive answer), 0 once
   *  it has expired and its revoke is under way. */
  remaining(id: number): number {
    const l = this.#leases.get(id);
    if (l === undefined) return -1;
    if (l.expired) return 0;
    return Math.max(0, Math.floor((l.deadline - this.#now()) / 1000));
  }

  /** The leases whose deadline has passed, at most `maxRevokesPerCheck`, for the caller to
   *  propose a LeaseRevoke each. A reported lease is reported again after `retryMs` if its
   *  revoke has not been applied by then. Empty unless primary. */
  expired(): number[] {
    if (!this.#primary) return [];
    const now = this.#now();
    const out: number[] = [];
    while (out.length < this.#maxPerCheck && this.#heap.length > 0 && this.#heap[0].at <= now) {
      const due = this.#pop();
      const l = this.#leases.get(due.id);
      if (l === undefined || l.deadline !== due.at) continue; // revoked, or renewed since
      l.expired = true;
      out.push(due.id);
      l.deadline = now + this.#retryMs;
      this.#push({ id: due.id, at: l.deadline });
    }
    return out;
  }

  #track(id: number, ttl: number, deadline: number): void {
    this.#leases.set(id, { ttl, deadline, expired: false });
    this.#push({ id, at: deadline });
    // Renewals leave stale entries behind: rebuild once they outnumber the live ones, so a lease
    // kept alive for days does not grow the heap without bound (O(1) amortized per renew).
    if (this.#heap.length > 2 * this.#leases.size + 64) this.#rebuild();
  }

  #rebuild(): void {
    const live = [...this.#leases].map(([id, l]) => ({ id, at: l.deadline }));
    this.#heap.length = 0;
    for (const d of live) this.#push(d);
  }

  /** Entries in the deadline heap (tests: stale entries stay bounded). */
  get heapSize(): number {
    return this.#heap.length;
  }

  // A binary min-heap on `at`. Renewals push a new entry and leave the old one stale (skipped
  // when popped), so a renew costs O(log n) and a check touches only the due entries.
  #push(d: Due): void {
    const h = this.#heap;
    h.push(d);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].at <= h[i].at) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  #pop(): Due {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && h[l].at < h[m].at) m = l;
        if (r < h.length && h[r].at < h[m].at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}
