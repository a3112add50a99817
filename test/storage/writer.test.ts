// The writer worker's protocol, driven directly: batches go in on the channel, reports come back.
// A report must mean "committed": at the moment it arrives, an independent connection already
// sees every row it covers. SQLite makes a WAL commit visible to other connections only after
// the WAL's fsync (synchronous=FULL; wal.c syncs, then publishes the wal-index header), so a
// worker that reported a batch before its COMMIT returned fails the first check below.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Entry } from "../../src/raft/types.ts";
import { createLogDb } from "../../src/storage/log-db.ts";
import { packBatch } from "../../src/storage/protocol.ts";
import { openSqlite, type SqliteDb, type SqliteDriver } from "../../src/storage/sqlite.ts";
import { WriterClient } from "../../src/storage/writer.ts";
import { payload, tempDir, until } from "./helpers.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

interface Report {
  seq: number;
  /** Rows an independent connection saw when the report arrived. */
  visibleRows: number;
}

async function start(label: string, driver: SqliteDriver): Promise<{
  path: string;
  writer: WriterClient;
  reports: Report[];
  failures: string[];
  reader: SqliteDb;
  send(seq: number, entries: Entry[]): void;
}> {
  const t = tempDir(label);
  cleanups.push(t.cleanup);
  mkdirSync(t.dir, { recursive: true });
  const path = join(t.dir, "log.db");
  createLogDb(path, { clusterId: 1, nodeId: 1 }, driver);
  const reader = openSqlite(path, { driver, readonly: true });
  const count = reader.prepare("SELECT count(*) AS n FROM log");
  const reports: Report[] = [];
  const failures: string[] = [];
  const writer = await WriterClient.start(path, driver, {
    done: (seq) => reports.push({ seq, visibleRows: Number(count.get()!.n) }),
    failed: (m) => failures.push(m),
  });
  return {
    path,
    writer,
    reports,
    failures,
    reader,
    send: (seq, entries) => {
      const { message, transfer } = packBatch(seq, entries, undefined, undefined);
      writer.send(message, transfer);
    },
  };
}

const entries = (lo: number, n: number): Entry[] =>
  Array.from({ length: n }, (_, i) => ({ index: lo + i, term: 1, type: 0, data: payload(lo + i, 1) }));

for (const driver of ["bun", "node"] as const) {
  describe(`writer worker (${driver === "bun" ? "bun:sqlite" : "node:sqlite"})`, () => {
    test("a report arrives only after its rows are committed; reports cover whole batches, in order", async () => {
      const w = await start(`writer-order-${driver}`, driver);
      // Batch `seq` holds `seq % 3 + 1` entries; rowsThrough[seq] = rows once it is committed.
      const rowsThrough = [0];
      let next = 1;
      for (let seq = 1; seq <= 300; seq++) {
        const n = (seq % 3) + 1;
        w.send(seq, entries(next, n));
        next += n;
        rowsThrough.push(next - 1);
        // Bursts of sends in one run, then a pause: some batches queue up behind a commit.
        if (seq % 7 === 0) await new Promise((r) => setImmediate(r));
      }
      await until(() => w.reports.at(-1)?.seq === 300 || w.failures.length > 0, 10_000, "the report for batch 300");
      assert.deepEqual(w.failures, []);
      let prev = 0;
      for (const r of w.reports) {
        assert.ok(r.seq > prev, `reports in order: ${r.seq} after ${prev}`);
        assert.ok(r.visibleRows >= rowsThrough[r.seq]!, `batch ${r.seq} reported with ${r.visibleRows} rows visible, ${rowsThrough[r.seq]} committed expected`);
        prev = r.seq;
      }
      assert.ok(w.reports.length <= 300, "at most one report per transaction, never more than batches");
      await w.writer.close();
      assert.equal(Number(w.reader.prepare("SELECT count(*) AS n FROM log").get()!.n), rowsThrough[300]);
      w.reader.close();
    });

    test("a transaction that fails reports none of its batches and keeps none of its rows", async () => {
      const w = await start(`writer-fail-${driver}`, driver);
      for (let seq = 1; seq <= 5; seq++) w.send(seq, entries(seq, 1));
      await until(() => w.reports.at(-1)?.seq === 5, 5000, "the first five batches");
      // From now on inserting index 30 fails inside the worker's transaction.
      const raw = openSqlite(w.path, { driver });
      raw.exec("CREATE TRIGGER fail_30 BEFORE INSERT ON log WHEN NEW.idx = 30 BEGIN SELECT RAISE(ABORT, 'injected failure at 30'); END");
      raw.close();
      for (let seq = 6; seq <= 60; seq++) w.send(seq, entries(seq, 1));
      await until(() => w.failures.length > 0, 5000, "the writer's failure");
      assert.match(w.failures[0]!, /injected failure at 30/);
      const last = w.reports.at(-1)!.seq;
      assert.ok(last < 30, `no report at or beyond the failed batch (last report ${last})`);
      // Batches joined with batch 30 rolled back with it: the table holds exactly the reported ones.
      assert.equal(Number(w.reader.prepare("SELECT max(idx) AS m FROM log").get()!.m), last);
      assert.equal(Number(w.reader.prepare("SELECT count(*) AS n FROM log").get()!.n), last);
      await w.writer.close();
      w.reader.close();
    });
  });
}
