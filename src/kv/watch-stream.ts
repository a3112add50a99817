// One client stream's state in the watch hub: its watchers, the answers queued for a transport
// that is not reading, and the helpers that size answers and index watchers by key or range.
import { Buffer } from "node:buffer";
import { compareBytes, prefixEnd, type KeyRange } from "./keys.ts";
import type { WatchSink } from "./watch-types.ts";
import { EventType, type WatchEvent, type WatchResponse } from "./types.ts";

export interface Watcher {
  readonly id: number;
  readonly stream: StreamState;
  readonly range: KeyRange;
  /** Index key for single-key watchers. */
  readonly single: string | undefined;
  /** Index key of its range group for range watchers (computed once). */
  readonly group: string | undefined;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly prevKv: boolean;
  readonly progressNotify: boolean;
  readonly fragment: boolean;
  /** The lowest revision this watcher still has to see. */
  minRev: number;
  synced: boolean;
  /** Something was sent since the last progress tick (then no progress notification is due). */
  sentSinceTick: boolean;
  removed: boolean;
}

export const OVERHEAD = 32;
export const kvBytes = (kv: { key: Uint8Array; value: Uint8Array }) => OVERHEAD + kv.key.length + kv.value.length;
export const eventBytes = (ev: WatchEvent) => kvBytes(ev.kv) + (ev.prevKv ? kvBytes(ev.prevKv) : 0);
export const keyId = (k: Uint8Array) => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString("latin1");
export interface RangeGroup {
  range: KeyRange;
  /** keyId of the prefix when the range is exactly "every key starting with it". */
  prefix: string | undefined;
  watchers: Set<Watcher>;
}

/** The prefix a range stands for (range_end = prefixEnd(key)), if it is one. The empty prefix
 *  ("every key", range_end "\0" from key "\0"...) is left to the plain test. */
export function prefixOf(r: KeyRange): string | undefined {
  if (r.kind !== "between" || r.key.length === 0) return undefined;
  return compareBytes(prefixEnd(r.key), r.end) === 0 ? keyId(r.key) : undefined;
}

export const rangeId = (r: KeyRange) => `${r.kind}\u0000${keyId(r.key)}\u0000${r.kind === "between" ? keyId(r.end) : ""}`;

export class StreamState {
  readonly watchers = new Map<number, Watcher>();
  nextId = 0;
  unsynced = 0;
  progressPending = false;
  /** Answers not yet handed to the transport: queue[head..]. */
  queue: { resp: WatchResponse; bytes: number }[] = [];
  head = 0;
  queuedBytes = 0;
  blocked = false;
  closed = false;
  constructor(readonly sink: WatchSink, readonly onBroken: (err: Error) => void) {}

  push(resp: WatchResponse, bytes = OVERHEAD): void {
    if (this.closed) return;
    this.queue.push({ resp, bytes });
    this.queuedBytes += bytes;
    this.flush();
  }

  // Advances `head` before each send, so a push made from inside send() (re-entrant) neither
  // repeats nor reorders an answer.
  flush(): void {
    while (!this.blocked && !this.closed && this.head < this.queue.length) {
      const { resp, bytes } = this.queue[this.head++];
      this.queuedBytes -= bytes;
      let ok: boolean;
      try {
        ok = this.sink.send(resp);
      } catch (err) {
        // Never let a transport failure escape into applyBatch (the node's apply loop).
        this.onBroken(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (!ok) this.blocked = true;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Nothing waits in front of new answers: a catch-up step may run for this stream. */
  get idle(): boolean {
    return !this.blocked && this.head === this.queue.length && !this.closed;
  }
}

export function answer(revision: number, watchId: number, extra: Partial<WatchResponse> = {}): WatchResponse {
  return {
    header: { revision },
    watchId,
    created: false,
    canceled: false,
    compactRevision: 0,
    cancelReason: "",
    events: [],
    fragment: false,
    ...extra,
  };
}

export function accepts(w: Watcher, ev: WatchEvent): boolean {
  return ev.type === EventType.PUT ? !w.noPut : !w.noDelete;
}
