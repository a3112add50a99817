// kv.db's maintenance, the work on the file as a whole rather than on keys: its sizes, etcd's
// Hash and HashKV, Defragment, and the images snapshots are made of. MvccStore owns the
// connection and its state and calls these with a `StoreFile`, the narrow view they need.
import { existsSync, statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import type { SqliteDb, SqliteDriver, Statement } from "../storage/sqlite.ts";
import { Errors } from "./errors.ts";
import type { GroupCommit } from "./group-commit.ts";
import { writeImage, type WriteImageOptions } from "./image.ts";
import { hashHistory } from "./rows.ts";
import { fsyncPath } from "./schema.ts";
import { hashStore } from "./store-hash.ts";
import type { SnapshotImage } from "./types.ts";

/** What the maintenance operations see of an open store. */
export interface StoreFile {
  readonly path: string;
  db(): SqliteDb;
  stmt(sql: string): Statement;
  group(): GroupCommit;
  /** The applying connection's `synchronous` setting. */
  readonly synchronous: "OFF" | "NORMAL" | "FULL";
  readonly binding: SqliteDriver | undefined;
  closed(): boolean;
  /** Runs the background removal of compacted rows to its end: what every replica agrees on. */
  finishCompaction(): void;
  /** Where the store is: its revision, compaction point and applied entry. */
  position(): { revision: number; compactRevision: number; index: number; term: number };
  /** Copies the WAL into kv.db and syncs both (the checkpointer's FULL checkpoint). */
  checkpointFully(): Promise<unknown>;
}

/** Physical size of kv.db and the part of it in use, bytes (etcd's dbSize/dbSizeInUse). */
export function dbSize(f: StoreFile): { size: number; inUse: number } {
  const pageSize = f.stmt("PRAGMA page_size").get()!.page_size as number;
  const pages = f.stmt("PRAGMA page_count").get()!.page_count as number;
  const free = f.stmt("PRAGMA freelist_count").get()!.freelist_count as number;
  return { size: pages * pageSize, inUse: (pages - free) * pageSize };
}

/** etcd's Maintenance.Hash: every table of the store, at the current revision (store-hash.ts
 *  says what is hashed). */
export function storeHash(f: StoreFile): { hash: number; revision: number } {
  f.group().check();
  f.finishCompaction();
  return { hash: hashStore((sql) => f.stmt(sql)), revision: f.position().revision };
}

/**
 * etcd's HashKV: a CRC-32 over every retained version and tombstone at or below `revision`
 * (0 = current), in (key, revision) order. Replicas that applied the same log hash the same,
 * which is what the hash is for (it is not etcd's byte-for-byte value). Throws EtcdError for a
 * compacted or future revision.
 */
export function hashKv(f: StoreFile, revision: number): { hash: number; compactRevision: number; revision: number } {
  const { revision: current, compactRevision } = f.position();
  if (revision > current) throw Errors.futureRev();
  f.group().check();
  if (revision > 0 && revision < compactRevision) throw Errors.compacted();
  const rev = revision <= 0 ? current : revision;
  f.finishCompaction();
  const hash = hashHistory(
    f.stmt("SELECT rev, sub, key, create_rev, version, value, lease FROM history WHERE rev <= ? AND (rev, sub) > (?, ?) ORDER BY rev, sub LIMIT 1000"),
    rev,
  );
  return { hash, compactRevision, revision: rev };
}

/**
 * etcd's Defragment: returns kv.db's free pages to the file system. In steps of
 * `pagesPerStep` (SQLite's incremental vacuum), yielding to the event loop between them, so a
 * large store does not stop the heartbeats the loop also sends (etcd-io/etcd#9222); applies go
 * on meanwhile. A store made before incremental vacuum was on is rewritten by one blocking
 * VACUUM the first time, which also switches it over.
 */
export async function defragment(f: StoreFile, opts: { pagesPerStep?: number; onStep?: (freed: number) => void } = {}): Promise<void> {
  f.group().check();
  if (f.stmt("PRAGMA auto_vacuum").get()!.auto_vacuum !== 2) {
    f.group().commit();
    f.db().exec("PRAGMA auto_vacuum = INCREMENTAL");
    f.stmt("VACUUM").run();
    checkpointHere(f);
    return;
  }
  const step = Math.max(1, opts.pagesPerStep ?? 256);
  const free = () => f.stmt("PRAGMA freelist_count").get()!.freelist_count as number;
  for (let left = free(); left > 0 && !f.closed(); left = free()) {
    f.group().run(0, () => f.db().exec(`PRAGMA incremental_vacuum(${step})`));
    opts.onStep?.(Math.min(step, left));
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (f.closed()) return;
  f.group().commit();
  // The file shrinks when the checkpointer copies the WAL back (off this thread).
  await f.checkpointFully().catch(() => {});
}

/** A checkpoint on the applying thread, for the paths that block anyway (VACUUM, VACUUM INTO).
 *  It syncs, whatever the connection's own setting: a checkpoint that copies unsynced WAL
 *  frames into the file could leave it torn by a power loss. */
export function checkpointHere(f: StoreFile): void {
  const own = f.synchronous;
  if (own === "OFF") f.db().exec("PRAGMA synchronous = NORMAL");
  try {
    f.stmt("PRAGMA wal_checkpoint(FULL)").get();
  } finally {
    if (own === "OFF") f.db().exec("PRAGMA synchronous = OFF");
  }
}

/** A consistent image of the whole store at `path` (replaced if present), fsynced, by one
 *  blocking VACUUM INTO; kv.db itself is made durable first. */
export function snapshotTo(f: StoreFile, path: string): SnapshotImage {
  f.group().commit();
  checkpointHere(f);
  if (existsSync(path)) unlinkSync(path);
  const { index, term, revision } = f.position();
  f.stmt("VACUUM INTO ?").run(path);
  fsyncPath(path);
  fsyncPath(dirname(path));
  return { index, term, revision, bytes: statSync(path).size };
}

/** The stepwise image (image.ts) from a second connection, which sees only what was committed. */
export function snapshotToAsync(f: StoreFile, path: string, opts: Omit<WriteImageOptions, "binding">): Promise<SnapshotImage> {
  f.group().commit();
  return writeImage(f.path, path, { ...opts, binding: f.binding });
}
