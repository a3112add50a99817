// The log database (`log.db`): the Raft log, the hard state and the facts that tie the file to
// one cluster member. Shared by the main thread (open, checks, reads) and the writer worker.
import type { SqliteDb } from "./sqlite.ts";

export const LOG_DB_FILE = "log.db";
export const LOG_DB_FORMAT_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  idx  INTEGER PRIMARY KEY,
  term INTEGER NOT NULL,
  type INTEGER NOT NULL,
  data BLOB NOT NULL,
  crc  INTEGER  -- entry-crc.ts; NULL in rows an older build wrote
);
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

/** Keys of the `meta` table; every value is an integer. */
export const Meta = {
  formatVersion: "format_version",
  clusterId: "cluster_id",
  nodeId: "node_id",
  /** The log's first index; entries below it were compacted into a snapshot. */
  firstIndex: "first_index",
  /** Term of the entry at first_index - 1 (the last compacted one), 0 if unknown. */
  prevTerm: "prev_term",
  hsTerm: "hs_term",
  hsVote: "hs_vote",
} as const;

export const UPSERT_META = "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value";

/** Durable settings for a connection that writes: WAL, and a sync on every commit. */
export function applyWritePragmas(db: SqliteDb): void {
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  // No checkpoint inside a commit: the writer runs them itself, after it has reported the commit
  // (writer-worker.ts), so their db-file fsync never adds to an append's latency.
  db.exec("PRAGMA wal_autocheckpoint = 0");
}

/** WAL frames (pages) after which the writer checkpoints once it has been idle for a moment.
 *  Small on purpose: after a complete checkpoint the next commit rewrites the WAL from its
 *  start, and overwriting blocks the file already has costs one fdatasync without a size change
 *  (measured: 121 µs p50 against 184 µs appending; 169 against 279 after 1 ms idle). 1,000 pages
 *  is a 4 MiB WAL, SQLite's default; the WAL's prefilled room (wal-prefill.ts) covers it from
 *  the first commit. */
export const CHECKPOINT_FRAMES = 1000;
/** Under constant load the writer is never idle: it then checkpoints between two batches at this
 *  size (a 40 MiB WAL), as rarely as the old in-commit autocheckpoint did. A checkpoint between
 *  batches delays the next one, so doing it every 1,000 frames made the 100-appender p99 3.5 ms. */
export const CHECKPOINT_FRAMES_BUSY = 10_000;
/** How long the writer must have had nothing to do before an idle checkpoint. */
export const CHECKPOINT_IDLE_MS = 5;

/** Upper estimate of the WAL frames one transaction writes: the pages its bytes fill, plus the
 *  B-tree pages above them and the meta row's page. Overestimating only checkpoints earlier. */
export function estimateFrames(bytes: number, rows: number): number {
  return Math.ceil((bytes + rows * 16) / 4000) + 1;
}

export function readMeta(db: SqliteDb): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of db.prepare("SELECT key, value FROM meta").all()) out.set(String(row.key), Number(row.value));
  return out;
}
