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
  data BLOB NOT NULL
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
  // Keep the WAL from growing without bound under constant load; checkpoints run in the worker.
  db.exec("PRAGMA wal_autocheckpoint = 10000");
}

export function readMeta(db: SqliteDb): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of db.prepare("SELECT key, value FROM meta").all()) out.set(String(row.key), Number(row.value));
  return out;
}
