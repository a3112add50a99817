// A flipped byte in a synced WAL: SQLite itself drops the damaged frame and every committed
// transaction after it without a word; checkWal tells that damage from a torn last transaction.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkWal } from "../../src/storage/wal-check.ts";
import { StorageError } from "../../src/storage/errors.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";
import { tempDir } from "./helpers.ts";

const t = tempDir("wal-check");
mkdirSync(t.dir, { recursive: true });
after(() => t.cleanup());
const PAGE = 4096;

/** A WAL database with `txns` committed transactions, copied (db + WAL) while still open, so
 *  nothing was checkpointed; returns the copy's path. */
function walCopy(name: string, txns: number): string {
  const src = join(t.dir, `${name}-src.db`);
  const db = openSqlite(src);
  db.exec("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0");
  db.exec("CREATE TABLE t (i INTEGER PRIMARY KEY, v BLOB)");
  for (let i = 0; i < txns; i++) db.prepare("INSERT INTO t (i, v) VALUES (?, ?)").run(i, new Uint8Array(3000).fill(i));
  const copy = join(t.dir, `${name}.db`);
  copyFileSync(src, copy);
  copyFileSync(`${src}-wal`, `${copy}-wal`);
  db.close();
  return copy;
}

function flipFrame(path: string, frame: number): void {
  const wal = readFileSync(`${path}-wal`);
  wal[32 + frame * (24 + PAGE) + 24 + 1000] ^= 0x10; // inside the page, not the frame header
  writeFileSync(`${path}-wal`, wal);
}

function rows(path: string): number {
  const db = openSqlite(path);
  try {
    const exists = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 't'").get()!.n as number;
    return exists === 0 ? 0 : (db.prepare("SELECT count(*) AS n FROM t").get()!.n as number);
  } finally {
    db.close();
  }
}

test("an intact WAL passes, and SQLite sees every transaction", () => {
  const p = walCopy("intact", 6);
  checkWal(`${p}-wal`, p);
  assert.equal(rows(p), 6);
});

test("a flipped byte in an early frame is found; SQLite alone would drop the commits after it", () => {
  const p = walCopy("early", 6);
  flipFrame(p, 3);
  assert.throws(() => checkWal(`${p}-wal`, p), (e: unknown) =>
    e instanceof StorageError && e.code === "corrupt" && e.file === `${p}-wal` && /WAL frame 3 \(page \d+\) fails its checksum but committed frames follow it/.test(e.message));
  assert.ok(rows(p) < 6, "SQLite silently lost committed rows: the premise of the check");
});

test("damage in the last transaction is indistinguishable from a torn write and passes", () => {
  const p = walCopy("last", 6);
  const frames = (readFileSync(`${p}-wal`).length - 32) / (24 + PAGE);
  flipFrame(p, frames - 1);
  checkWal(`${p}-wal`, p);
});
