// The space quota (etcd's --quota-backend-bytes, server/etcdserver/quota.go), over what this
// member keeps on disk for the cluster: kv.db (etcd's backend), the Raft log and the snapshots.
// A write that can grow the store is admitted only while usage + its cost stays under the quota;
// the member then raises NOSPACE through Raft (alarms.ts), and every member refuses such writes
// until an operator makes room (compact, defragment) and disarms the alarm.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { quotaCost } from "../kv/alarms.ts";
import type { InternalRequest } from "../kv/types.ts";
import { openSqlite, type SqliteDb } from "../storage/sqlite.ts";

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
      } catch {
        this.#logFailed = true; // counted by its file size instead
      }
    }
    if (this.#log === undefined) return sizeOf(path);
    try {
      const page = this.#log.prepare("PRAGMA page_size").get()!.page_size as number;
      const pages = this.#log.prepare("PRAGMA page_count").get()!.page_count as number;
      const free = this.#log.prepare("PRAGMA freelist_count").get()!.freelist_count as number;
      return (pages - free) * page;
    } catch {
      return sizeOf(path);
    }
  }

  close(): void {
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
  /** Milliseconds a measured usage is reused: the stats are cheap, but not per request. */
  refreshMs?: number;
  now?: () => number;
}

export class SpaceQuota {
  readonly limit: number;
  readonly #usage: () => number;
  readonly #refreshMs: number;
  readonly #now: () => number;
  #measured = 0;
  #at = -Infinity;

  constructor(opts: SpaceQuotaOptions) {
    this.limit = quotaBytes(opts.configured);
    this.#usage = opts.usage;
    this.#refreshMs = opts.refreshMs ?? 100;
    this.#now = opts.now ?? (() => performance.now());
  }

  get enabled(): boolean {
    return this.limit !== Infinity;
  }

  /** Bytes in use, measured at most every refreshMs. */
  used(): number {
    const now = this.#now();
    if (now - this.#at >= this.#refreshMs) {
      this.#measured = this.#usage();
      this.#at = now;
    }
    return this.#measured;
  }

  /** etcd's backendQuota.Available: false when the request could grow the store past the quota.
   *  A request that cannot grow it (delete, compaction, lease revoke, alarm) is always admitted. */
  admits(req: InternalRequest): boolean {
    if (!this.enabled) return true;
    const cost = quotaCost(req);
    return cost === 0 || this.used() + cost < this.limit;
  }

  /** Usage is past the quota (the member should hold NOSPACE). */
  exceeded(): boolean {
    return this.enabled && this.used() >= this.limit;
  }
}
