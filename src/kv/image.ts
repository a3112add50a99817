// A snapshot image of kv.db written without stalling the event loop: a second connection holds
// one read transaction (WAL gives it a stable view while the store keeps applying) and copies
// the rows into a fresh SQLite file in bounded steps, yielding between them. The meta rows
// come from the same read transaction, so the image describes exactly what it contains.
import { existsSync, renameSync, unlinkSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { fsyncPath, inspectImage, SCHEMA_INDEXES, SCHEMA_TABLES } from "./schema.ts";
import { openSqlite, type SqliteDb, type SqliteDriver, type Statement, type SqlValue } from "../storage/sqlite.ts";
import type { SnapshotImage } from "./types.ts";

export interface WriteImageOptions {
  binding?: SqliteDriver;
  /** Rows copied per step before yielding to the event loop. */
  rowsPerStep?: number;
  /** Stops the copy at the next step (a backup whose client went away): the promise rejects
   *  and no file is left behind. */
  signal?: AbortSignal;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function copyTable(
  src: SqliteDb,
  dst: SqliteDb,
  insert: Statement,
  table: "live" | "history" | "lease",
  rowsPerStep: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const cols = table === "live"
    ? ["key", "create_rev", "mod_rev", "version", "value", "lease"]
    : table === "lease"
    ? ["id", "ttl"]
    : ["key", "mod_rev", "sub", "create_rev", "version", "value", "lease"];
  const order = table === "live" ? "key" : table === "lease" ? "id" : "key, mod_rev";
  const after = table === "live" ? "key > ?" : table === "lease" ? "id > ?" : "(key, mod_rev) > (?, ?)";
  const first = src.prepare(`SELECT ${cols.join(", ")} FROM ${table} ORDER BY ${order} LIMIT ${rowsPerStep}`);
  const next = src.prepare(`SELECT ${cols.join(", ")} FROM ${table} WHERE ${after} ORDER BY ${order} LIMIT ${rowsPerStep}`);
  let rows = first.all();
  while (rows.length > 0) {
    for (const row of rows) insert.run(...cols.map((c) => row[c] as SqlValue));
    if (rows.length < rowsPerStep) break;
    const last = rows[rows.length - 1];
    // Commit each step (no journal, no sync: cheap) so page writes are spread out too.
    dst.exec("COMMIT");
    await yieldToLoop();
    signal?.throwIfAborted();
    dst.exec("BEGIN");
    rows = table === "live" ? next.all(last.key) : table === "lease" ? next.all(last.id) : next.all(last.key, last.mod_rev);
  }
}

/** Writes a consistent image of the kv store at `storePath` to `destPath` (replaced), fsynced. */
export async function writeImage(storePath: string, destPath: string, opts: WriteImageOptions = {}): Promise<SnapshotImage> {
  const rowsPerStep = opts.rowsPerStep ?? 2000;
  const tmp = `${destPath}.partial`;
  for (const f of [tmp, destPath]) if (existsSync(f)) unlinkSync(f);
  const src = openSqlite(storePath, { driver: opts.binding });
  const dst = openSqlite(tmp, { driver: opts.binding });
  let reading = false;
  let copied = false;
  try {
    opts.signal?.throwIfAborted();
    src.exec("BEGIN");
    reading = true;
    // The first read fixes the snapshot every later read in this transaction sees.
    const meta = src.prepare("SELECT name, value FROM meta").all();
    dst.exec("PRAGMA journal_mode = OFF");
    dst.exec("PRAGMA synchronous = OFF");
    // Indexes first: built row by row across the steps rather than in one blocking pass.
    dst.exec(SCHEMA_TABLES + SCHEMA_INDEXES);
    dst.exec("BEGIN");
    const putMeta = dst.prepare("INSERT INTO meta (name, value) VALUES (?, ?)");
    for (const row of meta) putMeta.run(row.name, row.value);
    await copyTable(src, dst, dst.prepare("INSERT INTO live VALUES (?, ?, ?, ?, ?, ?)"), "live", rowsPerStep, opts.signal);
    await copyTable(
      src,
      dst,
      dst.prepare("INSERT INTO history (key, mod_rev, sub, create_rev, version, value, lease) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      "history",
      rowsPerStep,
      opts.signal,
    );
    await copyTable(src, dst, dst.prepare("INSERT INTO lease (id, ttl) VALUES (?, ?)"), "lease", rowsPerStep, opts.signal);
    dst.exec("COMMIT");
    copied = true;
  } finally {
    if (reading) src.exec("COMMIT");
    src.close();
    dst.close();
    // A failed or abandoned copy leaves nothing behind.
    if (!copied && existsSync(tmp)) unlinkSync(tmp);
  }
  // fsync in the thread pool: a large image's dirty pages can take a while to reach the disk.
  const fh = await open(tmp, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  renameSync(tmp, destPath);
  fsyncPath(dirname(destPath));
  return inspectImage(destPath);
}
