// A CRC-32 per log entry (the `crc` column of log.db), written by the writer thread with the
// entry and checked when the log is opened: SQLite's quick_check sees the file's structure, not
// a flipped bit inside an entry's data, which would otherwise be applied as a different request.
// Rows written before the column existed hold NULL and are not checked.
import { crc32 } from "node:zlib";

const TWO_32 = 4294967296;

export function entryCrc(index: number, term: number, type: number, data: Uint8Array): number {
  let h = Math.imul((index >>> 0) ^ 0x6c6f67, 0x85ebca6b);
  h = Math.imul(h ^ (Math.floor(index / TWO_32) >>> 0), 0xc2b2ae35);
  h = Math.imul(h ^ (term >>> 0), 0x85ebca6b);
  h = Math.imul(h ^ (Math.floor(term / TWO_32) >>> 0) ^ (type << 24), 0xc2b2ae35);
  return crc32(data, (h ^ (h >>> 16)) >>> 0);
}

/** Adds the column to a log table made without it (an older build's log.db). */
export const ADD_ENTRY_CRC_COLUMN = "ALTER TABLE log ADD COLUMN crc INTEGER";
