// Opening `log.db` on the main thread: prove it is an intact SQLite file that belongs to this
// cluster member (read-only, so a bad file is left byte-for-byte as it was), create it when the
// directory is new, and serve reads. Writes go through the writer worker.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import type { Entry, EntryType, HardState } from "../raft/types.ts";
import { entryCrc } from "./entry-crc.ts";
import { StorageError } from "./errors.ts";
import { checkWal } from "./wal-check.ts";
import { LOG_DB_FORMAT_VERSION, Meta, SCHEMA, UPSERT_META, applyWritePragmas, readMeta } from "./schema.ts";
import { openSqlite, type Row, type SqliteDb, type SqliteDriver, type Statement } from "./sqlite.ts";

const SQLITE_MAGIC = "SQLite format 3\u0000";

export interface LogDbState {
  firstIndex: number;
  lastIndex: number;
  prevTerm: number;
  hardState: HardState;
}

export interface LogDbIdentity {
  clusterId: number;
  nodeId: number;
}

/** Checks the file without writing to it: header magic, quick_check, tables, identity, gaps. */
export function checkLogDb(path: string, expect: LogDbIdentity | undefined, driver?: SqliteDriver): LogDbState & LogDbIdentity {
  const size = statSync(path).size;
  const head = Buffer.alloc(16);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 512 || head.toString("latin1") !== SQLITE_MAGIC) {
    throw new StorageError(
      "corrupt-sqlite",
      path,
      `not a SQLite database or truncated (${size} bytes, header ${JSON.stringify(head.toString("latin1").replace(/\0/g, ""))}); ` +
        "restore the file from a backup or move the data directory away",
    );
  }
  // Before SQLite opens it: its recovery would drop a damaged WAL's later commits unseen.
  checkWal(`${path}-wal`, path);
  let db: SqliteDb;
  try {
    db = openSqlite(path, { readonly: true, ...(driver ? { driver } : {}) });
  } catch (err) {
    throw new StorageError("corrupt-sqlite", path, `cannot be opened by SQLite: ${(err as Error).message}`);
  }
  try {
    let problems: string[];
    try {
      problems = db.prepare("PRAGMA quick_check").all().map((r) => String(Object.values(r)[0]));
    } catch (err) {
      throw new StorageError("corrupt-sqlite", path, `SQLite integrity check failed: ${(err as Error).message}`);
    }
    if (problems.length !== 1 || problems[0] !== "ok") {
      throw new StorageError("corrupt-sqlite", path, `SQLite integrity check failed: ${problems.slice(0, 5).join("; ")}`);
    }
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => String(r.name)));
    if (!tables.has("log") || !tables.has("meta")) {
      throw new StorageError("corrupt-sqlite", path, "is a SQLite database but not a trireme log (tables `log` and `meta` missing)");
    }
    const meta = readMeta(db);
    const version = meta.get(Meta.formatVersion);
    if (version !== LOG_DB_FORMAT_VERSION) {
      throw new StorageError("unknown-version", path, `log format version ${version ?? "(none)"}; this trireme reads version ${LOG_DB_FORMAT_VERSION}`);
    }
    const clusterId = meta.get(Meta.clusterId) ?? -1;
    const nodeId = meta.get(Meta.nodeId) ?? -1;
    if (expect !== undefined && clusterId !== expect.clusterId) {
      throw new StorageError("foreign-cluster", path, `belongs to cluster ${clusterId}, not to this node's cluster ${expect.clusterId}`);
    }
    if (expect !== undefined && nodeId !== expect.nodeId) {
      throw new StorageError("foreign-node", path, `belongs to node ${nodeId}, not to node ${expect.nodeId}`);
    }
    const firstIndex = meta.get(Meta.firstIndex) ?? 1;
    const r = db.prepare("SELECT count(*) AS n, min(idx) AS lo, max(idx) AS hi FROM log").get()!;
    const n = Number(r.n);
    let lastIndex = firstIndex - 1;
    if (n > 0) {
      const lo = Number(r.lo);
      const hi = Number(r.hi);
      if (lo !== firstIndex) {
        throw new StorageError("log-gap", path, `the log starts at index ${lo} but its recorded first index is ${firstIndex}`);
      }
      if (hi - lo + 1 !== n) {
        const gap = db
          .prepare("SELECT l.idx AS idx FROM log l WHERE l.idx > ? AND NOT EXISTS (SELECT 1 FROM log p WHERE p.idx = l.idx - 1) LIMIT 1")
          .get(lo);
        throw new StorageError("log-gap", path, `the log has a gap: ${n} entries between ${lo} and ${hi}, first missing run ends before index ${gap?.idx ?? "?"}`);
      }
      lastIndex = hi;
      checkEntries(db, path, lo);
    }
    return {
      clusterId,
      nodeId,
      firstIndex,
      lastIndex,
      prevTerm: meta.get(Meta.prevTerm) ?? 0,
      hardState: { term: meta.get(Meta.hsTerm) ?? 0, vote: meta.get(Meta.hsVote) ?? 0 },
    };
  } finally {
    db.close();
  }
}

/** Every entry's checksum (entry-crc.ts), 2,000 rows a read; rows an older build wrote hold NULL. */
function checkEntries(db: SqliteDb, path: string, first: number): void {
  if (!db.prepare("PRAGMA table_info(log)").all().some((r) => r.name === "crc")) return;
  const page = db.prepare("SELECT idx, term, type, data, crc FROM log WHERE idx >= ? ORDER BY idx LIMIT 2000");
  for (let from = first; ;) {
    let rows: Row[];
    try {
      rows = page.all(from);
    } catch (err) {
      throw new StorageError("corrupt", path, `SQLite cannot read the log from index ${from}: ${(err as Error).message}`);
    }
    for (const r of rows) {
      if (r.crc === null || r.crc === undefined) continue;
      const idx = Number(r.idx), term = Number(r.term);
      const crc = entryCrc(idx, term, Number(r.type), r.data as Uint8Array);
      if (crc !== Number(r.crc)) {
        throw new StorageError("corrupt", path, `log entry ${idx} (term ${term}) fails its checksum (stored ${r.crc}, computed ${crc}): its bytes changed on disk`);
      }
    }
    if (rows.length < 2000) return;
    from = Number(rows[rows.length - 1]!.idx) + 1;
  }
}

/** Creates a new, empty log database bound to this cluster member. */
export function createLogDb(path: string, id: LogDbIdentity, driver?: SqliteDriver): void {
  if (existsSync(path)) throw new StorageError("invalid-argument", path, "already exists; refusing to overwrite it");
  const db = openSqlite(path, driver ? { driver } : {});
  try {
    // Before the first table: free pages can then be returned in steps (log-vacuum.ts).
    db.exec("PRAGMA auto_vacuum = INCREMENTAL");
    applyWritePragmas(db);
    db.exec(SCHEMA);
    db.exec("BEGIN");
    const up = db.prepare(UPSERT_META);
    up.run(Meta.formatVersion, LOG_DB_FORMAT_VERSION);
    up.run(Meta.clusterId, id.clusterId);
    up.run(Meta.nodeId, id.nodeId);
    up.run(Meta.firstIndex, 1);
    up.run(Meta.prevTerm, 0);
    up.run(Meta.hsTerm, 0);
    up.run(Meta.hsVote, 0);
    db.exec("COMMIT");
  } finally {
    db.close();
  }
}

function toEntry(r: Row): Entry {
  return { index: Number(r.idx), term: Number(r.term), type: Number(r.type) as EntryType, data: r.data as Uint8Array };
}

/** Reads committed rows. Uncommitted (in-flight) entries are the log store's business. */
export class LogReader {
  private readonly range: Statement;
  private readonly termOf: Statement;

  constructor(private readonly db: SqliteDb) {
    this.range = db.prepare("SELECT idx, term, type, data FROM log WHERE idx >= ? AND idx < ? ORDER BY idx");
    this.termOf = db.prepare("SELECT term FROM log WHERE idx = ?");
  }

  static open(path: string, driver?: SqliteDriver): LogReader {
    const db = openSqlite(path, driver ? { driver } : {});
    db.exec("PRAGMA query_only = ON");
    return new LogReader(db);
  }

  entries(lo: number, hi: number): Entry[] {
    return lo < hi ? this.range.all(lo, hi).map(toEntry) : [];
  }

  term(index: number): number | undefined {
    const r = this.termOf.get(index);
    return r === undefined ? undefined : Number(r.term);
  }

  close(): void {
    this.db.close();
  }
}
