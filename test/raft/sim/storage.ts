// The per-node storage model: exactly what a persistence strategy keeps across a crash.
//
// - Snapshots are durable as soon as the shell writes them (both strategies). A hard state takes
//   an fsync (same delay as the log's) and is lost if the node crashes before it completes; the
//   shell waits for it before it sends what the Ready holds.
// - The log store has a memory view (what was appended) and a durable view (what the last
//   completed fsync/flush wrote). A flush captures the memory log when it starts and makes that
//   durable when it completes (group commit: everything appended meanwhile waits for the next one).
// - DiskFirst and MemFirst "Immediate": a flush starts as soon as something is pending.
//   MemFirst "Batch": a flush starts when `threshold` entries are pending or `interval` time units
//   after the first pending append, whichever is first.
// - sync() (the shell's "a conf change is applied only once durable") starts a flush now and
//   completes once the memory log is durable.
// - crash(): the memory view is replaced by the durable view; in-flight flushes and hard-state
//   writes are lost.

import type { Pending } from "../../../src/node/ready-loop.ts";
import type { Entry, HardState, NodeId, RestoredState, SnapshotMeta } from "../../../src/raft/types.ts";
import type { EventQueue } from "./event-queue.ts";
import type { Prng } from "./prng.ts";
import type { SmImage } from "./state-machine.ts";
import { cloneConf } from "./state-machine.ts";

export type FlushPolicy = { kind: "immediate" } | { kind: "batch"; threshold: number; interval: number };

export interface StorageParams {
  strategy: "disk" | "mem";
  flush: FlushPolicy;
  minFsync: number;
  maxFsync: number;
}

/** A write the virtual clock completes: the shell's loop goes on when it does (never after a crash). */
export class SimPending implements Pending {
  private waiters: Array<() => void> = [];
  then(done: () => void): void {
    this.waiters.push(done);
  }
  resolve(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

export class NodeStorage {
  /** The durable hard state. */
  hardState: HardState = { term: 0, vote: 0 };
  /** Bumped by crash only: a hard-state write in flight is lost. */
  private crashes = 0;
  private syncWaiters: Array<{ index: number; pending: SimPending }> = [];
  /** The durable snapshot (state-machine image + meta); index 0 is the bootstrap state. */
  snapshot: { meta: SnapshotMeta; image: SmImage };
  /** Recent images by index, so a Snap message for the latest-but-one snapshot can still stream. */
  readonly images = new Map<number, SmImage>();
  /** Memory view of the log: entries after compactedThrough (some may be behind the snapshot:
   *  the shell keeps a catch-up tail there). */
  log: Entry[] = [];
  /** Entries up to here were compacted away (never above the snapshot's index). */
  private compactedThrough: number;
  /** Durable view of the log. */
  durable: Entry[] = [];
  /** Bumped by crash and snapshot install: flushes started before are void. */
  private epoch = 0;
  private flushing = false;
  private batchTimer = false;
  /** Lowest index truncated from the memory log since the running flush captured it. */
  private truncatedSince = Infinity;
  /** Highest index reported durable to the current core instance. */
  private lastReported = 0;
  counters = { fsyncs: 0, truncations: 0 };

  constructor(
    readonly id: NodeId,
    private readonly params: StorageParams,
    private readonly queue: EventQueue,
    private readonly rng: Prng,
    bootstrap: { meta: SnapshotMeta; image: SmImage },
    /** Called when entries up to `index` became durable (the shell calls reportDurable). */
    private readonly onDurable: (index: number) => void,
    private readonly trace: ((line: string) => void) | null = null,
  ) {
    this.snapshot = bootstrap;
    this.compactedThrough = bootstrap.meta.index;
    this.images.set(bootstrap.meta.index, bootstrap.image);
  }

  get lastIndex(): number {
    return Math.max(this.snapshot.meta.index, this.log.length > 0 ? this.log[this.log.length - 1].index : 0);
  }

  get durableIndex(): number {
    // What a snapshot covers is durable in it, whatever the log's flushes got to.
    return Math.max(this.snapshot.meta.index, this.durable.length > 0 ? this.durable[this.durable.length - 1].index : 0);
  }

  /** The highest index up to which the memory view is durable as it stands (a truncated and
   *  rewritten suffix is not, until flushed again). What the node's log store calls durableIndex. */
  get agreedDurableIndex(): number {
    const snap = this.snapshot.meta.index;
    let d = Math.min(this.durableIndex, this.lastIndex);
    while (d > snap && this.termAt(d, true) !== this.termAt(d, false)) d--;
    return d;
  }

  /** The term of the entry at `index` in the memory view, or undefined if not held. */
  termAt(index: number, durableOnly: boolean): number | undefined {
    const snap = this.snapshot.meta;
    if (index === snap.index) return snap.term;
    const log = durableOnly ? this.durable : this.log;
    if (log.length === 0 || index < log[0].index || index > log[log.length - 1].index) return undefined;
    return log[index - log[0].index].term;
  }

  /** Appends (truncating a conflicting suffix); returns an error text when the append is malformed. */
  append(entries: Entry[]): string | null {
    if (entries.length === 0) return null;
    const first = entries[0].index;
    if (first <= this.snapshot.meta.index) {
      return `append at index ${first} at or below the snapshot index ${this.snapshot.meta.index}`;
    }
    if (first <= this.lastIndex) {
      this.log.length = first - this.log[0].index;
      this.counters.truncations++;
      if (first < this.truncatedSince) this.truncatedSince = first;
      // The rewritten suffix must be reported durable again once it is.
      if (this.lastReported >= first) this.lastReported = first - 1;
    }
    if (first !== this.lastIndex + 1) return `append at index ${first} leaves a gap after ${this.lastIndex}`;
    for (let i = 0; i < entries.length; i++) {
      if (entries[i].index !== first + i) return `append of non-contiguous entries at ${entries[i].index}`;
      this.log.push(entries[i]);
    }
    this.scheduleFlush();
    return null;
  }

  /** Writes the hard state; durable (and the Pending done) after an fsync delay. */
  saveHardState(hs: HardState): SimPending {
    const pending = new SimPending();
    const saved = { term: hs.term, vote: hs.vote };
    const crashes = this.crashes;
    this.queue.after(this.rng.int(this.params.minFsync, this.params.maxFsync), () => {
      if (crashes !== this.crashes) return;
      this.hardState = saved; // the shell waits for one write before it starts the next
      pending.resolve();
    });
    return pending;
  }

  /** Everything appended so far becomes durable: a flush starts now (MemFirst Batch included). */
  sync(): SimPending | undefined {
    const index = this.lastIndex;
    if (this.agreedDurableIndex >= index) return undefined;
    const pending = new SimPending();
    this.syncWaiters.push({ index, pending });
    if (!this.flushing) this.startFlush();
    return pending;
  }

  private releaseSyncs(): void {
    if (this.syncWaiters.length === 0) return;
    const durable = this.agreedDurableIndex;
    const done = this.syncWaiters.filter((w) => w.index <= durable);
    this.syncWaiters = this.syncWaiters.filter((w) => w.index > durable);
    for (const w of done) w.pending.resolve();
  }

  /** The shell snapshotted its state machine at `image.index` (durable at once); it compacts
   *  the log separately, perhaps keeping a tail behind the snapshot. */
  takeSnapshot(meta: SnapshotMeta, image: SmImage): void {
    this.snapshot = { meta: { index: meta.index, term: meta.term, conf: cloneConf(meta.conf) }, image };
    this.rememberImage(image);
  }

  /** Drops the entries up to `upTo` (at most the snapshot's index) from both views. */
  compactPrefix(upTo: number): void {
    if (upTo <= this.compactedThrough) return;
    if (upTo > this.snapshot.meta.index) throw new Error(`compaction to ${upTo} past the snapshot at ${this.snapshot.meta.index}`);
    this.compactedThrough = upTo;
    this.log = this.log.filter((e) => e.index > upTo);
    this.durable = this.durable.filter((e) => e.index > upTo);
  }

  /** A snapshot from the leader replaces the state machine and the whole log, atomically. */
  installSnapshot(meta: SnapshotMeta, image: SmImage): void {
    this.snapshot = { meta: { index: meta.index, term: meta.term, conf: cloneConf(meta.conf) }, image };
    this.rememberImage(image);
    this.compactedThrough = meta.index;
    this.log = [];
    this.durable = [];
    this.lastReported = meta.index;
    this.epoch++;
    this.flushing = false;
    this.batchTimer = false;
    this.truncatedSince = Infinity;
  }

  private rememberImage(image: SmImage): void {
    this.images.set(image.index, image);
    if (this.images.size > 4) {
      const oldest = Math.min(...this.images.keys());
      this.images.delete(oldest);
    }
  }

  crash(): void {
    this.log = this.durable.slice();
    this.lastReported = 0;
    this.crashes++;
    this.syncWaiters = [];
    this.epoch++;
    this.flushing = false;
    this.batchTimer = false;
    this.truncatedSince = Infinity;
  }

  /** What a restart feeds the core; like the node, it first compacts what the snapshot covers. */
  restored(): RestoredState {
    const snap = this.snapshot.meta;
    this.compactPrefix(snap.index);
    return {
      hardState: { term: this.hardState.term, vote: this.hardState.vote },
      snapshot: { index: snap.index, term: snap.term, conf: cloneConf(snap.conf) },
      entries: this.durable.slice(),
      applied: snap.index,
      durableIndex: this.durableIndex,
    };
  }

  private pending(): number {
    return this.lastIndex - this.durableIndex;
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    const policy = this.params.strategy === "disk" || this.syncWaiters.length > 0 ? ({ kind: "immediate" } as FlushPolicy) : this.params.flush;
    if (policy.kind === "immediate" || this.pending() >= policy.threshold) {
      this.startFlush();
      return;
    }
    if (!this.batchTimer) {
      this.batchTimer = true;
      const epoch = this.epoch;
      this.queue.after(policy.interval, () => {
        if (epoch !== this.epoch || !this.batchTimer) return;
        this.batchTimer = false;
        if (!this.flushing && this.pending() > 0) this.startFlush();
      });
    }
  }

  private startFlush(): void {
    this.flushing = true;
    this.batchTimer = false;
    const captured = this.log.slice();
    const snapIndexAtStart = this.snapshot.meta.index;
    this.truncatedSince = Infinity;
    const epoch = this.epoch;
    this.queue.after(this.rng.int(this.params.minFsync, this.params.maxFsync), () => {
      if (epoch !== this.epoch) return;
      this.flushing = false;
      this.counters.fsyncs++;
      const compacted = this.compactedThrough;
      // The flush wrote what it captured; a compaction meanwhile already dropped the prefix.
      this.durable = captured.filter((e) => e.index > compacted);
      let reported = captured.length > 0 ? captured[captured.length - 1].index : snapIndexAtStart;
      // Entries truncated and rewritten after the capture are not durable in their new form.
      if (this.truncatedSince !== Infinity) {
        reported = Math.min(reported, this.truncatedSince - 1);
      }
      this.truncatedSince = Infinity;
      if (this.trace) this.trace(`n${this.id} fsync done: durable ${this.durableIndex} (wrote ${captured.length > 0 ? `${captured[0].index}..${captured[captured.length - 1].index}` : "nothing"}), report ${reported > this.lastReported ? reported : "-"}`);
      if (reported > this.lastReported) {
        this.lastReported = reported;
        this.onDurable(reported);
      }
      if (epoch !== this.epoch) return; // the report crashed or reset the node
      this.releaseSyncs();
      if (this.pending() > 0 || this.durableDiffers()) this.scheduleFlush();
    });
  }

  /** True when the durable view is not a prefix of the memory view (a truncation awaits a flush). */
  private durableDiffers(): boolean {
    const d = this.durable;
    if (d.length === 0) return false;
    const last = d[d.length - 1];
    const t = this.termAt(last.index, false);
    return t !== last.term;
  }
}
