// Corruption of kv.db found before it is served. SQLite's own checks see the structure of the
// file (page headers, cell pointers, free lists), not the bytes of a value: a flipped bit inside
// a stored value reads back as a different value. So every history row carries a CRC-32 of what
// it records (`crc`, written with the row by apply.ts and copied into images), checked for every
// row when the store opens (in the same pass that rebuilds the key index) and by
// `trireme data check` (with SQLite's full integrity_check). Rows written before the column
// existed hold NULL and are counted as unchecked, not refused.
import { crc32 } from "node:zlib";
import { StorageError } from "../storage/errors.ts";
import { openSqlite, type SqliteDb, type SqliteDriver } from "../storage/sqlite.ts";

const TWO_32 = 4294967296;

/** Folds an integer (up to 2^53, either sign) into a 32-bit running value. */
function mix(h: number, n: number): number {
  h = Math.imul(h ^ (n >>> 0), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ (Math.floor(n / TWO_32) >>> 0), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The checksum of one history row: its key, value and every number it records. */
export function historyRowCrc(rev: number, sub: number, key: Uint8Array, createRev: number, version: number, value: Uint8Array, lease: number): number {
  const seed = mix(mix(mix(mix(mix(0x7472, rev), sub), createRev), version), lease) >>> 0;
  return crc32(value, crc32(key, seed));
}

/** SQLite's words for a damaged file: such an error while reading kv.db is corruption, not a bug. */
export function isCorruptionError(err: unknown): boolean {
  const m = err instanceof Error ? err.message : String(err);
  return /malformed|not a database|corrupt|SQLITE_CORRUPT|SQLITE_NOTADB|file is encrypted/i.test(m);
}

/** The error every corruption of kv.db becomes: the file, and what is wrong with it. */
export function kvCorrupt(path: string, what: string): StorageError {
  return new StorageError("corrupt", path, what);
}

/** Adds the checksum column to a history table made without it. */
export const ADD_CRC_COLUMN = "ALTER TABLE history ADD COLUMN crc INTEGER";

/** Whether `history` has the checksum column (a store made before it gets one at open). */
export function hasCrcColumn(db: SqliteDb): boolean {
  return db.prepare("PRAGMA table_info(history)").all().some((r) => r.name === "crc");
}

/** Checks one row read with its value and crc; throws the corruption error when it differs. */
export function checkRow(path: string, row: Record<string, unknown>): boolean {
  const stored = row.crc;
  if (stored === null || stored === undefined) return false;
  const rev = row.rev as number, sub = row.sub as number;
  const crc = historyRowCrc(rev, sub, row.key as Uint8Array, row.create_rev as number, row.version as number, row.value as Uint8Array, row.lease as number);
  if (crc !== stored) {
    throw kvCorrupt(path, `the history row at revision ${rev}.${sub} fails its checksum (stored ${stored}, computed ${crc}): its bytes changed on disk`);
  }
  return true;
}

export interface KvCheckReport {
  file: string;
  appliedIndex: number;
  revision: number;
  /** History rows whose checksum was verified / that predate checksums. */
  checkedRows: number;
  uncheckedRows: number;
  problems: string[];
}

/** `trireme data check` on kv.db, read-only: SQLite's full integrity_check, the meta rows, and
 *  every history row's checksum. Each problem names the file. */
export function checkKvFile(path: string, driver?: SqliteDriver): KvCheckReport {
  const report: KvCheckReport = { file: path, appliedIndex: 0, revision: 0, checkedRows: 0, uncheckedRows: 0, problems: [] };
  let db: SqliteDb;
  try {
    db = openSqlite(path, { readonly: true, ...(driver ? { driver } : {}) });
  } catch (err) {
    report.problems.push(`${path}: cannot be opened by SQLite: ${(err as Error).message}`);
    return report;
  }
  try {
    const integrity = db.prepare("PRAGMA integrity_check(20)").all().map((r) => String(Object.values(r)[0]));
    if (integrity.length !== 1 || integrity[0] !== "ok") report.problems.push(`${path}: SQLite integrity check failed: ${integrity.slice(0, 5).join("; ")}`);
    const meta: Record<string, number> = {};
    for (const r of db.prepare("SELECT name, value FROM meta").all()) meta[r.name as string] = r.value as number;
    report.appliedIndex = meta.applied_index ?? 0;
    report.revision = meta.revision ?? 0;
    const crcCol = hasCrcColumn(db) ? "crc" : "NULL AS crc";
    const page = db.prepare(
      `SELECT rev, sub, key, create_rev, version, value, lease, ${crcCol} FROM history WHERE (rev, sub) > (?, ?) ORDER BY rev, sub LIMIT 5000`,
    );
    let rev = -1, sub = -1, above = false;
    for (;;) {
      const rows = page.all(rev, sub);
      for (const row of rows) {
        rev = row.rev as number;
        sub = row.sub as number;
        try {
          if (checkRow(path, row)) report.checkedRows++;
          else report.uncheckedRows++;
        } catch (err) {
          if (report.problems.length < 20) report.problems.push((err as Error).message);
        }
        if (rev > report.revision && !above) {
          above = true;
          report.problems.push(`${path}: history holds revision ${rev}, above the store's recorded revision ${report.revision}`);
        }
      }
      if (rows.length < 5000) break;
    }
  } catch (err) {
    report.problems.push(`${path}: reading failed: ${(err as Error).message}`);
  } finally {
    db.close();
  }
  return report;
}
