// The periodic check of this member's own files (with `corrupt_check_time`): bytes that change on
// disk while the member runs are not seen by the connections already open (SQLite keeps the pages
// it read in its cache) and would only be found at the next start. Each round reads kv.db and
// log.db through fresh read-only connections and checks every history row's and log entry's
// checksum, a step at a time between event-loop turns, and verifies the newest snapshot's SHA-256.
// What it finds raises the CORRUPT alarm for this member (writes stop cluster-wide, as etcd's
// CORRUPT does) and says how to repair: restart the member, which then rebuilds from the leader.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { checkRow, hasCrcColumn } from "../kv/integrity.ts";
import { entryCrc } from "../storage/entry-crc.ts";
import { StorageError } from "../storage/errors.ts";
import type { SnapshotStore } from "../storage/index.ts";
import { openSqlite, type SqliteDb } from "../storage/sqlite.ts";
import type { LogFn } from "../log/log.ts";

/** Rows read per step before yielding to the event loop. */
const STEP_ROWS = 2000;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface ScrubDeps {
  dataDir: string;
  snapshots: SnapshotStore;
  log: LogFn;
}

export class Scrubber {
  constructor(private readonly deps: ScrubDeps) {}

  /** One pass over kv.db, log.db and the newest snapshot; returns the first problem found. */
  async round(): Promise<StorageError | undefined> {
    try {
      await this.#kv(join(this.deps.dataDir, "kv.db"));
      await this.#log(join(this.deps.dataDir, "log.db"));
      await this.#snapshot();
      return undefined;
    } catch (err) {
      if (err instanceof StorageError) return err;
      throw err;
    }
  }

  async #kv(path: string): Promise<void> {
    await this.#pages(path, (db) => {
      if (!hasCrcColumn(db)) return undefined;
      return db.prepare(`SELECT rev, sub, key, create_rev, version, value, lease, crc FROM history WHERE (rev, sub) > (?, ?) ORDER BY rev, sub LIMIT ${STEP_ROWS}`);
    }, (row) => {
      checkRow(path, row);
      return [row.rev as number, row.sub as number];
    }, [-1, -1]);
  }

  async #log(path: string): Promise<void> {
    await this.#pages(path, (db) => {
      if (!db.prepare("PRAGMA table_info(log)").all().some((r) => r.name === "crc")) return undefined;
      return db.prepare(`SELECT idx, term, type, data, crc FROM log WHERE idx > ? AND crc IS NOT NULL ORDER BY idx LIMIT ${STEP_ROWS}`);
    }, (r) => {
      const idx = Number(r.idx), term = Number(r.term);
      if (entryCrc(idx, term, Number(r.type), r.data as Uint8Array) !== Number(r.crc)) {
        throw new StorageError("corrupt", path, `log entry ${idx} (term ${term}) fails its checksum: its bytes changed on disk`);
      }
      return [idx];
    }, [0]);
  }

  /** Pages through `path` with a fresh read-only connection, checking every row. */
  async #pages(
    path: string,
    prepare: (db: SqliteDb) => ReturnType<SqliteDb["prepare"]> | undefined,
    check: (row: Record<string, unknown>) => number[],
    start: number[],
  ): Promise<void> {
    if (!existsSync(path)) return;
    const db = openSqlite(path, { readonly: true });
    try {
      const page = prepare(db);
      if (page === undefined) return;
      for (let after = start; ;) {
        let rows: Record<string, unknown>[];
        try {
          rows = page.all(...after);
        } catch (err) {
          throw new StorageError("corrupt", path, `SQLite cannot read it: ${(err as Error).message}`);
        }
        for (const row of rows) after = check(row);
        if (rows.length < STEP_ROWS) return;
        await yieldToLoop();
      }
    } finally {
      db.close();
    }
  }

  async #snapshot(): Promise<void> {
    const latest = await this.deps.snapshots.latest();
    if (latest === undefined) return;
    try {
      await this.deps.snapshots.verify(latest);
    } catch (err) {
      // Pruned while it was being read: a newer one replaced it, nothing is wrong.
      if (!existsSync(latest.file)) return;
      throw err;
    }
  }
}
