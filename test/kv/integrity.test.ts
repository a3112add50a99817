// kv.db corruption found before it is served: every history row's checksum is checked when the
// store opens and by checkKvFile (trireme data check), a flipped byte in a stored value is
// refused with the file and the revision named, and a store made before checksums opens.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { checkKvFile, historyRowCrc } from "../../src/kv/integrity.ts";
import { StorageError } from "../../src/storage/errors.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";

const dir = mkdtempSync(join(tmpdir(), "trireme-kv-integrity-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const enc = (s: string) => new TextEncoder().encode(s);

function fill(path: string, marker: string): void {
  const store = MvccStore.open(path, { groupCommit: { intervalMs: 0 } });
  let index = 0;
  for (let i = 0; i < 50; i++) store.apply({ index: ++index, term: 1, request: { put: { key: enc(`k${i}`), value: enc(i === 25 ? marker : `v${i}`) } } });
  store.apply({ index: ++index, term: 1, request: { deleteRange: { key: enc("k3") } } });
  store.close();
  // Everything into the main file, where a flipped disk block would be (a flip inside the WAL
  // fails SQLite's own frame checksum instead).
  const db = openSqlite(path);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
}

/** Flips one byte inside the only copy of `marker` in the file. */
function flipIn(path: string, marker: string): void {
  const bytes = readFileSync(path);
  const at = bytes.indexOf(Buffer.from(marker));
  assert.ok(at >= 0, `${marker} is in ${path}`);
  assert.equal(bytes.indexOf(Buffer.from(marker), at + 1), -1, "exactly one copy");
  bytes[at + 3] ^= 0x01;
  writeFileSync(path, bytes);
}

test("an intact store checks clean: every row verified, none unchecked", () => {
  const path = join(dir, "clean.db");
  fill(path, "MARKER-intact-value");
  const r = checkKvFile(path);
  assert.deepEqual(r.problems, []);
  assert.equal(r.checkedRows, 51);
  assert.equal(r.uncheckedRows, 0);
  assert.equal(r.appliedIndex, 51);
  MvccStore.open(path).close();
});

test("a flipped byte in a stored value is refused at open and reported by the check, naming the file and revision", () => {
  const path = join(dir, "flipped.db");
  fill(path, "MARKER-to-be-flipped");
  flipIn(path, "MARKER-to-be-flipped");
  assert.throws(() => MvccStore.open(path), (e: unknown) =>
    e instanceof StorageError && e.code === "corrupt" && e.file === path && /revision 26\.0 fails its checksum/.test(e.message));
  const r = checkKvFile(path);
  assert.equal(r.problems.length, 1, r.problems.join("\n"));
  assert.match(r.problems[0]!, new RegExp(`^${path}: the history row at revision 26\\.0 fails its checksum`));
  assert.equal(r.checkedRows, 50, "the other rows still verify");
});

test("a store made before checksums opens, gets the column, and checks its new rows only", () => {
  const path = join(dir, "old.db");
  fill(path, "MARKER-old");
  const db = openSqlite(path);
  // What an older build leaves: no crc column at all.
  db.exec("ALTER TABLE history DROP COLUMN crc");
  db.close();
  const store = MvccStore.open(path, { groupCommit: { intervalMs: 0 } });
  store.apply({ index: 52, term: 1, request: { put: { key: enc("new"), value: enc("after") } } });
  store.close();
  const r = checkKvFile(path);
  assert.deepEqual(r.problems, []);
  assert.equal(r.uncheckedRows, 51);
  assert.equal(r.checkedRows, 1);
});

test("the checksum covers every number of the row, not only the bytes", () => {
  const k = enc("k"), v = enc("v");
  const base = historyRowCrc(5, 0, k, 5, 1, v, 0);
  for (const other of [historyRowCrc(6, 0, k, 5, 1, v, 0), historyRowCrc(5, 1, k, 5, 1, v, 0), historyRowCrc(5, 0, k, 4, 1, v, 0),
    historyRowCrc(5, 0, k, 5, 2, v, 0), historyRowCrc(5, 0, k, 5, 1, v, 2 ** 40), historyRowCrc(5, 0, enc("j"), 5, 1, v, 0)]) {
    assert.notEqual(other, base);
  }
});
