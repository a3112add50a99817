// Opening kv.db: the connection's pragmas, the check that the file is a kv store, the schema
// (created, or migrated from an older version in one transaction), and the in-memory key index
// rebuilt from history. MvccStore calls these at open and after a restore.
import { existsSync, statSync } from "node:fs";
import { ADD_CRC_COLUMN, checkRow, hasCrcColumn, isCorruptionError, kvCorrupt } from "./integrity.ts";
import { KeyIndex } from "./key-index.ts";
import { MIGRATE_TO_3, MIGRATE_TO_4, MIGRATE_TO_5, READABLE_SCHEMA_VERSIONS, SCHEMA, SCHEMA_VERSION } from "./schema.ts";
import { openSqlite, type SqliteDb, type SqliteDriver } from "../storage/sqlite.ts";
import { walBoundBytes } from "./checkpoint.ts";

export interface OpenedKv {
  db: SqliteDb;
  /** The meta rows: schema, applied_index, applied_term, revision, compact_revision. */
  meta: Record<string, number>;
}

/** Opens (or creates) the kv store at `path`. Throws an Error naming the file when it is not
 *  SQLite, not a kv store, or of a schema this build cannot read; the file is then unchanged. */
export function openKvFile(path: string, opts: { binding?: SqliteDriver; synchronous: "OFF" | "NORMAL" | "FULL" }): OpenedKv {
  let db: SqliteDb;
  try {
    const fresh = !existsSync(path) || statSync(path).size === 0;
    db = openSqlite(path, { driver: opts.binding });
    // Free pages can then be returned in steps (defragment) instead of by one blocking VACUUM.
    // The mode only takes on a new file, before anything is written to it (an older store
    // switches at its first defragment).
    if (fresh) db.exec("PRAGMA auto_vacuum = INCREMENTAL");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(`PRAGMA synchronous = ${opts.synchronous}`);
    // Checkpoints fsync: the checkpointer thread runs them, never this connection.
    db.exec("PRAGMA wal_autocheckpoint = 0");
    // When this connection restarts the WAL after a checkpoint, the file is cut back to the
    // checkpointer's bound instead of keeping the size of the largest burst (checkpoint.ts).
    db.exec(`PRAGMA journal_size_limit = ${walBoundBytes(path)}`);
    // The worker's FULL/TRUNCATE checkpoints hold the write lock for a moment: wait, not fail.
    db.exec("PRAGMA busy_timeout = 10000");
  } catch (err) {
    throw new Error(`kv store ${path}: cannot open as SQLite (${(err as Error).message})`);
  }
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name);
  if (tables.length > 0 && !tables.includes("meta")) {
    db.close();
    throw new Error(`kv store ${path}: not a trireme kv store (found tables ${tables.join(", ")}, expected meta/history/lease)`);
  }
  db.exec(SCHEMA);
  const meta = readMeta(db);
  const setSchema = () => db.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
  if (meta.schema === undefined) {
    setSchema();
  } else if (meta.schema < SCHEMA_VERSION && READABLE_SCHEMA_VERSIONS.includes(meta.schema)) {
    db.exec("BEGIN IMMEDIATE");
    try {
      if (meta.schema < 3) db.exec(MIGRATE_TO_3);
      if (meta.schema < 4) db.exec(MIGRATE_TO_4);
      db.exec(MIGRATE_TO_5);
      setSchema();
      db.exec("COMMIT");
    } catch (err) {
      db.exec("ROLLBACK");
      db.close();
      throw new Error(`kv store ${path}: cannot migrate schema ${meta.schema} to ${SCHEMA_VERSION} (${(err as Error).message})`);
    }
  } else if (meta.schema !== SCHEMA_VERSION) {
    db.close();
    throw new Error(`kv store ${path}: schema version ${meta.schema}, this build reads ${READABLE_SCHEMA_VERSIONS.join(", ")}`);
  }
  // Rows written from now on carry their checksum (integrity.ts); older rows stay unchecked.
  if (!hasCrcColumn(db)) db.exec(ADD_CRC_COLUMN);
  return { db, meta };
}

function readMeta(db: SqliteDb): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of db.prepare("SELECT name, value FROM meta").all()) out[row.name as string] = row.value as number;
  return out;
}

/** The key index as history records it, in (rev, sub) order, 10,000 rows a read. Versions a
 *  compaction at `compactRevision` made unreachable are forgotten again; the (rev, sub) of their
 *  rows still in the file (a restart before the background cleanup finished) are returned.
 *  With `verify` (the file's path) every row's checksum is checked in the same pass: a row whose
 *  bytes changed, or a page SQLite cannot read, throws a StorageError "corrupt" naming the file. */
export function loadKeyIndex(db: SqliteDb, compactRevision: number, verify?: string): { index: KeyIndex; unreachable: number[] } {
  const index = new KeyIndex();
  const page = db.prepare(
    `SELECT rev, sub, key, create_rev, version, lease${verify ? ", value, crc" : ""} FROM history WHERE (rev, sub) > (?, ?) ORDER BY rev, sub LIMIT 10000`,
  );
  let rev = -1, sub = -1;
  try {
    for (;;) {
      const rows = page.all(rev, sub);
      for (const row of rows) {
        rev = row.rev as number;
        sub = row.sub as number;
        if (verify) checkRow(verify, row);
        const key = row.key as Uint8Array;
        if ((row.version as number) > 0) index.put(key, rev, sub, row.create_rev as number, row.version as number, row.lease as number);
        else index.tombstoneKey(key, rev, sub);
      }
      if (rows.length < 10000) break;
    }
  } catch (err) {
    if (verify && isCorruptionError(err)) throw kvCorrupt(verify, `SQLite cannot read its history after revision ${rev}: ${(err as Error).message}`);
    throw err;
  }
  const unreachable: number[] = [];
  if (compactRevision >= 0) index.compact(compactRevision, unreachable);
  return { index, unreachable };
}
