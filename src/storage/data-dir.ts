// Opening a data directory: marker, log database, snapshots. Every check runs before anything
// is written, and a failed check leaves every file as it was.
import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { PersistenceConfig } from "../config/types.ts";
import { lockDataDir } from "./dir-lock.ts";
import { StorageError } from "./errors.ts";
import type { LagWarnPolicy } from "./flush-lag.ts";
import { LogReader, checkLogDb, createLogDb } from "./log-db.ts";
import { SqliteLogStore, type HardStateStore, type LogStore } from "./log-store.ts";
import { silentLog, type LogFn } from "../log/log.ts";
import { MARKER_FILE, checkIdentity, checkMarker, readMarker, writeMarker, type ClusterIdentity, type DataMarker } from "./marker.ts";
import { LOG_DB_FILE } from "./schema.ts";
import { SNAPSHOT_DIR, SnapshotStore, type SnapshotInfo } from "./snapshot-store.ts";
import { defaultDriver, type SqliteDriver } from "./sqlite.ts";
import { WriterClient } from "./writer.ts";

export interface OpenDataDirOptions {
  dir: string;
  clusterId: number;
  nodeId: number;
  /** Written into a new directory's marker, and checked against an existing one's. */
  identity?: ClusterIdentity;
  persistence: PersistenceConfig;
  logger?: LogFn;
  lagWarn?: LagWarnPolicy;
  /** Check the latest snapshot's checksum at open (reads it whole). Default true. */
  verifyLatestSnapshot?: boolean;
  driver?: SqliteDriver;
}

export interface DataDir {
  dir: string;
  marker: DataMarker;
  log: LogStore;
  hardState: HardStateStore;
  snapshots: SnapshotStore;
  /** The latest snapshot, checked, when there is one. The node restores it before the log,
   *  and calls log.compactPrefix(snapshot.index, snapshot.term) if the log still starts at or
   *  below it (a crash between writing the snapshot and compacting). */
  latestSnapshot: SnapshotInfo | undefined;
  /** Fatal write errors after open (disk full, I/O error): the node must stop. */
  onError(listener: (err: StorageError) => void): void;
  close(): Promise<void>;
}

/** Files a new directory may already hold: other parts (kv.db) may create theirs first. */
function isOurs(name: string): boolean {
  return name === MARKER_FILE || name === LOG_DB_FILE || name.startsWith(`${LOG_DB_FILE}-`) || name === SNAPSHOT_DIR;
}

export async function openDataDir(opts: OpenDataDirOptions): Promise<DataDir> {
  const { dir } = opts;
  const logger = opts.logger ?? silentLog;
  const driver = opts.driver ?? defaultDriver;
  await mkdir(dir, { recursive: true });
  const lock = lockDataDir(dir, driver);
  try {
    const opened = await openLocked(opts, logger, driver);
    return {
      ...opened,
      close: async () => {
        try {
          await opened.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release({ removeFile: true });
    throw err;
  }
}

async function openLocked(opts: OpenDataDirOptions, logger: LogFn, driver: SqliteDriver): Promise<DataDir> {
  const { dir, clusterId, nodeId } = opts;
  const dbPath = join(dir, LOG_DB_FILE);
  let marker = readMarker(dir);
  if (marker === undefined) {
    const ours = (await readdir(dir)).filter(isOurs);
    if (ours.length > 0) {
      throw new StorageError("not-a-data-dir", join(dir, MARKER_FILE), `is missing but the directory holds ${ours.join(", ")}; refusing to guess whose data this is`);
    }
    marker = await writeMarker(dir, clusterId, nodeId, opts.identity);
    createLogDb(dbPath, { clusterId, nodeId }, driver);
    logger("info", "created a new data directory", { dir, clusterId, nodeId });
  } else {
    if (opts.identity) checkIdentity(dir, marker, opts.identity, clusterId);
    checkMarker(dir, marker, clusterId, nodeId);
    if (!existsSync(dbPath)) {
      throw new StorageError("corrupt-sqlite", dbPath, `is missing although ${MARKER_FILE} says this directory holds data; restore it from a backup`);
    }
  }
  const state = checkLogDb(dbPath, { clusterId, nodeId }, driver);
  const snapshots = await SnapshotStore.open(dir, clusterId, nodeId, logger);
  const latestSnapshot = await snapshots.latest();
  if (latestSnapshot !== undefined && opts.verifyLatestSnapshot !== false) await snapshots.verify(latestSnapshot);

  const reader = LogReader.open(dbPath, driver);
  let store: SqliteLogStore | undefined;
  let writer: WriterClient;
  const early: string[] = [];
  try {
    writer = await WriterClient.start(dbPath, driver, {
      done: (seq, ms) => store?.writerDone(seq, ms),
      failed: (msg) => (store ? store.writerFailed(msg) : early.push(msg)),
    });
  } catch (err) {
    reader.close();
    throw new StorageError("write-failed", dbPath, `cannot open for writing: ${(err as Error).message}`);
  }
  store = new SqliteLogStore(reader, writer, state, {
    persistence: opts.persistence,
    logger,
    file: dbPath,
    ...(opts.lagWarn ? { lagWarn: opts.lagWarn } : {}),
  });
  for (const msg of early) store.writerFailed(msg);
  logger("info", "opened the data directory", {
    dir,
    strategy: opts.persistence.strategy,
    firstIndex: state.firstIndex,
    lastIndex: state.lastIndex,
    term: state.hardState.term,
    snapshot: latestSnapshot?.index ?? 0,
  });
  const s = store;
  return {
    dir,
    marker,
    log: s,
    hardState: s,
    snapshots,
    latestSnapshot,
    onError: (l) => s.onError(l),
    close: () => s.close(),
  };
}
