// A snapshot image of kv.db written without stalling the event loop: a second connection holds
// one read transaction (WAL gives it a stable view while the store keeps applying) and copies
// the rows into a fresh SQLite file in bounded steps, yielding between them. The meta rows
// come from the same read transaction, so the image describes exactly what it contains.
import { existsSync, renameSync, unlinkSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { syncDir } from "../storage/fsync.ts";
import { inspectImage, SCHEMA_INDEXES, SCHEMA_TABLES } from "./schema.ts";
import { openSqlite, type SqliteDb, type SqliteDriver, type Statement, type SqlValue } from "../storage/sqlite.ts";
import type { SnapshotImage } from "./types.ts";

export interface WriteImageOptions {
  binding?: SqliteDriver;
  /** Rows copied per step before yielding to the event loop. */
  rowsPerStep?: number;
  /** Key + value bytes copied per step, about (a single larger row is copied alone). */
  bytesPerStep?: number;
  /** Called after each step, with the rows it copied (tests and progress). */
  onStep?: (rows: number) => void;
  /** Stops the copy at the next step (a backup whose client went away): the promise rejects
   *  and no file is left behind. */
  signal?: AbortSignal;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Key + value bytes copied per step before yielding: with large values a row count alone let one
 *  step copy 2,000 × 1 MiB and stall the loop for seconds, long enough for a backup to depose a leader. */
const BYTES_PER_STEP = 4 * 1024 * 1024;

async function copyTable(
  src: SqliteDb,
  dst: SqliteDb,
  insert: Statement,
  table: "history" | "lease",
  rowsPerStep: number,
  signal: AbortSignal | undefined,
  bytesPerStep = BYTES_PER_STEP,
  onStep?: (rows: number) => void,
): Promise<void> {
  const cols = table === "lease" ? ["id", "ttl"] : ["rev", "sub", "key", "create_rev", "version", "value", "lease", "crc"];
  const keyCols = table === "lease" ? ["id"] : ["rev", "sub"];
  const order = keyCols.join(", ");
  const tuple = (n: number) => (n === 1 ? "?" : `(${Array(n).fill("?").join(", ")})`);
  const keyTuple = keyCols.length === 1 ? keyCols[0] : `(${order})`;
  const after = `${keyTuple} > ${tuple(keyCols.length)}`;
  const upTo = `${keyTuple} <= ${tuple(keyCols.length)}`;
  const sized = table !== "lease"; // lease rows are two integers
  // Sizes first (SQLite answers length() without loading the values), then the rows up to the
  // row where the step's byte budget runs out (at least one row).
  const probeFirst = src.prepare(`SELECT ${order}${sized ? ", length(key) + length(value) AS n" : ""} FROM ${table} ORDER BY ${order} LIMIT ${rowsPerStep}`);
  const probeNext = src.prepare(`SELECT ${order}${sized ? ", length(key) + length(value) AS n" : ""} FROM ${table} WHERE ${after} ORDER BY ${order} LIMIT ${rowsPerStep}`);
  const rowsFirst = src.prepare(`SELECT ${cols.join(", ")} FROM ${table} WHERE ${upTo} ORDER BY ${order}`);
  const rowsNext = src.prepare(`SELECT ${cols.join(", ")} FROM ${table} WHERE ${after} AND ${upTo} ORDER BY ${order}`);
  const keyOf = (row: Record<string, SqlValue>) => keyCols.map((c) => row[c] as SqlValue);
  let last: SqlValue[] | undefined;
  for (;;) {
    const probe = last === undefined ? probeFirst.all() : probeNext.all(...last);
    if (probe.length === 0) break;
    let cut = probe.length - 1;
    if (sized) {
      let bytes = 0;
      for (let i = 0; i < probe.length; i++) {
        bytes += probe[i].n as number;
        if (bytes > bytesPerStep) {
          cut = Math.max(0, i - 1); // the rows before it, or this one alone
          break;
        }
      }
    }
    const cutKey = keyOf(probe[cut]);
    const rows = last === undefined ? rowsFirst.all(...cutKey) : rowsNext.all(...last, ...cutKey);
    for (const row of rows) insert.run(...cols.map((c) => row[c] as SqlValue));
    onStep?.(rows.length);
    last = cutKey;
    if (cut === probe.length - 1 && probe.length < rowsPerStep) break;
    // Commit each step (no journal, no sync: cheap) so page writes are spread out too.
    dst.exec("COMMIT");
    await yieldToLoop();
    signal?.throwIfAborted();
    dst.exec("BEGIN");
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
    // Like a new kv.db (mvcc.ts): a member that installs the image can defragment it in steps.
    dst.exec("PRAGMA auto_vacuum = INCREMENTAL");
    dst.exec("PRAGMA journal_mode = OFF");
    dst.exec("PRAGMA synchronous = OFF");
    dst.exec(SCHEMA_TABLES + SCHEMA_INDEXES);
    dst.exec("BEGIN");
    const putMeta = dst.prepare("INSERT INTO meta (name, value) VALUES (?, ?)");
    for (const row of meta) putMeta.run(row.name, row.value);
    await copyTable(
      src,
      dst,
      dst.prepare("INSERT INTO history (rev, sub, key, create_rev, version, value, lease, crc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      "history",
      rowsPerStep,
      opts.signal,
      opts.bytesPerStep,
      opts.onStep,
    );
    await copyTable(src, dst, dst.prepare("INSERT INTO lease (id, ttl) VALUES (?, ?)"), "lease", rowsPerStep, opts.signal);
    // A handful of rows at most (one per member and alarm type).
    const putAlarm = dst.prepare("INSERT INTO alarm (member, type) VALUES (?, ?)");
    for (const row of src.prepare("SELECT member, type FROM alarm").all()) putAlarm.run(row.member, row.type);
    // Users and roles (auth-store.ts): few rows, and the image must not enable auth without them.
    for (const t of [["auth_user", "user"], ["auth_role", "role"], ["auth_secret", "value"]] as const) {
      const put = dst.prepare(`INSERT INTO ${t[0]} (name, ${t[1]}) VALUES (?, ?)`);
      for (const row of src.prepare(`SELECT name, ${t[1]} AS v FROM ${t[0]}`).all()) put.run(row.name, row.v);
    }
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
  // The directory too, in the thread pool: a sync on the event loop delays heartbeats.
  await syncDir(dirname(destPath));
  return inspectImage(destPath);
}

/** Records in a backup image the cluster it was taken from (a meta row a store ignores). */
export function markImageSource(path: string, clusterId: number, binding?: SqliteDriver): void {
  const db = openSqlite(path, binding ? { driver: binding } : {});
  try {
    db.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES ('source_cluster_id', ?)").run(clusterId);
  } finally {
    db.close();
  }
}
