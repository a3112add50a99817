// What the rest of trireme sees of the log store (implemented by SqliteLogStore in log-store.ts).
import type { PersistenceConfig } from "../config/types.ts";
import type { Entry, HardState } from "../raft/types.ts";
import type { LagWarnPolicy } from "./flush-lag.ts";
import type { LogFn } from "../log/log.ts";
import type { StorageStats } from "./stats.ts";

export interface LogStore {
  /** Accepts `entries` (consecutive) at once; a first index at or below lastIndex() replaces the
   *  suffix from there. Returns a promise only when a MemFirst buffer is full: the entries are
   *  accepted when it resolves; the caller must await it before appending again. */
  append(entries: Entry[]): void | Promise<void>;
  readonly durableIndex: number;
  /** Called after durableIndex advances, asynchronously, in order, once per written batch, with
   *  the term of the entry at durableIndex (so a caller can tell a replaced write apart without
   *  reading it back from disk). */
  onDurable(listener: (durableIndex: number, term: number | undefined) => void): void;
  /** Called after every write transaction (one fsync): for the metrics histograms. */
  onCommit(listener: (commitMs: number, entries: number) => void): void;
  firstIndex(): number;
  lastIndex(): number;
  /** Term of `index`, including firstIndex()-1 (the last compacted entry) when known. */
  term(index: number): number | undefined;
  /** Entries in [lo, hi), lo >= firstIndex(), hi <= lastIndex() + 1. */
  entries(lo: number, hi: number): Entry[];
  /** Drops entries <= upTo (after a snapshot at upTo). `termAtUpTo` is needed when upTo is
   *  beyond lastIndex() (a snapshot received from the leader): the log then becomes empty. */
  compactPrefix(upTo: number, termAtUpTo?: number): void;
  /** Every stored entry in order: what the node feeds the Raft core at start-up. */
  loadAll(): Entry[];
  flushLag(): { entries: number; oldestUnflushedAgeMs: number };
  /** Resolves once every entry appended so far is durable (MemFirst: flushes now, whatever the
   *  flush policy). */
  sync(): Promise<void>;
  stats(): StorageStats;
  /** Writes everything still buffered, then closes the writer. */
  close(): Promise<void>;
}

export interface HardStateStore {
  load(): HardState;
  /** Resolves once `hs` is durable (fsynced). */
  save(hs: HardState): Promise<void>;
}

export interface LogStoreOptions {
  persistence: PersistenceConfig;
  logger?: LogFn;
  /** Defaults: Batch -> (threshold, 2 x interval_ms); otherwise (max_buffered_entries / 2, 1 s). */
  lagWarn?: LagWarnPolicy;
  /** The database path, for error messages. */
  file: string;
}
