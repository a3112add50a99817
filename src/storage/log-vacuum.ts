// Returning log.db's free pages to the filesystem when it runs low. Compacting the log deletes
// its prefix, and SQLite keeps the pages that held it inside the file as free pages for later
// appends: on a disk with room that is what we want (appends reuse them, the file never shrinks
// and grows again). On a disk that is nearly full they are the room a member catching up needs
// for kv.db: after a full disk the compacted log held ~15 MiB of them on a 40 MiB volume while
// kv.db could not grow by 4. So log.db is made with `auto_vacuum = INCREMENTAL`, and while the
// filesystem is low on space the writer thread (never the event loop) returns them
// `VACUUM_STEP_PAGES` at a time between two transactions, each step followed by a checkpoint,
// which is what truncates the file (in WAL mode the shorter file exists only in the WAL until
// then). kv.db's defragment uses the same SQLite mechanism (src/kv).
import { statSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import type { SqliteDb, Statement } from "./sqlite.ts";

/** Pages one step returns: 1 MiB of 4 KiB pages, a few milliseconds of the writer's time. */
export const VACUUM_STEP_PAGES = 256;
/** Free pages left in the file for the next appends to reuse. */
export const KEEP_FREE_PAGES = 256;
/** The filesystem is low on space below this fraction of its size free. The member's space
 *  reserve (src/node/disk-space.ts) is 5 %; this starts well before it is needed. */
export const LOW_SPACE_FRACTION = 0.2;
/** How often the free space is looked at (a statfs). */
export const SPACE_CHECK_MS = 1000;

/** auto_vacuum's value for INCREMENTAL. */
const INCREMENTAL = 2;

/** Whether the filesystem holding `dir` has less than LOW_SPACE_FRACTION of its size free. */
export function spaceIsLow(dir: string): boolean {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) < Number(s.blocks) * LOW_SPACE_FRACTION;
  } catch {
    return false;
  }
}

/** A log.db made before incremental vacuum was on is rewritten once (VACUUM) to switch it, but
 *  only when the filesystem has room for the copy three times over (VACUUM writes the whole file
 *  into the WAL and a temporary file): on a full disk it stays as it is. */
export function enableIncrementalVacuum(db: SqliteDb, path: string): boolean {
  if (db.prepare("PRAGMA auto_vacuum").get()!.auto_vacuum === INCREMENTAL) return true;
  try {
    const s = statfsSync(dirname(path));
    if (Number(s.bavail) * Number(s.bsize) < 3 * statSync(path).size) return false;
    db.exec("PRAGMA auto_vacuum = INCREMENTAL");
    db.exec("VACUUM");
    db.prepare("PRAGMA wal_checkpoint(PASSIVE)").all();
  } catch {
    return false; // it stays a file that keeps its free pages; nothing else depends on it
  }
  return db.prepare("PRAGMA auto_vacuum").get()!.auto_vacuum === INCREMENTAL;
}

export class LogVacuum {
  private readonly freePages: Statement;
  private readonly step: Statement;
  private low = false;
  private checkedAt = -Infinity;

  constructor(
    db: SqliteDb,
    private readonly dir: string,
    private readonly enabled: boolean,
    private readonly isLow: (dir: string) => boolean = spaceIsLow,
  ) {
    this.freePages = db.prepare("PRAGMA freelist_count");
    this.step = db.prepare(`PRAGMA incremental_vacuum(${VACUUM_STEP_PAGES})`);
  }

  /** Free pages beyond KEEP_FREE_PAGES while the filesystem is low on space (looked at no more
   *  than every SPACE_CHECK_MS). */
  due(now: number): boolean {
    if (!this.enabled) return false;
    if (now - this.checkedAt >= SPACE_CHECK_MS) {
      this.checkedAt = now;
      this.low = this.isLow(this.dir);
    }
    return this.low && this.free() > KEEP_FREE_PAGES;
  }

  /** Returns up to VACUUM_STEP_PAGES free pages (its own transaction, so it must not run inside
   *  one); the caller checkpoints. A step that fails (no room even for its WAL frames) changed
   *  nothing: SQLite rolled it back. Returns the pages returned. */
  run(now: number): number {
    const before = this.free();
    try {
      this.step.all();
    } catch {
      this.checkedAt = now;
      this.low = false; // tried again after the next look at the free space
      return 0;
    }
    return before - this.free();
  }

  free(): number {
    return Number(this.freePages.get()!.freelist_count);
  }
}
