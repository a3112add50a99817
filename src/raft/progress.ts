// The leader's view of one follower's log (etcd's tracker.Progress): what is known to match, what to
// send next, and the bounded window of appends in flight.

import type { ProgressStatus } from "./types.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** Appends sent but not yet acknowledged, bounded by count and bytes (flow control). */
export class Inflights {
  private items: { last: number; bytes: number }[] = [];
  private bytes = 0;
  constructor(private readonly maxCount: number, private readonly maxBytes: number) {}

  add(last: number, bytes: number): void {
    this.items.push({ last, bytes });
    this.bytes += bytes;
  }
  /** Frees every append whose last index is <= index (they are acknowledged). */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.items.length && this.items[n].last <= index) {
      this.bytes -= this.items[n].bytes;
      n++;
    }
    if (n > 0) this.items.splice(0, n);
  }
  freeFirstOne(): void {
    const first = this.items.shift();
    if (first) this.bytes -= first.bytes;
  }
  full(): boolean {
    return this.items.length >= this.maxCount || (this.items.length > 0 && this.bytes >= this.maxBytes);
  }
  count(): number {
    return this.items.length;
  }
  reset(): void {
    this.items = [];
    this.bytes = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** Probe state: one append is out; wait for its answer (or a heartbeat answer) before the next. */
  probeSent = false;
  /** Snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Leader tick at which the newest acknowledged heartbeat was sent (for lease reads). */
  lastAckTick = -Infinity;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number, maxInflightBytes: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
  }

  becomeProbe(): void {
    if (this.state === "snapshot") {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
      this.pendingSnapshot = 0;
    } else {
      this.next = this.match + 1;
    }
    this.state = "probe";
    this.probeSent = false;
    this.inflights.reset();
  }
  becomeReplicate(): void {
    this.state = "replicate";
    this.next = this.match + 1;
    this.probeSent = false;
    this.inflights.reset();
  }
  becomeSnapshot(index: number): void {
    this.state = "snapshot";
    this.pendingSnapshot = index;
    this.probeSent = false;
    this.inflights.reset();
  }

  /** An acknowledgement of `index`; false when it is stale. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /** A rejection of the append after `rejected`; `matchHint` is the highest index that may match.
   *  False when the rejection is stale (answers an append we no longer wait for). */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Forgets what was known to match (the follower lost acknowledged entries) and probes after
   *  `probeFrom`. Lowering match is conservative: it can delay, never advance, a commit. */
  regress(probeFrom: number): void {
    this.match = 0;
    this.pendingSnapshot = 0;
    this.state = "probe";
    this.probeSent = false;
    this.inflights.reset();
    this.next = probeFrom + 1;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }

  status(): ProgressStatus {
    return {
      match: this.match,
      next: this.next,
      state: this.state,
      inflight: this.inflights.count(),
      recentActive: this.recentActive,
    };
  }
}
