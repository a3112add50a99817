// Messages between the log store (main thread) and the SQLite writer worker. One message per
// batch: entry bytes are packed into one ArrayBuffer and transferred, never copied per entry.
//
// After `init` (on the worker's parentPort) everything goes through a dedicated MessageChannel.
// The worker does not wait for message events: it blocks in Atomics.wait on a shared counter
// that the main thread bumps after each postMessage, then drains every queued batch with
// receiveMessageOnPort into one transaction. So a transaction carries everything sent before it
// began, and the next one starts the moment the previous commit returns, without a round trip
// through the main thread's event loop.
import type { MessagePort } from "node:worker_threads";
import type { Entry, HardState } from "../raft/types.ts";
import type { SqliteDriver } from "./sqlite.ts";

export interface InitMessage {
  kind: "init";
  path: string;
  driver: SqliteDriver;
  /** The worker's end of the channel that carries batches in and commit reports out. */
  port: MessagePort;
  /** Int32Array over it, slot SIGNAL_SLOT: bumped by the main thread after every send. */
  signal: SharedArrayBuffer;
}

export const SIGNAL_SLOT = 0;

/** A transaction takes queued batches (whole, at least one) until it holds this many entries or
 *  MAX_TXN_BYTES of entry data; the rest are the next transaction. Larger ones overflow SQLite's
 *  2 MiB page cache (it then spills and rewrites pages mid-transaction): joining up to 16,384
 *  entries made MemFirst Immediate at 256 appenders use 1.5-2x the CPU per entry. */
export const MAX_TXN_ENTRIES = 4096;
export const MAX_TXN_BYTES = 1 << 20;

/** One transaction: truncate from `start`, insert the packed entries, then the optional hard
 *  state and prefix compaction. Applied in this order, atomically, then synced. */
export interface BatchMessage {
  kind: "batch";
  seq: number;
  /** Index of the first packed entry (0 when there are none). */
  start: number;
  count: number;
  terms: Float64Array;
  types: Uint8Array;
  /** count + 1 offsets into `data`. */
  offsets: Uint32Array;
  data: Uint8Array;
  hardState?: HardState;
  compact?: { upTo: number; prevTerm: number };
}

export interface CloseMessage {
  kind: "close";
}

/** What the main thread sends on the channel after init. */
export type ToWriter = BatchMessage | CloseMessage;

/** Wall-clock instants (performance.timeOrigin + now(), ms, comparable across threads) of one
 *  transaction in the worker: for the latency breakdown in scripts/bench-log-path.ts. */
export interface CommitTiming {
  /** The worker took the first batch of the transaction off the channel. */
  taken: number;
  /** Before COMMIT (BEGIN and every statement done): COMMIT is the WAL write and its fsync. */
  commitStart: number;
  /** COMMIT returned: the transaction is durable. */
  end: number;
}

export type FromWriter =
  | { kind: "ready" }
  /** Every batch with seq <= `seq` not yet reported is durable: they were one transaction of
   *  `entries` entries. Sent only after COMMIT returned (synchronous=FULL: after the fsync). */
  | { kind: "done"; seq: number; commitMs: number; entries: number; timing: CommitTiming }
  | { kind: "error"; seq: number; message: string }
  | { kind: "closed" };

export function packBatch(
  seq: number,
  entries: readonly Entry[],
  hardState: HardState | undefined,
  compact: { upTo: number; prevTerm: number } | undefined,
): { message: BatchMessage; transfer: ArrayBuffer[] } {
  const count = entries.length;
  const terms = new Float64Array(count);
  const types = new Uint8Array(count);
  const offsets = new Uint32Array(count + 1);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const e = entries[i]!;
    terms[i] = e.term;
    types[i] = e.type;
    offsets[i] = total;
    total += e.data.byteLength;
  }
  offsets[count] = total;
  const data = new Uint8Array(total);
  for (let i = 0; i < count; i++) data.set(entries[i]!.data, offsets[i]!);
  const message: BatchMessage = {
    kind: "batch",
    seq,
    start: count > 0 ? entries[0]!.index : 0,
    count,
    terms,
    types,
    offsets,
    data,
    ...(hardState !== undefined ? { hardState } : {}),
    ...(compact !== undefined ? { compact } : {}),
  };
  return {
    message,
    transfer: [terms.buffer as ArrayBuffer, types.buffer as ArrayBuffer, offsets.buffer as ArrayBuffer, data.buffer as ArrayBuffer],
  };
}
