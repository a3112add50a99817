import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { StorageError, openDataDir, type DataDir } from "../../src/storage/index.ts";
import { MAX_BATCH_ENTRIES } from "../../src/storage/log-store.ts";
import { MAX_TXN_ENTRIES } from "../../src/storage/protocol.ts";
import { diskFirst, durableReached, entry, memImmediate, payload, range, tempDir } from "./helpers.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

async function open(dir: string, persistence = diskFirst): Promise<DataDir> {
  return openDataDir({ dir, clusterId: 42, nodeId: 1, persistence });
}

for (const [name, persistence] of [["DiskFirst", diskFirst], ["MemFirst Immediate", memImmediate]] as const) {
  describe(`log store, ${name}`, () => {
    test("append returns at once, durableIndex advances in order, loadAll after reopen", async () => {
      const t = tempDir("basic");
      cleanups.push(t.cleanup);
      const d = await open(t.dir, persistence);
      const seen: number[] = [];
      d.log.onDurable((i) => seen.push(i));
      assert.equal(d.log.firstIndex(), 1);
      assert.equal(d.log.lastIndex(), 0);
      assert.equal(d.log.term(0), 0, "index 0 has term 0 (the empty log's predecessor)");
      const r = d.log.append(range(1, 100));
      assert.equal(r, undefined, "no backpressure promise for an append that fits");
      assert.equal(d.log.lastIndex(), 100);
      assert.ok(d.log.durableIndex < 100, "nothing can be durable before the writer ran");
      // Reads see appended entries before they are durable.
      assert.deepEqual(d.log.entries(99, 101).map((e) => e.index), [99, 100]);
      for (let i = 101; i <= 300; i += 10) d.log.append(range(i, i + 9));
      await durableReached(d.log, 300);
      assert.equal(d.log.durableIndex, 300);
      assert.deepEqual(seen, [...seen].sort((a, b) => a - b), "durable reports are in order");
      assert.equal(new Set(seen).size, seen.length, "each report is an advance");
      assert.equal(seen.at(-1), 300);
      assert.equal(d.log.term(150), 1);
      assert.equal(d.log.term(301), undefined);
      await d.close();

      const d2 = await open(t.dir, persistence);
      const all = d2.log.loadAll();
      assert.equal(all.length, 300);
      all.forEach((e, i) => {
        assert.equal(e.index, i + 1);
        assert.deepEqual(e.data, payload(i + 1, 1));
      });
      assert.equal(d2.log.durableIndex, 300);
      await d2.close();
    });

    test("group commit: appends made while the writer is busy share one transaction", async () => {
      const t = tempDir("group");
      cleanups.push(t.cleanup);
      const d = await open(t.dir, persistence);
      const commits: [number, number][] = [];
      d.log.onCommit((ms, n) => commits.push([ms, n]));
      // 1,000 single-entry appends in one synchronous run.
      for (let i = 1; i <= 1000; i++) d.log.append([entry(i)]);
      await durableReached(d.log, 1000);
      const s = d.log.stats();
      assert.equal(s.entriesWritten, 1000);
      assert.ok(s.fsyncs <= 2, `expected 1-2 commits for 1,000 appends in one tick, got ${s.fsyncs}`);
      assert.equal(s.largestBatch >= 500, true);
      assert.equal(commits.length, s.fsyncs, "onCommit reports every transaction");
      assert.equal(commits.reduce((a, [, n]) => a + n, 0), 1000);
      assert.ok(commits.every(([ms]) => ms > 0));
      assert.equal(s.commitMsBuckets.at(-1), s.fsyncs, "the +Inf bucket counts every commit");
      await d.close();
    });

    test("a large append is packed in capped batches, committed whole and in order", async () => {
      const t = tempDir("cap");
      cleanups.push(t.cleanup);
      const d = await open(t.dir, persistence);
      const seen: number[] = [];
      d.log.onDurable((i) => seen.push(i));
      d.log.append(range(1, 10_000));
      await durableReached(d.log, 10_000);
      const s = d.log.stats();
      // Three batches of at most MAX_BATCH_ENTRIES; the worker may join queued ones into one
      // transaction (up to MAX_TXN_ENTRIES), never split one.
      const batches = Math.ceil(10_000 / MAX_BATCH_ENTRIES);
      assert.ok(s.fsyncs >= 1 && s.fsyncs <= batches, `${s.fsyncs} transactions for ${batches} batches`);
      assert.ok(s.largestBatch <= MAX_TXN_ENTRIES);
      assert.ok(seen.every((i) => i % MAX_BATCH_ENTRIES === 0 || i === 10_000), `every durable report ends a batch: ${seen.join(", ")}`);
      assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
      await d.close();
    });

    test("suffix truncation replaces the tail, durable index steps back, survives reopen", async () => {
      const t = tempDir("trunc");
      cleanups.push(t.cleanup);
      const d = await open(t.dir, persistence);
      d.log.append(range(1, 20, 1));
      await durableReached(d.log, 20);
      d.log.append(range(15, 17, 2));
      assert.equal(d.log.lastIndex(), 17);
      assert.equal(d.log.durableIndex, 14, "entries from the truncation point are no longer durable");
      assert.equal(d.log.term(15), 2);
      assert.equal(d.log.term(18), undefined);
      await durableReached(d.log, 17);
      // Truncate inside the unflushed tail as well, before the writer gets to it.
      d.log.append(range(18, 30, 2));
      d.log.append(range(25, 26, 3));
      assert.equal(d.log.lastIndex(), 26);
      await d.close();
      const d2 = await open(t.dir, persistence);
      const all = d2.log.loadAll();
      assert.deepEqual(all.map((e) => e.index), range(1, 26).map((e) => e.index));
      assert.deepEqual(all.map((e) => e.term), [...Array(14).fill(1), ...Array(10).fill(2), 3, 3]);
      assert.deepEqual(all[24]!.data, payload(25, 3));
      assert.equal(d2.log.stats().truncations, 0);
      await d2.close();
    });

    test("prefix compaction, also past the end of the log (snapshot from a leader)", async () => {
      const t = tempDir("compact");
      cleanups.push(t.cleanup);
      const d = await open(t.dir, persistence);
      d.log.append(range(1, 50, 4));
      d.log.compactPrefix(30);
      assert.equal(d.log.firstIndex(), 31);
      assert.equal(d.log.term(30), 4, "the term of the last compacted entry stays known");
      assert.equal(d.log.term(29), undefined);
      assert.throws(() => d.log.entries(20, 40), /outside the log/);
      await d.close();
      const d2 = await open(t.dir, persistence);
      assert.equal(d2.log.firstIndex(), 31);
      assert.equal(d2.log.lastIndex(), 50);
      assert.equal(d2.log.term(30), 4);
      assert.deepEqual(d2.log.loadAll().map((e) => e.index), range(31, 50).map((e) => e.index));
      assert.throws(() => d2.log.compactPrefix(100), /term at 100 must be given/);
      d2.log.compactPrefix(100, 9);
      assert.equal(d2.log.firstIndex(), 101);
      assert.equal(d2.log.lastIndex(), 100);
      d2.log.append(range(101, 105, 9));
      await d2.close();
      const d3 = await open(t.dir, persistence);
      assert.deepEqual(d3.log.loadAll().map((e) => `${e.index}/${e.term}`), ["101/9", "102/9", "103/9", "104/9", "105/9"]);
      assert.equal(d3.log.term(100), 9);
      await d3.close();
    });

    test("refuses gaps, non-consecutive entries and compacted indexes", async () => {
      const t = tempDir("invalid");
      cleanups.push(t.cleanup);
      const d = await open(t.dir, persistence);
      d.log.append(range(1, 5));
      assert.throws(() => d.log.append([entry(7)]), /would leave a gap after last index 5/);
      assert.throws(() => d.log.append([entry(6), entry(8)]), /not consecutive/);
      d.log.compactPrefix(3);
      assert.throws(() => d.log.append([entry(2)]), /below the first index 4/);
      await d.close();
      assert.throws(() => d.log.append([entry(6)]), /closed/);
    });

    test("hard state: save resolves after the write, load returns it after reopen", async () => {
      const t = tempDir("hs");
      cleanups.push(t.cleanup);
      const d = await open(t.dir, persistence);
      assert.deepEqual(d.hardState.load(), { term: 0, vote: 0 });
      const before = d.log.stats().fsyncs;
      await d.hardState.save({ term: 5, vote: 3 });
      assert.ok(d.log.stats().fsyncs > before, "save resolved only after a commit");
      await Promise.all([d.hardState.save({ term: 6, vote: 0 }), d.hardState.save({ term: 6, vote: 2 })]);
      assert.deepEqual(d.hardState.load(), { term: 6, vote: 2 });
      await d.close();
      const d2 = await open(t.dir, persistence);
      assert.deepEqual(d2.hardState.load(), { term: 6, vote: 2 });
      await d2.close();
    });
  });
}

describe("log store, write failures", () => {
  test("a failed transaction is fatal: waiters reject, onError fires, later appends throw", async () => {
    const t = tempDir("fail");
    cleanups.push(t.cleanup);
    const d = await open(t.dir);
    d.log.append(range(1, 5));
    await durableReached(d.log, 5);
    const errors: Error[] = [];
    d.onError((e) => errors.push(e));
    // Sabotage from outside: the writer's next insert fails.
    const { DatabaseSync } = await import("node:sqlite");
    const raw = new DatabaseSync(join(t.dir, "log.db"));
    raw.exec("DROP TABLE log");
    raw.close();
    d.log.append(range(6, 7));
    await assert.rejects(d.hardState.save({ term: 1, vote: 1 }), (e: unknown) => e instanceof StorageError && e.code === "write-failed" && /no such table: log/.test(e.message));
    assert.equal(errors.length, 1);
    assert.ok(errors[0]!.message.includes(join(t.dir, "log.db")), errors[0]!.message);
    assert.equal(d.log.durableIndex, 5, "nothing after the failure is reported durable");
    assert.throws(() => d.log.append(range(8, 8)), /writing the log failed/);
    await d.close();
  });
});
