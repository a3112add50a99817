import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { main } from "../../src/main.ts";
import { spawn } from "node:child_process";
import { LOCK_FILE, LOG_DB_FILE, MARKER_FILE, SNAPSHOT_DIR, StorageError, openDataDir, inspectDataDir } from "../../src/storage/index.ts";
import { diskFirst, range, tempDir, until } from "./helpers.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

const conf = { voters: [1, 2, 3], learners: [] };

/** A closed data directory of cluster 11 / node 1 with 40 entries and one snapshot. */
async function populated(): Promise<string> {
  const t = tempDir("dd");
  cleanups.push(t.cleanup);
  const d = await openDataDir({ dir: t.dir, clusterId: 11, nodeId: 1, persistence: diskFirst });
  d.log.append(range(1, 40, 2));
  await d.hardState.save({ term: 2, vote: 1 });
  await d.snapshots.write({ index: 20, term: 2, conf }, new Uint8Array(3000).fill(7));
  await d.close();
  return t.dir;
}

/** Every file under dir with its bytes, to prove an error left them untouched. SQLite's `-shm`
 *  is left out: it is a shared-memory index that any reader, even a read-only one, updates. */
function snapshotOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith("-shm")) out.set(p, readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

async function openError(dir: string, clusterId = 11, nodeId = 1): Promise<StorageError> {
  const err = await openDataDir({ dir, clusterId, nodeId, persistence: diskFirst }).then(
    async (d) => {
      await d.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  assert.ok(err instanceof StorageError, `expected a StorageError, got ${String(err)}`);
  return err;
}

async function assertRefused(dir: string, code: string, file: string, pattern: RegExp, ids?: [number, number]): Promise<void> {
  const before = snapshotOf(dir);
  const err = await openError(dir, ...(ids ?? []));
  assert.equal(err.code, code, err.message);
  assert.equal(err.file, file);
  assert.ok(err.message.startsWith(file), `the message names the file: ${err.message}`);
  assert.match(err.message, pattern);
  assert.deepEqual(snapshotOf(dir), before, "the directory is byte-for-byte unchanged");
}

describe("data directory", () => {
  test("a new directory gets a marker; reopening finds everything", async () => {
    const dir = await populated();
    const marker = JSON.parse(readFileSync(join(dir, MARKER_FILE), "utf8"));
    assert.equal(marker.format, "trireme-data");
    assert.equal(marker.version, 1);
    assert.equal(marker.clusterId, 11);
    assert.equal(marker.nodeId, 1);
    const d = await openDataDir({ dir, clusterId: 11, nodeId: 1, persistence: diskFirst });
    assert.equal(d.log.lastIndex(), 40);
    assert.deepEqual(d.hardState.load(), { term: 2, vote: 1 });
    assert.equal(d.latestSnapshot?.index, 20);
    await d.close();
  });

  test("another cluster's directory is refused, naming the marker", async () => {
    const dir = await populated();
    await assertRefused(dir, "foreign-cluster", join(dir, MARKER_FILE), /belongs to cluster 11.*configured for cluster 12/, [12, 1]);
  });

  test("another node's directory is refused", async () => {
    const dir = await populated();
    await assertRefused(dir, "foreign-node", join(dir, MARKER_FILE), /belongs to node 1.*as node 2/, [11, 2]);
  });

  test("an unknown format version is refused", async () => {
    const dir = await populated();
    const m = JSON.parse(readFileSync(join(dir, MARKER_FILE), "utf8"));
    writeFileSync(join(dir, MARKER_FILE), JSON.stringify({ ...m, version: 99 }));
    await assertRefused(dir, "unknown-version", join(dir, MARKER_FILE), /version 99/);
  });

  test("a log database copied from another cluster is refused even under a matching marker", async () => {
    const dir = await populated();
    writeFileSync(join(dir, MARKER_FILE), readFileSync(join(dir, MARKER_FILE), "utf8").replace('"clusterId": 11', '"clusterId": 12'));
    await assertRefused(dir, "foreign-cluster", join(dir, LOG_DB_FILE), /cluster 11, not to this node's cluster 12/, [12, 1]);
  });

  test("a corrupt SQLite file is refused and left untouched", async () => {
    const dir = await populated();
    const db = join(dir, LOG_DB_FILE);
    const bytes = readFileSync(db);
    // Scribble over the second page onwards (b-tree pages), keeping the 100-byte header valid.
    for (let i = 4096 + 8; i < Math.min(bytes.length, 4096 * 3); i += 3) bytes[i] = 0xa5;
    writeFileSync(db, bytes);
    await assertRefused(dir, "corrupt-sqlite", db, /integrity check failed|malformed|cannot be opened/);
  });

  test("a SQLite file with a wrong header is refused and left untouched", async () => {
    const dir = await populated();
    const db = join(dir, LOG_DB_FILE);
    const bytes = readFileSync(db);
    bytes.write("garbage!", 0, "latin1");
    writeFileSync(db, bytes);
    await assertRefused(dir, "corrupt-sqlite", db, /not a SQLite database or truncated/);
  });

  test("a truncated SQLite file is refused and left untouched", async () => {
    const dir = await populated();
    const db = join(dir, LOG_DB_FILE);
    writeFileSync(db, readFileSync(db).subarray(0, 5000));
    await assertRefused(dir, "corrupt-sqlite", db, /integrity|malformed|truncated|cannot be opened/);
  });

  test("a log with a gap is refused", async () => {
    const dir = await populated();
    const raw = new DatabaseSync(join(dir, LOG_DB_FILE));
    raw.exec("DELETE FROM log WHERE idx BETWEEN 10 AND 12");
    raw.close();
    await assertRefused(dir, "log-gap", join(dir, LOG_DB_FILE), /gap: 37 entries between 1 and 40, first missing run ends before index 13/);
  });

  test("a snapshot with a bad checksum stops the open, naming the file", async () => {
    const dir = await populated();
    const snapDir = join(dir, SNAPSHOT_DIR);
    const file = join(snapDir, readdirSync(snapDir)[0]!);
    const bytes = readFileSync(file);
    bytes[bytes.length - 500] ^= 0x10;
    writeFileSync(file, bytes);
    await assertRefused(dir, "bad-snapshot", file, /checksum mismatch/);
  });

  test("files of ours without a marker are not adopted", async () => {
    const t = tempDir("nomarker");
    cleanups.push(t.cleanup);
    mkdirSync(join(t.dir, SNAPSHOT_DIR), { recursive: true });
    await assertRefused(t.dir, "not-a-data-dir", join(t.dir, MARKER_FILE), /missing but the directory holds snapshots/);
  });

  test("another part's file (kv.db) in a fresh directory does not block creation", async () => {
    const t = tempDir("kvfirst");
    cleanups.push(t.cleanup);
    mkdirSync(t.dir, { recursive: true });
    writeFileSync(join(t.dir, "kv.db"), "");
    const d = await openDataDir({ dir: t.dir, clusterId: 1, nodeId: 1, persistence: diskFirst });
    await d.close();
    assert.ok(existsSync(join(t.dir, MARKER_FILE)));
  });

  test("a directory in use is refused, naming the lock file; the holder keeps working; close frees it", async () => {
    const dir = await populated();
    const holder = await openDataDir({ dir, clusterId: 11, nodeId: 1, persistence: diskFirst });
    try {
      const err = await openError(dir);
      assert.equal(err.code, "in-use");
      assert.equal(err.file, join(dir, LOCK_FILE));
      assert.match(err.message, /in use by another trireme process/);
      holder.log.append(range(41, 45, 2));
      await until(() => holder.log.durableIndex === 45, 5000, "the holder's append durable");
    } finally {
      await holder.close();
    }
    const again = await openDataDir({ dir, clusterId: 11, nodeId: 1, persistence: diskFirst });
    assert.equal(again.log.lastIndex(), 45);
    await again.close();
  });

  test("a process killed with SIGKILL leaves no stale lock behind", { timeout: 20_000 }, async () => {
    const t = tempDir("lockkill");
    cleanups.push(t.cleanup);
    const appender = new URL("../crash/appender.ts", import.meta.url).pathname;
    const child = spawn(process.execPath, [appender, t.dir, "DiskFirst", "1", "7"], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    try {
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error("the appender did not get ready within 10 s")), 10_000);
        child.stdout!.on("data", (d: Buffer) => {
          if (d.toString().includes("ready")) {
            clearTimeout(timer);
            ok();
          }
        });
      });
      const err = await openError(t.dir, 1, 1).catch((e: unknown) => e);
      assert.ok(err instanceof StorageError && err.code === "in-use", `a live holder in another process must be refused: ${String(err)}`);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    const d = await openDataDir({ dir: t.dir, clusterId: 1, nodeId: 1, persistence: diskFirst });
    assert.ok(d.log.lastIndex() > 0, "the killed appender's entries are there");
    await d.close();
  });

  test("`trireme data check` reports a sound directory and exits 1 on a bad one", async () => {
    const dir = await populated();
    const report = await inspectDataDir(dir);
    assert.deepEqual(report.problems, []);
    assert.equal(report.log?.firstIndex, 1);
    assert.equal(report.log?.lastIndex, 40);
    assert.deepEqual(report.hardState, { term: 2, vote: 1 });
    assert.equal(report.snapshots.length, 1);
    assert.equal(report.snapshots[0]!.index, 20);
    assert.equal(report.snapshots[0]!.checksumOk, true);
    const log = console.log;
    const out: string[] = [];
    console.log = (...a: unknown[]) => void out.push(a.join(" "));
    try {
      assert.equal(await main(["data", "check", dir]), 0);
      const snapDir = join(dir, SNAPSHOT_DIR);
      const file = join(snapDir, readdirSync(snapDir)[0]!);
      const bytes = readFileSync(file);
      bytes[bytes.length - 500] ^= 0x10;
      writeFileSync(file, bytes);
      const before = snapshotOf(dir);
      assert.equal(await main(["data", "check", dir]), 1);
      assert.deepEqual(snapshotOf(dir), before);
    } finally {
      console.log = log;
    }
    const text = out.join("\n");
    assert.match(text, /cluster 11, node 1/);
    assert.match(text, /log: +1\.\.40 \(40 entries\)/);
    assert.match(text, /checksum ok/);
    assert.match(text, /checksum BAD/);
    assert.match(text, /1 problem\(s\):\n.*checksum mismatch/);
  });
});
