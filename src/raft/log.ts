// The in-memory Raft log (etcd's MemoryStorage + unstable in one): every uncompacted entry after the
// latest snapshot, plus the watermarks that say how far the shell has stored, flushed and applied it.
//
//   snapshot.index < appliedOut <= committed <= lastIndex
//   durable <= handedOut <= lastIndex   (the shell cannot flush what it was never given)

import { invariant } from "./invariant.ts";
import type { Entry, SnapshotMeta } from "./types.ts";

export class RaftLog {
  /** The log starts right after this (the latest snapshot the core knows). */
  snapshot: SnapshotMeta;
  private entries: Entry[];
  committed: number;
  /** Last index given to the shell in `Ready.entries`. */
  handedOut: number;
  /** Last index whose Ready was advanced: the shell's log store holds entries up to here. */
  stable: number;
  /** Last index the shell reported durable. */
  durable: number;
  /** Last index given to the shell in `Ready.committedEntries` (or installed by snapshot). */
  appliedOut: number;
  /** Last index applied by the shell (its Ready was advanced). */
  applied: number;
  /** Set when the restored entries held a stale tail from this index on (dropped). */
  readonly staleFrom: number | undefined;
  /** Lowest index truncated since takeTruncatedFrom() was last called. */
  private truncatedFrom: number | undefined;

  constructor(snapshot: SnapshotMeta, entries: Entry[]) {
    let expected = snapshot.index + 1;
    let prevTerm = snapshot.term;
    let keep = entries.length;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e.index !== expected) {
        throw new Error(
          `restored log is not contiguous: expected entry index ${expected} after snapshot ${snapshot.index}, got ${e.index}`,
        );
      }
      if (e.term < prevTerm && keep === entries.length) {
        // Terms never decrease along a Raft log: from here on the store kept entries of an older
        // branch that a truncation replaced before it reached the disk (MemFirst). A leader truncated
        // them, so they were never committed (nor applied): drop them.
        keep = i;
        this.staleFrom = e.index;
      }
      prevTerm = e.term;
      expected++;
    }
    this.snapshot = snapshot;
    this.entries = entries.slice(0, keep);
    this.committed = snapshot.index;
    this.handedOut = this.lastIndex();
    this.stable = this.lastIndex();
    this.durable = this.lastIndex();
    this.appliedOut = snapshot.index;
    this.applied = snapshot.index;
  }

  firstIndex(): number {
    return this.snapshot.index + 1;
  }
  lastIndex(): number {
    return this.snapshot.index + this.entries.length;
  }
  lastTerm(): number {
    return this.term(this.lastIndex()) as number;
  }
  /** The term of the entry at `index`; undefined when compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshot.index) return this.snapshot.term;
    if (index < this.snapshot.index || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshot.index - 1].term;
  }
  entry(index: number): Entry | undefined {
    if (index <= this.snapshot.index || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshot.index - 1];
  }
  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }
  /** Entries lo..hi inclusive, clamped to what exists. */
  slice(lo: number, hi: number): Entry[] {
    const from = Math.max(lo, this.firstIndex()) - this.snapshot.index - 1;
    const to = Math.min(hi, this.lastIndex()) - this.snapshot.index;
    return from < to ? this.entries.slice(from, to) : [];
  }
  /** Entries from `lo` on, at least one if any exist, bounded by count and payload bytes. */
  sliceLimited(lo: number, maxCount: number, maxBytes: number): Entry[] {
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i <= this.lastIndex() && out.length < maxCount; i++) {
      const e = this.entries[i - this.snapshot.index - 1];
      if (out.length > 0 && bytes + e.data.byteLength > maxBytes) break;
      bytes += e.data.byteLength;
      out.push(e);
    }
    return out;
  }

  /** "Is a log ending at (lastIndex, lastTerm) at least as up to date as ours?" (§5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Appends entries that follow the last one (a leader's own proposals). */
  append(entries: Entry[]): void {
    for (const e of entries) {
      invariant(e.index === this.lastIndex() + 1, "log indexes contiguous", () =>
        `appending index ${e.index} after last index ${this.lastIndex()}`);
      this.entries.push(e);
    }
  }

  /** The first entry of `entries` that is not in our log with the same term, or 0 if all are. */
  findConflict(entries: Entry[]): number {
    for (const e of entries) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /** The largest index <= `index` whose term is <= `term` (fast backtracking, etcd's rule), with its
   *  term. When that index lies in the compacted prefix, returns snapshot.index - 1 with term 0: the
   *  leader then probes below its snapshot, which sends the snapshot. */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    if (index > this.lastIndex()) return { index, term: 0 };
    for (let i = index; i >= this.snapshot.index; i--) {
      const t = this.term(i) as number;
      if (t <= term) return { index: i, term: t };
    }
    return { index: Math.max(0, this.snapshot.index - 1), term: 0 };
  }

  /** A follower's append of `entries` after (prevIndex, prevTerm). Returns the last index now known
   *  to match the leader, or undefined when the log does not contain (prevIndex, prevTerm). */
  maybeAppend(prevIndex: number, prevTerm: number, entries: Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    for (let i = 0; i < entries.length; i++) {
      invariant(entries[i].index === prevIndex + 1 + i, "log indexes contiguous", () =>
        `append after ${prevIndex} carries index ${entries[i].index} at position ${i}`);
    }
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      invariant(conflict > this.committed, "committed entries never truncated", () =>
        `an append conflicts at index ${conflict} but the commit index is ${this.committed}`);
      this.truncateAndAppend(entries.slice(conflict - prevIndex - 1));
    }
    return prevIndex + entries.length;
  }

  /** Throws if (prevIndex, prevTerm) or `entries` contradict a committed entry we still hold. */
  assertAgreesUpToCommit(prevIndex: number, prevTerm: number, entries: Entry[]): void {
    const check = (index: number, term: number) => {
      // The snapshot's own index keeps its term: an append that contradicts it contradicts
      // committed state too (MemFirst: a member adopted its state machine one entry past what
      // the new majority kept, and acknowledging it anyway wedged replication for good).
      if (index < this.snapshot.index || index > this.committed) return;
      invariant(this.term(index) === term, "committed entries never truncated", () =>
        `an append has term ${term} at index ${index}, our committed entry there has term ${this.term(index)} (commit ${this.committed})`);
    };
    check(prevIndex, prevTerm);
    for (const e of entries) check(e.index, e.term);
  }

  private truncateAndAppend(entries: Entry[]): void {
    const first = entries[0].index;
    invariant(first > this.snapshot.index && first <= this.lastIndex() + 1, "log indexes contiguous", () =>
      `cannot place index ${first} in a log spanning ${this.firstIndex()}..${this.lastIndex()}`);
    if (first <= this.lastIndex()) {
      this.entries.length = first - this.snapshot.index - 1;
      this.truncatedFrom = Math.min(this.truncatedFrom ?? first, first);
      // The shell's copies from `first` on are replaced: nothing there is stored or durable any more.
      this.handedOut = Math.min(this.handedOut, first - 1);
      this.stable = Math.min(this.stable, first - 1);
      this.durable = Math.min(this.durable, first - 1);
    }
    for (const e of entries) this.entries.push(e);
  }

  takeTruncatedFrom(): number | undefined {
    const t = this.truncatedFrom;
    this.truncatedFrom = undefined;
    return t;
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    invariant(index <= this.lastIndex(), "commit within log", () =>
      `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
    return true;
  }

  /** Replaces the whole log by a snapshot received from the leader. */
  installSnapshot(meta: SnapshotMeta): void {
    invariant(meta.index > this.committed, "snapshot newer than commit", () =>
      `installing snapshot ${meta.index} at commit ${this.committed}`);
    this.snapshot = meta;
    this.entries = [];
    this.truncatedFrom = undefined;
    this.committed = meta.index;
    this.handedOut = meta.index;
    this.stable = meta.index;
    this.durable = meta.index;
    this.appliedOut = meta.index;
  }

  /** Drops entries up to `index` (the shell snapshotted there). */
  compact(meta: SnapshotMeta): void {
    invariant(meta.index > this.snapshot.index && meta.index <= this.applied, "compact only applied entries", () =>
      `compact to ${meta.index}: snapshot at ${this.snapshot.index}, applied ${this.applied}`);
    this.entries = this.entries.slice(meta.index - this.snapshot.index);
    this.snapshot = meta;
  }
}
