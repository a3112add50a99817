// The unflushed tail of the log: consecutive entries from `start` to `end`, oldest first. Removal
// happens at the front (made durable) or the back (suffix truncation), so a plain array with a
// moving head is enough; it is compacted when the dead head grows large.
import type { Entry } from "../raft/types.ts";

export class Tail {
  private items: Entry[] = [];
  private head = 0;
  /** performance.now() when each entry arrived, for the flush-lag age. */
  private arrived: number[] = [];

  get length(): number {
    return this.items.length - this.head;
  }
  /** Index of the first entry; meaningless when empty. */
  get start(): number {
    return this.items[this.head]!.index;
  }
  at(index: number): Entry | undefined {
    if (this.length === 0) return undefined;
    return this.items[this.head + index - this.start];
  }
  arrivalOf(index: number): number | undefined {
    if (this.length === 0) return undefined;
    const i = index - this.start;
    return i >= 0 && i < this.length ? this.arrived[this.head + i] : undefined;
  }
  oldestArrival(): number | undefined {
    return this.length === 0 ? undefined : this.arrived[this.head];
  }
  push(entries: readonly Entry[], now: number): void {
    for (const e of entries) {
      this.items.push(e);
      this.arrived.push(now);
    }
  }
  /** Drops every entry with index >= `index`. */
  truncateFrom(index: number): void {
    if (this.length === 0) return;
    const keep = Math.max(0, index - this.start);
    if (keep >= this.length) return;
    this.items.length = this.head + keep;
    this.arrived.length = this.head + keep;
  }
  /** Drops every entry with index <= `index`. */
  dropThrough(index: number): void {
    while (this.length > 0 && this.items[this.head]!.index <= index) this.head++;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.arrived = this.arrived.slice(this.head);
      this.head = 0;
    }
  }
  /** Entries with index in [lo, hi). */
  slice(lo: number, hi: number): Entry[] {
    if (this.length === 0) return [];
    const s = this.start;
    const from = Math.max(lo, s) - s + this.head;
    const to = Math.min(hi, s + this.length) - s + this.head;
    return from < to ? this.items.slice(from, to) : [];
  }
}
