// Messages between the log store (main thread) and the SQLite writer worker. One message per
// batch: entry bytes are packed into one ArrayBuffer and transferred, never copied per entry.
import type { Entry, HardState } from "../raft/types.ts";
import type { SqliteDriver } from "./sqlite.ts";

export interface InitMessage {
  kind: "init";
  path: string;
  driver: SqliteDriver;
}

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

export type ToWriter = InitMessage | BatchMessage | CloseMessage;

export type FromWriter =
  | { kind: "ready" }
  | { kind: "done"; seq: number; commitMs: number }
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
