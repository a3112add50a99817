// kv.db's schema and the checks and helpers around the file itself (see README.md, "Schema").
import { closeSync, fsyncSync, openSync, statSync } from "node:fs";
import { openSqlite, type SqliteDb } from "../storage/sqlite.ts";
import type { SnapshotImage } from "./types.ts";
import { AUTH_TABLES } from "./auth-store.ts";

/**
 * 5 adds `auth_user` and `auth_role` (etcd's auth buckets, auth-store.ts; with meta rows
 * auth_enabled and auth_revision): a build that does not know them must not open a store whose
 * auth it would ignore.
 * 4 adds `alarm` (etcd's alarm bucket: the raised NOSPACE / CORRUPT alarms, alarms.ts).
 * 3 keys `history` by revision (appends: a put writes one row at the end of the tree) and drops
 * `live`, whose newest versions the in-memory index (key-index.ts) now holds; 2 added `lease`.
 * Older files and images are migrated when opened (`MIGRATE_TO_3`, `MIGRATE_TO_4`, `MIGRATE_TO_5`).
 */
export const SCHEMA_VERSION = 5;
/** Versions this build opens. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2, 3, 4, 5];

// `crc` (integrity.ts) is nullable and not part of the schema version: a store made before it
// gets the column at open, its older rows hold NULL (unchecked), and a build that does not know
// the column reads and writes the file as before.
const HISTORY_COLUMNS = `rev INTEGER NOT NULL, sub INTEGER NOT NULL, key BLOB NOT NULL, create_rev INTEGER NOT NULL,
  version INTEGER NOT NULL, value BLOB NOT NULL, lease INTEGER NOT NULL, crc INTEGER, PRIMARY KEY (rev, sub)`;

const ALARM_TABLE = "CREATE TABLE IF NOT EXISTS alarm (member INTEGER NOT NULL, type INTEGER NOT NULL, PRIMARY KEY (member, type)) WITHOUT ROWID;";

export const SCHEMA_TABLES = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (${HISTORY_COLUMNS}) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lease (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL);
${ALARM_TABLE}
${AUTH_TABLES}`;
export const SCHEMA_INDEXES = "";
export const SCHEMA = SCHEMA_TABLES + SCHEMA_INDEXES;

/** Schema 1/2 → 3, in one transaction: history re-keyed by revision, `live` dropped (its rows
 *  are the newest history rows of existing keys). */
export const MIGRATE_TO_3 = `
CREATE TABLE IF NOT EXISTS lease (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL);
CREATE TABLE history_by_revision (${HISTORY_COLUMNS}) WITHOUT ROWID;
INSERT INTO history_by_revision (rev, sub, key, create_rev, version, value, lease)
  SELECT mod_rev, sub, key, create_rev, version, value, lease FROM history;
DROP TABLE history;
DROP TABLE IF EXISTS live;
ALTER TABLE history_by_revision RENAME TO history;
`;

/** Schema 3 → 4: the alarm table (empty: no older build raised alarms). */
export const MIGRATE_TO_4 = ALARM_TABLE;

/** Schema 4 → 5: the auth tables (empty: auth starts disabled, with no users). */
export const MIGRATE_TO_5 = AUTH_TABLES;

/** Unreachable history rows one background compaction step removes. */
export const COMPACTION_STEP_ROWS = 1000;

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
