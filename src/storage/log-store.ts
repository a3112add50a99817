// The log store: DiskFirst and MemFirst are one mechanism with two flush triggers.
//
// Entries live in an in-memory tail until the writer worker has committed them; the durable
// index is always "one before the first entry still in the tail". When the writer is idle a
// flush is sent at once (after the current synchronous run); while a commit is in flight,
// appends are gathered until the end of the event-loop turn and sent as one more batch, which
// the worker joins with every other queued batch into its next transaction: group commit, one
// transaction and one fsync per wake-up, and the next one starts as soon as the previous commit
// returns, without waiting for this thread. What the strategies change:
//   DiskFirst        flush as soon as the writer is idle; the node acknowledges durableIndex.
//   MemFirst         the tail is a bounded buffer (appends wait when full) and the flush policy
//                    decides when to write: "Immediate" like DiskFirst, or Batch when
//                    `threshold` entries are pending or the oldest pending one is
//                    `interval_ms` old.
// Hard state rides in the same batches (same transaction, same sync), so saving it never
// overtakes or falls behind the log writes that preceded it.
import { performance } from "node:perf_hooks";
import type { FlushPolicy } from "../config/types.ts";
import type { Entry, HardState } from "../raft/types.ts";
import { StorageError } from "./errors.ts";
import { FlushLagMonitor } from "./flush-lag.ts";
import { InFlight, type Waiter } from "./in-flight.ts";
import type { HardStateStore, LogStore, LogStoreOptions } from "./log-store-api.ts";
import type { LogDbState, LogReader } from "./log-db.ts";
import { silentLog, type LogFn } from "../log/log.ts";
import { packBatch } from "./protocol.ts";
import { newStats, observeCommit, type StorageStats } from "./stats.ts";
import { Tail } from "./tail.ts";
import type { WriterClient } from "./writer.ts";

export type { HardStateStore, LogStore, LogStoreOptions } from "./log-store-api.ts";

interface QueuedAppend extends Waiter {
  entries: Entry[];
  since: number;
}

/** Most entries per write transaction (see sendBatch). */
export const MAX_BATCH_ENTRIES = 4096;

function batchPolicy(p: FlushPolicy): { threshold: number; intervalMs: number } | undefined {
  return typeof p === "object" ? { threshold: p.Batch.threshold, intervalMs: p.Batch.interval_ms } : undefined;
}

export class SqliteLogStore implements LogStore, HardStateStore {
  private first: number;
  private last: number;
  private prevTerm: number;
  private hardState: HardState;
  private readonly tail = new Tail();
  /** Highest index already handed to the writer (pending entries are lastSent+1 .. last). */
  private lastSent: number;
  private readonly inFlight = new InFlight();
  private followUp = false;
  private seq = 0;
  private pendingHardState: { hs: HardState; waiters: Waiter[] } | undefined;
  private pendingCompact: { upTo: number; prevTerm: number } | undefined;
  private readonly queued: QueuedAppend[] = [];
  private readonly listeners: ((durableIndex: number, term: number | undefined) => void)[] = [];
  private readonly commitListeners: ((commitMs: number, entries: number) => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly counters = newStats();
  private readonly memFirst: boolean;
  private readonly maxBuffered: number;
  private readonly batch: { threshold: number; intervalMs: number } | undefined;
  private readonly logger: LogFn;
  private readonly lag: FlushLagMonitor;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushScheduled = false;
  private closing = false;
  private closed = false;
  private failure: StorageError | undefined;
  private readonly errorListeners: ((err: StorageError) => void)[] = [];

  constructor(
    private readonly reader: LogReader,
    private readonly writer: WriterClient,
    state: LogDbState,
    private readonly opts: LogStoreOptions,
  ) {
    this.first = state.firstIndex;
    this.last = state.lastIndex;
    this.lastSent = state.lastIndex;
    this.prevTerm = state.prevTerm;
    this.hardState = state.hardState;
    this.memFirst = opts.persistence.strategy === "MemFirst";
    this.batch = this.memFirst ? batchPolicy(opts.persistence.flush_policy) : undefined;
    // Under Batch the unflushed window (in flight to the writer or waiting) never exceeds
    // `threshold`: that is what a crash can lose (the documented loss window), even while a slow fsync runs.
    this.maxBuffered = Math.max(1, Math.min(opts.persistence.max_buffered_entries, this.batch?.threshold ?? Infinity));
    this.logger = opts.logger ?? silentLog;
    const warn = opts.lagWarn ??
      (this.batch
        ? { entries: this.batch.threshold, afterMs: 2 * this.batch.intervalMs }
        : { entries: Math.max(1, Math.floor(this.maxBuffered / 2)), afterMs: 1000 });
    this.lag = new FlushLagMonitor(warn, () => this.flushLag(), this.logger, () => this.counters.lagWarnings++, () => performance.now());
  }

  /** Wired by openDataDir: the writer's events land here. */
  writerDone(seq: number, commitMs: number): void {
    const taken = this.inFlight.take(seq);
    if (typeof taken === "string") return this.writerFailed(taken);
    const { end, entries, waiters } = taken;
    observeCommit(this.counters, commitMs, entries);
    for (const l of this.commitListeners) l(commitMs, entries);
    const before = this.durableIndex;
    const endTerm = this.tail.at(end)?.term;
    this.tail.dropThrough(end);
    for (const w of waiters) w.resolve();
    this.admitQueued();
    const durable = this.durableIndex;
    if (durable > before) {
      const term = durable === end ? endTerm : this.term(durable);
      for (const l of this.listeners) l(durable, term);
    }
    this.maybeFlush();
    if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  writerFailed(message: string): void {
    if (this.failure !== undefined) return;
    const err = new StorageError("write-failed", this.opts.file, `writing the log failed, the node must stop: ${message}`);
    this.failure = err;
    this.logger("error", err.message, { file: this.opts.file });
    const waiters = [
      ...this.inFlight.clear(),
      ...(this.pendingHardState?.waiters ?? []),
      ...this.queued.splice(0),
    ];
    this.pendingHardState = undefined;
    for (const w of waiters) w.reject(err);
    for (const w of this.idleWaiters.splice(0)) w();
    for (const l of this.errorListeners) l(err);
  }

  /** Fatal write errors (the node should stop). */
  onError(listener: (err: StorageError) => void): void {
    this.errorListeners.push(listener);
  }

  get durableIndex(): number {
    return this.tail.length > 0 ? this.tail.start - 1 : this.last;
  }

  onDurable(listener: (durableIndex: number, term: number | undefined) => void): void {
    this.listeners.push(listener);
  }

  onCommit(listener: (commitMs: number, entries: number) => void): void {
    this.commitListeners.push(listener);
  }

  firstIndex(): number {
    return this.first;
  }

  lastIndex(): number {
    return this.last;
  }

  append(entries: Entry[]): void | Promise<void> {
    this.ensureOpen();
    if (entries.length === 0) return;
    this.validate(entries);
    this.counters.appends++;
    if (this.memFirst && (this.queued.length > 0 || !this.fits(entries.length))) {
      this.counters.backpressureWaits++;
      return new Promise<void>((resolve, reject) => {
        this.queued.push({ entries, resolve, reject, since: performance.now() });
        this.maybeFlush();
      });
    }
    this.admit(entries);
  }

  private fits(n: number): boolean {
    return this.tail.length === 0 || this.tail.length + n <= this.maxBuffered;
  }

  private validate(entries: Entry[]): void {
    const s = entries[0]!.index;
    for (let i = 1; i < entries.length; i++) {
      if (entries[i]!.index !== s + i) {
        throw new StorageError("invalid-argument", this.opts.file, `append: entries are not consecutive (index ${entries[i]!.index} at position ${i} after ${s})`);
      }
    }
    // A queued append is validated against the log it will meet, so allow for those ahead of it.
    const last = this.queued.length > 0 ? this.queued[this.queued.length - 1]!.entries.at(-1)!.index : this.last;
    if (s > last + 1) {
      throw new StorageError("invalid-argument", this.opts.file, `append: first index ${s} would leave a gap after last index ${last}`);
    }
    if (s < this.first) {
      throw new StorageError("invalid-argument", this.opts.file, `append: first index ${s} is below the first index ${this.first} (compacted)`);
    }
  }

  private admit(entries: Entry[]): void {
    const s = entries[0]!.index;
    if (s <= this.last) {
      // Suffix truncation: the new entries replace everything from s. The writer deletes from
      // the batch's first index in the same transaction as it inserts.
      this.counters.truncations++;
      this.tail.truncateFrom(s);
      if (this.lastSent >= s) this.lastSent = s - 1;
      this.inFlight.truncateFrom(s);
    }
    this.tail.push(entries, performance.now());
    this.last = entries[entries.length - 1]!.index;
    this.counters.entriesAppended += entries.length;
    this.scheduleFlush();
    this.lag.poke(this.last - this.durableIndex);
  }

  private admitQueued(): void {
    while (this.queued.length > 0 && this.fits(this.queued[0]!.entries.length)) {
      const q = this.queued.shift()!;
      this.counters.backpressureWaitMsSum += performance.now() - q.since;
      this.admit(q.entries);
      q.resolve();
    }
  }

  term(index: number): number | undefined {
    if (index === 0) return 0;
    if (index === this.first - 1) return this.prevTerm > 0 ? this.prevTerm : undefined;
    if (index < this.first || index > this.last) return undefined;
    const e = this.tail.at(index);
    return e !== undefined ? e.term : this.reader.term(index);
  }

  entries(lo: number, hi: number): Entry[] {
    if (lo < this.first || hi > this.last + 1 || lo > hi) {
      throw new StorageError("invalid-argument", this.opts.file, `entries(${lo}, ${hi}) is outside the log [${this.first}, ${this.last + 1})`);
    }
    const tailStart = this.tail.length > 0 ? this.tail.start : this.last + 1;
    const fromDb = this.reader.entries(lo, Math.min(hi, tailStart));
    return hi > tailStart ? fromDb.concat(this.tail.slice(lo, hi)) : fromDb;
  }

  loadAll(): Entry[] {
    return this.entries(this.first, this.last + 1);
  }

  compactPrefix(upTo: number, termAtUpTo?: number): void {
    this.ensureOpen();
    if (upTo < this.first) return;
    const prevTerm = termAtUpTo ?? this.term(upTo);
    if (prevTerm === undefined) {
      throw new StorageError("invalid-argument", this.opts.file, `compactPrefix(${upTo}): beyond the last index ${this.last}, the term at ${upTo} must be given`);
    }
    this.counters.compactions++;
    if (upTo >= this.last) {
      this.tail.truncateFrom(this.first);
      this.last = upTo;
    } else {
      // Entries <= upTo that were never written need not be: the snapshot holds them.
      this.tail.dropThrough(upTo);
    }
    if (this.lastSent < upTo) this.lastSent = upTo;
    this.first = upTo + 1;
    this.prevTerm = prevTerm;
    this.pendingCompact = { upTo, prevTerm };
    this.scheduleFlush();
  }

  load(): HardState {
    return { ...this.hardState };
  }

  sync(): Promise<void> {
    // Rewriting the current hard state makes the next write transaction carry every pending entry.
    return this.last <= this.durableIndex ? Promise.resolve() : this.save(this.hardState);
  }

  save(hs: HardState): Promise<void> {
    this.ensureOpen();
    this.hardState = { ...hs };
    return new Promise<void>((resolve, reject) => {
      if (this.pendingHardState === undefined) this.pendingHardState = { hs: { ...hs }, waiters: [] };
      this.pendingHardState.hs = { ...hs };
      this.pendingHardState.waiters.push({ resolve, reject });
      this.scheduleFlush();
    });
  }

  flushLag(): { entries: number; oldestUnflushedAgeMs: number } {
    const oldest = this.tail.oldestArrival();
    return { entries: this.last - this.durableIndex, oldestUnflushedAgeMs: oldest === undefined ? 0 : performance.now() - oldest };
  }

  stats(): StorageStats {
    return { ...this.counters, commitMsBuckets: [...this.counters.commitMsBuckets] };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.maybeFlush();
    if (!this.isIdle() && this.failure === undefined) await new Promise<void>((r) => this.idleWaiters.push(r));
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.lag.stop();
    this.reader.close();
    await this.writer.close();
  }

  private ensureOpen(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closing) throw new StorageError("closed", this.opts.file, "the log store is closed");
  }

  private isIdle(): boolean {
    return this.inFlight.length === 0 && this.pendingHardState === undefined && this.pendingCompact === undefined &&
      this.lastSent >= this.last && this.queued.length === 0;
  }

  /** Appends in one synchronous run (one Ready, or many appenders woken by one durable report)
   *  are coalesced into one batch by deferring the decision to a microtask. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.maybeFlush();
    });
  }

  private maybeFlush(): void {
    if (this.failure !== undefined || (this.followUp && this.inFlight.length > 0)) return;
    const pending = this.last - this.lastSent;
    if (pending === 0 && this.pendingHardState === undefined && this.pendingCompact === undefined) return;
    if (!this.flushDue(pending)) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.inFlight.length === 0) {
      this.sendBatch();
      return;
    }
    // A commit is syncing: what arrives during the rest of this turn joins the same batch, which
    // then goes behind the commit at once, so the worker starts its transaction the moment that
    // commit returns. (Deferring again while the commit is still in flight would spin the event
    // loop on setImmediate for the whole sync.)
    if (this.followUp) return;
    this.followUp = true;
    setImmediate(() => {
      this.followUp = false;
      if (this.failure !== undefined) return;
      const pending = this.last - this.lastSent;
      const work = pending > 0 || this.pendingHardState !== undefined || this.pendingCompact !== undefined;
      if (this.inFlight.length === 0 || !work || !this.flushDue(pending)) return this.maybeFlush();
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.sendBatch();
    });
  }

  private flushDue(pending: number): boolean {
    if (this.batch === undefined || this.closing || this.pendingHardState !== undefined || this.pendingCompact !== undefined) return true;
    if (this.queued.length > 0 || pending >= this.batch.threshold) return true;
    const oldest = this.arrivalOfPending();
    const age = oldest === undefined ? 0 : performance.now() - oldest;
    if (age >= this.batch.intervalMs) return true;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.maybeFlush();
      }, Math.max(0, this.batch.intervalMs - age));
    }
    return false;
  }

  private arrivalOfPending(): number | undefined {
    return this.tail.arrivalOf(this.lastSent + 1);
  }

  private sendBatch(): void {
    // Packing a batch runs on the event loop; a cap keeps one pack short (a few ms at most on a
    // busy machine). The rest goes in the next batch, one event-loop turn later.
    const end = Math.min(this.last, this.lastSent + MAX_BATCH_ENTRIES);
    const entries = this.tail.slice(this.lastSent + 1, end + 1);
    const hs = this.pendingHardState;
    const compact = this.pendingCompact;
    this.pendingHardState = undefined;
    this.pendingCompact = undefined;
    const seq = ++this.seq;
    this.inFlight.push({ seq, end, entries: entries.length, hardStateWaiters: hs?.waiters ?? [] });
    this.lastSent = end;
    const { message, transfer } = packBatch(seq, entries, hs?.hs, compact);
    this.writer.send(message, transfer);
    if (this.last > this.lastSent) this.maybeFlush();
  }
}
