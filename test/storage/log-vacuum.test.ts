// log.db's free pages go back to the filesystem when it is low on space (src/storage/log-vacuum.ts):
// the compacted log's pages are otherwise kept inside the file for later appends.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Entry } from "../../src/raft/types.ts";
import { openDataDir, type DataDir } from "../../src/storage/index.ts";
import { createLogDb } from "../../src/storage/log-db.ts";
import { enableIncrementalVacuum, KEEP_FREE_PAGES, LOW_SPACE_FRACTION, LogVacuum, SPACE_CHECK_MS } from "../../src/storage/log-vacuum.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";
import { diskFirst, durableReached, payload, tempDir, until } from "./helpers.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.reverse().forEach((c) => c()));

function big(lo: number, n: number): Entry[] {
  return Array.from({ length: n }, (_, i) => ({ index: lo + i, term: 1, type: 0, data: payload(lo + i, 1, 4000) }));
}

/** A log.db with `rows` 4 KB rows deleted again: their pages are free pages of the file. */
function fileWithFreePages(path: string, rows: number): void {
  const db = openSqlite(path);
  db.exec("BEGIN");
  const ins = db.prepare("INSERT INTO log(idx, term, type, data) VALUES(?, 1, 0, ?)");
  for (let i = 1; i <= rows; i++) ins.run(i, payload(i, 1, 4000));
  db.exec("COMMIT");
  db.exec(`DELETE FROM log WHERE idx <= ${rows}`);
  db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").all();
  db.close();
}

describe("LogVacuum", () => {
  test("returns free pages in steps only while space is low, down to the pages it keeps", () => {
    const t = tempDir("vacuum-unit");
    cleanups.push(t.cleanup);
    mkdirSync(t.dir, { recursive: true });
    const path = join(t.dir, "log.db");
    createLogDb(path, { clusterId: 1, nodeId: 1 });
    fileWithFreePages(path, 2000);
    const db = openSqlite(path);
    let low = false;
    const v = new LogVacuum(db, t.dir, enableIncrementalVacuum(db, path), () => low);
    assert.ok(v.free() > 1500, `free pages after the delete: ${v.free()}`);
    assert.equal(v.due(0), false, "space is not low: the pages stay for the next appends");
    low = true;
    assert.equal(v.due(500), false, "space is looked at no more than once a second");
    assert.equal(v.due(1000), true);
    const before = v.free();
    const returned = v.run(1000);
    assert.ok(returned > 0 && returned <= 256, `one bounded step: ${returned} pages`);
    assert.equal(v.free(), before - returned);
    for (let i = 0; v.due(1000) && i < 100; i++) v.run(1000);
    assert.ok(v.free() <= KEEP_FREE_PAGES, `left: ${v.free()}`);
    db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").all();
    assert.ok(statSync(path).size < 3 * 1024 * 1024, `log.db shrank to ${statSync(path).size} bytes`);
    db.close();
  });

  test("a log.db made without incremental vacuum is switched when there is room for the copy", () => {
    const t = tempDir("vacuum-old");
    cleanups.push(t.cleanup);
    mkdirSync(t.dir, { recursive: true });
    const path = join(t.dir, "log.db");
    createLogDb(path, { clusterId: 1, nodeId: 1 });
    const old = openSqlite(path);
    old.exec("PRAGMA auto_vacuum = NONE");
    old.exec("VACUUM");
    assert.equal(old.prepare("PRAGMA auto_vacuum").get()!.auto_vacuum, 0);
    old.close();
    fileWithFreePages(path, 500);
    const db = openSqlite(path);
    assert.equal(enableIncrementalVacuum(db, path), true);
    assert.equal(db.prepare("PRAGMA auto_vacuum").get()!.auto_vacuum, 2);
    assert.equal(db.prepare("SELECT value FROM meta WHERE key = 'cluster_id'").get()!.value, 1, "the contents survive");
    db.close();
  });
});

// End to end through the writer thread, on a real small filesystem. Needs root for the mount.
const mnt = mkdtempSync(join(tmpdir(), "trireme-storage-vacuum-"));
const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt]).status === 0;
cleanups.push(() => {
  if (mounted) spawnSync("umount", ["-l", mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

describe("the writer on a filesystem low on space", { skip: mounted ? false : "cannot mount a tmpfs (needs root)" }, () => {
  test("a compacted log.db shrinks by itself; with room it keeps its pages", { timeout: 30_000 }, async () => {
    const dir = join(mnt, "data");
    const d = await openDataDir({ dir, clusterId: 42, nodeId: 1, persistence: diskFirst });
    try {
      await shrinksWhenLow(d, join(dir, "log.db"));
    } finally {
      await d.close();
    }
  });
});

async function shrinksWhenLow(d: DataDir, db: string): Promise<void> {
  const n = 4000; // ~16 MB of entries
  d.log.append(big(1, n));
  await durableReached(d.log, n);
  d.log.compactPrefix(n - 10);
  d.log.append(big(n + 1, 1)); // carries the compaction to the writer
  await durableReached(d.log, n + 1);
  // The idle writer checkpoints the WAL into log.db (and its compaction with it).
  await until(() => statSync(db).size > 14 * 1024 * 1024, 10_000, "the entries to reach log.db");
  const full = statSync(db).size;
  // Plenty of room (the 64 MiB volume is mostly free): the pages stay for the next appends,
  // past the writer's next look at the free space (SPACE_CHECK_MS).
  await new Promise((r) => setTimeout(r, SPACE_CHECK_MS + 500));
  assert.ok(statSync(db).size >= full - 1024 * 1024, `with room log.db keeps its pages: ${statSync(db).size}`);
  // Something else fills the volume past the low-space line: the writer returns them.
  const s = statfsSync(mnt);
  const fill = Math.max(0, Number(s.bavail) * Number(s.bsize) - Math.floor(Number(s.blocks) * Number(s.bsize) * LOW_SPACE_FRACTION * 0.5));
  const fd = openSync(join(mnt, "filler"), "w");
  const chunk = Buffer.alloc(1 << 20, 1);
  for (let w = 0; w < fill; w += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, fill - w));
  closeSync(fd);
  await until(() => statSync(db).size < 4 * 1024 * 1024, 10_000, `log.db to shrink from ${full} bytes`);
  // The log still holds what compaction kept, and takes appends.
  d.log.append(big(n + 2, 10));
  await durableReached(d.log, n + 11);
  assert.equal(d.log.firstIndex(), n - 9);
  assert.equal(d.log.entries(n - 9, n + 12).length, 21);
}
