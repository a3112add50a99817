// The writer checkpoints the WAL itself, outside its commits: once enough frames are written and
// it has been idle for a moment, log.db receives them and the WAL is rewritten from its start.
// And it keeps zero-filled room at the WAL's end (src/storage/wal-prefill.ts), so commits
// overwrite blocks the file has instead of growing it.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Entry } from "../../src/raft/types.ts";
import { openDataDir } from "../../src/storage/index.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";
import { CHECKPOINT_FRAMES } from "../../src/storage/schema.ts";
import { WAL_PREFILL_INITIAL, WAL_PREFILL_TARGET, WalPrefill } from "../../src/storage/wal-prefill.ts";
import { diskFirst, durableReached, payload, range, tempDir, until } from "./helpers.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

function big(lo: number, n: number): Entry[] {
  return Array.from({ length: n }, (_, i) => ({ index: lo + i, term: 1, type: 0, data: payload(lo + i, 1, 4000) }));
}

const size = (p: string): number => (existsSync(p) ? statSync(p).size : 0);

/** The WAL header's checkpoint sequence number: SQLite increments it each time it restarts the
 *  WAL from its first frame. */
function walCheckpointSeq(wal: string): number {
  const fd = openSync(wal, "r");
  try {
    const h = new Uint8Array(16);
    readSync(fd, h, 0, 16, 0);
    return new DataView(h.buffer).getUint32(12);
  } finally {
    closeSync(fd);
  }
}

function allZero(file: string, from: number, length: number): boolean {
  const fd = openSync(file, "r");
  try {
    const b = new Uint8Array(length);
    readSync(fd, b, 0, length, from);
    return b.every((x) => x === 0);
  } finally {
    closeSync(fd);
  }
}

describe("WAL checkpoints in the writer", () => {
  test("an idle writer checkpoints into log.db, and the next commits reuse the WAL instead of growing it", async () => {
    const t = tempDir("checkpoint");
    cleanups.push(t.cleanup);
    const d = await openDataDir({ dir: t.dir, clusterId: 42, nodeId: 1, persistence: diskFirst });
    const db = join(t.dir, "log.db");
    const wal = `${db}-wal`;
    await until(() => size(wal) === WAL_PREFILL_TARGET, 10_000, "the idle writer to complete the WAL prefill");
    const before = size(db);
    // One entry of ~4 KB is about one WAL frame: this is more than CHECKPOINT_FRAMES of them.
    const n = CHECKPOINT_FRAMES + 200;
    d.log.append(big(1, n));
    await durableReached(d.log, n);
    const seqBefore = walCheckpointSeq(wal);
    // autocheckpoint is off: only the writer's own idle checkpoint can move pages into log.db.
    await until(() => size(db) > before + CHECKPOINT_FRAMES * 4000, 5000, "log.db to receive the checkpointed pages");
    // The next batch is written over the start of the WAL (a restart), inside the room it has.
    d.log.append(big(n + 1, 100));
    await durableReached(d.log, n + 100);
    assert.equal(walCheckpointSeq(wal), seqBefore + 1, "the WAL was restarted from its first frame");
    assert.equal(size(wal), WAL_PREFILL_TARGET, "the WAL never grew past its prefilled size");
    assert.deepEqual(d.log.entries(n - 1, n + 3).map((e) => e.data.byteLength), [4000, 4000, 4000, 4000]);
    await d.close();
    const again = await openDataDir({ dir: t.dir, clusterId: 42, nodeId: 1, persistence: diskFirst });
    assert.equal(again.log.lastIndex(), n + 100);
    assert.deepEqual(again.log.entries(n + 100, n + 101)[0]!.data, payload(n + 100, 1, 4000));
    await again.close();
  });
});

describe("WAL prefill", () => {
  test("grow() only appends zeros past the end, up to the target, and durably", () => {
    const t = tempDir("prefill-unit");
    cleanups.push(t.cleanup);
    mkdirSync(t.dir, { recursive: true });
    const file = join(t.dir, "x-wal");
    const head = payload(1, 1, 5000);
    writeFileSync(file, head);
    const p = WalPrefill.open(file, 3 << 20);
    assert.equal(p.grow(2 << 20), 2 << 20);
    assert.equal(p.grow(2 << 20), (3 << 20) - 5000 - (2 << 20), "stops at the target");
    assert.equal(p.grow(2 << 20), 0);
    p.close();
    const all = readFileSync(file);
    assert.equal(all.byteLength, 3 << 20);
    assert.deepEqual(new Uint8Array(all.subarray(0, 5000)), head, "the existing bytes are untouched");
    assert.ok(all.subarray(5000).every((x) => x === 0));
  });

  test("a new log's WAL has zeroed room at once; a crash image of it (WAL not checkpointed) recovers every entry", async () => {
    const t = tempDir("prefill");
    cleanups.push(t.cleanup);
    const d = await openDataDir({ dir: t.dir, clusterId: 42, nodeId: 1, persistence: diskFirst });
    const db = join(t.dir, "log.db");
    const wal = `${db}-wal`;
    assert.ok(size(wal) >= WAL_PREFILL_INITIAL, `the WAL has ${size(wal)} bytes as soon as the store is open`);
    d.log.append(range(1, 300));
    await durableReached(d.log, 300);
    // Copy the files as a crash would leave them: the entries live only in the WAL, followed by
    // zeros (fewer frames than an idle checkpoint needs, and the copy is taken at once).
    const image = join(t.dir, "..", "image");
    mkdirSync(image);
    copyFileSync(db, join(image, "log.db"));
    copyFileSync(wal, join(image, "log.db-wal"));
    await d.close();
    const copy = join(image, "log.db-wal");
    assert.ok(allZero(copy, size(copy) - (1 << 20), 1 << 20), "the image's WAL ends in zeroed room");
    const r = openSqlite(join(image, "log.db"));
    try {
      const rows = r.prepare("SELECT idx, data FROM log ORDER BY idx").all();
      assert.equal(rows.length, 300);
      rows.forEach((row, i) => assert.deepEqual(row.data, payload(i + 1, 1)));
    } finally {
      r.close();
    }
  });
});
