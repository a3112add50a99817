// One process per data directory. Two members started on the same directory (a copied unit
// file, a typo in data_dir) would interleave log writes and hard states and break Raft's
// promises without a word. The lock is a small SQLite database held in EXCLUSIVE locking mode:
// SQLite takes a POSIX advisory lock on it, the kernel drops that lock when the process exits or
// is killed (kill -9 included), so a crash never leaves a stale lock behind, unlike a PID file.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { StorageError } from "./errors.ts";
import { openSqlite, type SqliteDb, type SqliteDriver } from "./sqlite.ts";

export const LOCK_FILE = "lock.db";

export interface DirLock {
  readonly file: string;
  /** Releases the lock. `removeFile`: a refused open leaves the directory as it found it, so a
   *  lock file this open created goes too (removed while still held, so no one else holds it). */
  release(opts?: { removeFile?: boolean }): void;
}

export function lockDataDir(dir: string, driver?: SqliteDriver): DirLock {
  const file = join(dir, LOCK_FILE);
  const created = !existsSync(file);
  let db: SqliteDb;
  try {
    db = openSqlite(file, driver ? { driver } : {});
  } catch (err) {
    throw new StorageError("write-failed", file, `cannot open the data directory's lock file: ${(err as Error).message}`);
  }
  try {
    db.exec("PRAGMA busy_timeout = 0");
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    // In EXCLUSIVE locking mode the lock taken by this transaction is kept until close().
    db.exec("BEGIN EXCLUSIVE");
    db.exec("COMMIT");
  } catch (err) {
    db.close();
    const busy = /locked|busy/i.test((err as Error).message);
    throw new StorageError(
      busy ? "in-use" : "write-failed",
      file,
      busy
        ? `the data directory ${dir} is in use by another trireme process; stop it first (or point data_dir elsewhere)`
        : `cannot lock the data directory: ${(err as Error).message}`,
    );
  }
  let held = true;
  return {
    file,
    release(opts = {}) {
      if (!held) return;
      held = false;
      if (opts.removeFile && created) rmSync(file, { force: true });
      db.close();
    },
  };
}
