// A flipped byte inside a log entry's data: SQLite's quick_check passes (the file's structure is
// intact), the entry's checksum does not, at open and in `trireme data check`'s report.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EntryType } from "../../src/raft/types.ts";
import { LOG_DB_FILE, StorageError, inspectDataDir, openDataDir } from "../../src/storage/index.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";
import { diskFirst, range, tempDir } from "./helpers.ts";

const t = tempDir("entry-crc");
after(() => t.cleanup());
const MARK = "ENTRY-MARKER-0123456789";

test("a flipped byte in one log entry is refused at open and reported by the data check, naming log.db and the index", async () => {
  const d = await openDataDir({ dir: t.dir, clusterId: 11, nodeId: 1, persistence: diskFirst });
  const entries = range(1, 30, 2);
  entries[16] = { index: 17, term: 2, type: EntryType.Normal, data: new TextEncoder().encode(MARK) };
  d.log.append(entries);
  await d.hardState.save({ term: 2, vote: 1 });
  await d.close();
  const path = join(t.dir, LOG_DB_FILE);
  const db = openSqlite(path);
  assert.equal(db.prepare("SELECT count(*) AS n FROM log WHERE crc IS NOT NULL").get()!.n, 30, "every entry has its checksum");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  const clean = await inspectDataDir(t.dir);
  assert.deepEqual(clean.problems, []);

  const bytes = readFileSync(path);
  const at = bytes.indexOf(Buffer.from(MARK));
  assert.ok(at > 0);
  bytes[at + 5] ^= 0x20;
  writeFileSync(path, bytes);

  const err = await openDataDir({ dir: t.dir, clusterId: 11, nodeId: 1, persistence: diskFirst }).then(
    async (dd) => (await dd.close(), undefined),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StorageError && err.code === "corrupt", String(err));
  assert.equal(err.file, path);
  assert.match(err.message, /log entry 17 \(term 2\) fails its checksum/);
  const report = await inspectDataDir(t.dir);
  assert.equal(report.problems.length, 1, report.problems.join("\n"));
  assert.match(report.problems[0]!, /log\.db: log entry 17 \(term 2\) fails its checksum/);
});
