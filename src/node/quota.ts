// The space quota (etcd's --quota-backend-bytes, server/etcdserver/quota.go), over what this
// member keeps on disk for the cluster: kv.db (etcd's backend), the Raft log and the snapshots.
// A write that can grow the store is admitted only while usage + its cost stays under the quota;
// the member then raises NOSPACE through Raft (alarms.ts), and every member refuses such writes
// until an operator makes room (compact, defragment) and disarms the alarm.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { AlarmErrors, quotaCost } from "../kv/alarms.ts";
import type { ApplyResult, InternalRequest } from "../kv/types.ts";
import { openSqlite, type SqliteDb, type Statement } from "../storage/sqlite.ts";

/** etcd's DefaultQuotaBytes: what `quota_backend_bytes = 0` means. */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;
/** etcd warns above this (MaxQuotaBytes): a larger store slows down snapshots and restarts. */
export const SUGGESTED_MAX_QUOTA_BYTES = 8 * 1024 * 1024 * 1024;

/** The quota in bytes for a configured value, as etcd reads its flag: 0 = the default,
 *  negative = none (Infinity). */
export function quotaBytes(configured: number): number {
  if (configured < 0) return Infinity;
  return configured === 0 ? DEFAULT_QUOTA_BYTES : configured;
}

/**
 * What the quota counts in a data directory: kv.db's size as SQLite sees it (etcd's backend
 * size: free pages count until a defragment returns them), the pages of the Raft log in use
 * (log.db never shrinks, but the pages a log compaction frees are reused, so counting its file
 * would leave a member over quota for good), and every file under snapshots/.
 */
export class DataDirUsage {
  #log: SqliteDb | undefined;
  /** The log's pages in use, one prepared statement kept for the connection's life. */
  #inUse: Statement | undefined;
  #logFailed = false;

  constructor(private readonly dir: string, private readonly kvBytes: () => number) {}

  measure(): number {
    let total = this.kvBytes() + this.#logInUse();
    const snaps = join(this.dir, "snapshots");
    for (const name of safeList(snaps)) total += sizeOf(join(snaps, name));
    return total;
  }

  #logInUse(): number {
    const path = join(this.dir, "log.db");
    if (this.#log === undefined && !this.#logFailed) {
      try {
        this.#log = openSqlite(path, { readonly: true });
        this.#inUse = this.#log.prepare(
          "SELECT (c.page_count - f.freelist_count) * s.page_size AS bytes FROM pragma_page_count() c, pragma_freelist_count() f, pragma_page_size() s",
        );
      } catch {
        this.close();
        this.#logFailed = true; // counted by its file size instead
      }
    }
    if (this.#inUse === undefined) return sizeOf(path);
    try {
      return this.#inUse.get()!.bytes as number;
    } catch {
      return sizeOf(path);
    }
  }

  close(): void {
    this.#inUse = undefined;
    this.#log?.close();
    this.#log = undefined;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export interface SpaceQuotaOptions {
  /** `limits.quota_backend_bytes` as configured. */
  configured: number;
  /** Bytes in use now (DataDirUsage.measure of the member's directory). */
  usage: () => number;
  /** Milliseconds a measured usage is reused while it is above half the quota. */
  refreshMs?: number;
  /** Milliseconds it is reused below half the quota: there the writes of one such interval
   *  cannot reach the quota unnoticed, since what they cost is added until the next measure. */
  idleRefreshMs?: number;
  now?: () => number;
}

export class SpaceQuota {
  readonly limit: number;
  readonly #usage: () => number;
  readonly #refreshMs: number;
  readonly #idleRefreshMs: number;
  readonly #now: () => number;
  #measured = 0;
  /** etcd's costs of the writes applied since the last measure: the estimate between measures. */
  #appliedCost = 0;
  #at = -Infinity;

  constructor(opts: SpaceQuotaOptions) {
    this.limit = quotaBytes(opts.configured);
    this.#usage = opts.usage;
    this.#refreshMs = opts.refreshMs ?? 100;
    this.#idleRefreshMs = Math.max(this.#refreshMs, opts.idleRefreshMs ?? 1000);
    this.#now = opts.now ?? (() => performance.now());
  }

  get enabled(): boolean {
    return this.limit !== Infinity;
  }

  /** Bytes in use: measured every refreshMs near the quota (above half of it), every
   *  idleRefreshMs below; in between, the last measure plus what the writes applied since cost. */
  used(): number {
    const now = this.#now();
    const estimate = this.#measured + this.#appliedCost;
    const every = estimate * 2 >= this.limit ? this.#refreshMs : this.#idleRefreshMs;
    if (now - this.#at < every) return estimate;
    this.#measured = this.#usage();
    this.#appliedCost = 0;
    this.#at = now;
    return this.#measured;
  }

  /** etcd's backendQuota.Available: false when the request could grow the store past the quota.
   *  A request that cannot grow it (delete, compaction, lease revoke, alarm) is always admitted. */
  admits(req: InternalRequest): boolean {
    if (!this.enabled) return true;
    const cost = quotaCost(req);
    return cost === 0 || this.used() + cost < this.limit;
  }

  /**
   * etcd's quotaApplierV3, before a batch of committed entries is applied: every member applies
   * them all (the log decides, not the room), but a write this member had no room for is
   * answered `database space exceeded` by it. Returns, per entry, whether it is past the quota
   * (undefined when none is: the usual case), counting the entries before it in the batch.
   */
  applying(entries: readonly { request: InternalRequest | null }[]): boolean[] | undefined {
    if (!this.enabled) return undefined;
    let over: boolean[] | undefined;
    let used = this.used();
    for (let i = 0; i < entries.length; i++) {
      const req = entries[i].request;
      const cost = req ? quotaCost(req) : 0;
      if (cost === 0) continue;
      if (used + cost >= this.limit) (over ??= new Array<boolean>(entries.length).fill(false))[i] = true;
      used += cost;
      this.#appliedCost += cost;
    }
    return over;
  }

  /** Usage is past the quota (the member should hold NOSPACE). */
  exceeded(): boolean {
    return this.enabled && this.used() >= this.limit;
  }
}

/** The answers for a batch's waiting clients: a write past the quota (`over`, from
 *  SpaceQuota.applying) that applied is answered `database space exceeded`, as etcd's
 *  quotaApplierV3 answers; one refused anyway keeps its own error. Returns `results` itself
 *  when nothing changed. */
export function capAnswers(results: readonly (ApplyResult | null)[], over: readonly boolean[]): (ApplyResult | null)[] {
  let out: (ApplyResult | null)[] | undefined;
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    if (!over[i] || r === null || r.op === "error") continue;
    (out ??= results.slice())[i] = { op: "error", error: AlarmErrors.noSpace() };
  }
  return out ?? (results as (ApplyResult | null)[]);
}
