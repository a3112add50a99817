// kv.db's schema and the checks and helpers around the file itself (see README.md, "Schema").
import { closeSync, fsyncSync, openSync, statSync } from "node:fs";
import { openSqlite, type SqliteDb } from "../storage/sqlite.ts";
import type { SnapshotImage } from "./types.ts";

/** 2 added the `lease` table (and live_by_lease); a version-1 file is migrated on open. */
export const SCHEMA_VERSION = 2;
/** Versions this build opens (older ones are migrated by creating what they lack). */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

export const SCHEMA_TABLES = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS live (
  key BLOB PRIMARY KEY, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL,
  version INTEGER NOT NULL, value BLOB NOT NULL, lease INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
  key BLOB NOT NULL, mod_rev INTEGER NOT NULL, sub INTEGER NOT NULL, create_rev INTEGER NOT NULL,
  version INTEGER NOT NULL, value BLOB NOT NULL, lease INTEGER NOT NULL,
  PRIMARY KEY (key, mod_rev)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lease (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL);
`;
export const SCHEMA_INDEXES = `CREATE INDEX IF NOT EXISTS history_by_rev ON history (mod_rev);
CREATE INDEX IF NOT EXISTS live_by_lease ON live (lease) WHERE lease != 0;`;
export const SCHEMA = SCHEMA_TABLES + SCHEMA_INDEXES;

/** Revisions whose obsolete history one background compaction step removes. */
export const COMPACTION_STEP_REVISIONS = 1000;

/**
 * Physically removes what a compaction made unreachable, for the writes with mod_rev in
 * (from, to] (all at or below the compaction revision): every older version of a key written
 * there, and every tombstone written there. Driven by the writes since the last step (through
 * history_by_rev), so its cost follows the write rate, not the size of the history.
 */
export const COMPACTION_STEP_SQL = [
  "DELETE FROM history WHERE (key, mod_rev) IN (SELECT o.key, o.mod_rev FROM history w " +
  "JOIN history o ON o.key = w.key AND o.mod_rev < w.mod_rev WHERE w.mod_rev > ?1 AND w.mod_rev <= ?2)",
  "DELETE FROM history WHERE mod_rev > ?1 AND mod_rev <= ?2 AND version = 0",
];

/** Reads the applied index/term and revision recorded in an image without opening it as a
 *  store. Throws an Error naming the file when it is not a trireme kv image. */
export function inspectImage(path: string): SnapshotImage {
  let db: SqliteDb | undefined;
  try {
    db = openSqlite(path);
    const meta: Record<string, number> = {};
    for (const row of db.prepare("SELECT name, value FROM meta").all()) meta[row.name as string] = row.value as number;
    if (!READABLE_SCHEMA_VERSIONS.includes(meta.schema)) {
      throw new Error(`schema version ${meta.schema}, expected one of ${READABLE_SCHEMA_VERSIONS.join(", ")}`);
    }
    db.prepare("SELECT 1 FROM live LIMIT 1").all();
    db.prepare("SELECT 1 FROM history LIMIT 1").all();
    return {
      index: meta.applied_index ?? 0,
      term: meta.applied_term ?? 0,
      revision: meta.revision ?? 0,
      bytes: statSync(path).size,
      ...(meta.source_cluster_id !== undefined ? { sourceClusterId: meta.source_cluster_id } : {}),
    };
  } catch (err) {
    throw new Error(`kv snapshot image ${path}: not a trireme kv image (${(err as Error).message})`);
  } finally {
    db?.close();
  }
}

export function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
