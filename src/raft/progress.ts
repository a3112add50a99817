// The leader's view of one follower's log (etcd's tracker.Progress): what is known to match, what to
// send next, and the bounded window of appends in flight.
//
// Invariants, asserted after every change (etcd documents them in tracker/progress.go):
//   0 <= match < next; every append in flight ends below next, in increasing order;
//   state transitions: probe -> replicate | snapshot, replicate -> probe | snapshot,
//   snapshot -> probe (never straight back to replicate, never a second snapshot);
//   pendingSnapshot is 0 outside the snapshot state; appends are in flight only in replicate
//   state, at most maxCount of them, none added to a full window.

import { RaftInvariantError } from "./invariant.ts";
import type { ProgressStatus } from "./types.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** Appends sent but not yet acknowledged, bounded by count and bytes (flow control). */
export class Inflights {
  private items: { last: number; bytes: number }[] = [];
  private bytes = 0;
  constructor(private readonly maxCount: number, private readonly maxBytes: number) {}

  add(last: number, bytes: number): void {
    if (this.full()) {
      throw new RaftInvariantError("inflights within bounds", `append ending at ${last} added to a full window (${this.items.length} appends, ${this.bytes} bytes)`);
    }
    if (this.items.length > 0 && last <= this.newest()) {
      throw new RaftInvariantError("inflights in order", `append ending at ${last} added after one ending at ${this.newest()}`);
    }
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
  /** The last index of the newest append in flight (0 when none). */
  newest(): number {
    return this.items.length > 0 ? this.items[this.items.length - 1].last : 0;
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
    if (this.state === "probe") this.illegalTransition("probe");
    if (this.state === "snapshot") {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
      this.pendingSnapshot = 0;
    } else {
      this.next = this.match + 1;
    }
    this.state = "probe";
    this.probeSent = false;
    this.inflights.reset();
    this.check();
  }
  becomeReplicate(): void {
    if (this.state !== "probe") this.illegalTransition("replicate");
    this.state = "replicate";
    this.next = this.match + 1;
    this.probeSent = false;
    this.inflights.reset();
    this.check();
  }
  becomeSnapshot(index: number): void {
    if (this.state === "snapshot") this.illegalTransition("snapshot");
    this.state = "snapshot";
    this.pendingSnapshot = index;
    this.probeSent = false;
    this.inflights.reset();
    this.check();
  }

  /** The bulk transfer of the snapshot finished (`ok`) or failed: probe again, from after the
   *  snapshot when it arrived, and wait for the follower's answer or the next heartbeat answer. */
  snapshotDone(ok: boolean): void {
    if (!ok) this.pendingSnapshot = 0;
    this.becomeProbe();
    this.probeSent = true;
  }

  /** An App went out starting at `next` (in probe state: the one probe; in replicate state the
   *  window moves on optimistically: pipelining). */
  sentEntries(last: number, bytes: number): void {
    if (this.state === "snapshot") {
      throw new RaftInvariantError("progress: no appends while a snapshot is pending", `append ending at ${last}`);
    }
    if (this.state === "probe") {
      this.probeSent = true;
    } else if (last >= this.next) {
      this.next = last + 1;
      this.inflights.add(last, bytes);
    }
    this.check();
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
    this.check();
    return updated;
  }

  /** A rejection of the append after `rejected`; `matchHint` is the highest index that may match.
   *  False when the rejection is stale (answers an append we no longer wait for). In replicate
   *  state a genuine rejection ends the pipelining: probe from after the match. */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.becomeProbe();
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    this.check();
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
    this.check();
  }

  private illegalTransition(to: ProgressState): never {
    throw new RaftInvariantError("progress state transition", `${this.state} -> ${to} (match ${this.match}, next ${this.next})`);
  }

  /** Cheap enough for every change: comparisons only, the message is built on failure. */
  private check(): void {
    if (!(this.match >= 0 && this.match < this.next)) {
      throw new RaftInvariantError("progress: 0 <= match < next", `match ${this.match}, next ${this.next} (${this.state})`);
    }
    if (this.state !== "snapshot" && this.pendingSnapshot !== 0) {
      throw new RaftInvariantError("progress: pending snapshot only in snapshot state", `pending snapshot ${this.pendingSnapshot} in ${this.state} state`);
    }
    const inflight = this.inflights.count();
    if (inflight > 0 && (this.state !== "replicate" || this.inflights.newest() >= this.next)) {
      throw new RaftInvariantError("progress: appends in flight only in replicate state, below next",
        `${inflight} in flight up to ${this.inflights.newest()}, next ${this.next} (${this.state})`);
    }
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
