import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { openDataDir, type DataDir, type LagWarnPolicy } from "../../src/storage/index.ts";
import type { PersistenceConfig } from "../../src/config/types.ts";
import { durableReached, memBatch, range, tempDir, until } from "./helpers.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

interface Logged {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

async function open(persistence: PersistenceConfig, logged: Logged[] = [], lagWarn?: LagWarnPolicy): Promise<{ d: DataDir; dir: string }> {
  const t = tempDir("mem");
  cleanups.push(t.cleanup);
  const d = await openDataDir({
    dir: t.dir,
    clusterId: 9,
    nodeId: 2,
    persistence,
    logger: (level, msg, fields) => logged.push({ level, msg, ...(fields ? { fields } : {}) }),
    ...(lagWarn ? { lagWarn } : {}),
  });
  return { d, dir: t.dir };
}

describe("MemFirst Batch", () => {
  test("interval: a lone entry is flushed once interval_ms has passed since it arrived", async () => {
    const { d } = await open(memBatch(1000, 80));
    const t0 = performance.now();
    d.log.append(range(1, 3));
    await durableReached(d.log, 3);
    const waited = performance.now() - t0;
    assert.ok(waited >= 79, `flushed after ${waited.toFixed(1)} ms, before the 80 ms interval`);
    assert.ok(waited < 2000, `flushed only after ${waited.toFixed(1)} ms`);
    assert.equal(d.log.stats().fsyncs, 1);
    await d.close();
  });

  test("threshold: reaching threshold pending entries flushes long before the interval", async () => {
    const { d } = await open(memBatch(10, 60_000));
    d.log.append(range(1, 9));
    // Give a would-be flush every chance to happen; none may (9 < threshold, interval 60 s).
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(d.log.stats().fsyncs, 0);
    assert.equal(d.log.durableIndex, 0);
    assert.deepEqual(d.log.flushLag().entries, 9);
    assert.ok(d.log.flushLag().oldestUnflushedAgeMs >= 49);
    const t0 = performance.now();
    d.log.append(range(10, 10));
    await durableReached(d.log, 10);
    assert.ok(performance.now() - t0 < 5000);
    assert.equal(d.log.stats().fsyncs, 1);
    assert.deepEqual(d.log.flushLag(), { entries: 0, oldestUnflushedAgeMs: 0 });
    await d.close();
  });

  test("a full buffer makes appends wait (counted), nothing is dropped, order is kept", async () => {
    const { d, dir } = await open(memBatch(1000, 60_000, 10));
    assert.equal(d.log.append(range(1, 8)), undefined);
    const p1 = d.log.append(range(9, 12));
    assert.ok(p1 instanceof Promise, "an append that overflows the buffer must wait");
    const p2 = d.log.append(range(13, 13));
    assert.ok(p2 instanceof Promise, "appends queue behind a waiting one");
    assert.equal(d.log.lastIndex(), 8, "waiting entries are not in the log yet");
    await p1;
    await p2;
    assert.equal(d.log.lastIndex(), 13);
    const s = d.log.stats();
    assert.equal(s.backpressureWaits, 2);
    assert.ok(s.backpressureWaitMsSum > 0);
    await d.close();
    const d2 = await openDataDir({ dir, clusterId: 9, nodeId: 2, persistence: memBatch(1000, 60_000, 10) });
    assert.deepEqual(d2.log.loadAll().map((e) => e.index), range(1, 13).map((e) => e.index));
    await d2.close();
  });

  test("close() flushes everything still buffered", async () => {
    const { d, dir } = await open(memBatch(100_000, 60_000));
    for (let i = 1; i <= 500; i += 50) d.log.append(range(i, i + 49));
    assert.equal(d.log.durableIndex, 0);
    await d.close();
    const d2 = await openDataDir({ dir, clusterId: 9, nodeId: 2, persistence: memBatch(100_000, 60_000) });
    assert.equal(d2.log.lastIndex(), 500);
    assert.equal(d2.log.durableIndex, 500);
    await d2.close();
  });

  test("saving hard state flushes pending entries with it", async () => {
    const { d } = await open(memBatch(1000, 60_000));
    d.log.append(range(1, 5));
    await d.hardState.save({ term: 2, vote: 2 });
    assert.equal(d.log.durableIndex, 5);
    await d.close();
  });

  test("sync() makes everything appended durable now, whatever the batch policy says", async () => {
    const { d } = await open(memBatch(1000, 60_000), []);
    d.log.append(range(1, 7));
    assert.equal(d.log.durableIndex, 0, "below the threshold, long before the interval: nothing flushed yet");
    const t0 = performance.now();
    await d.log.sync();
    assert.equal(d.log.durableIndex, 7);
    assert.ok(performance.now() - t0 < 5000, "did not wait for the 60 s interval");
    await d.log.sync(); // nothing pending: resolves at once
    await d.close();
  });

  test("flush lag: one warning when the lag stays above the threshold, one line when it recovers", async () => {
    const logged: Logged[] = [];
    const { d } = await open(memBatch(1000, 60_000), logged, { entries: 5, afterMs: 30 });
    const t0 = performance.now();
    d.log.append(range(1, 10));
    await until(() => logged.some((l) => l.level === "warn"), 5000, "a flush-lag warning");
    assert.ok(performance.now() - t0 >= 30, "warned before the lag had lasted afterMs");
    const warn = logged.find((l) => l.level === "warn")!;
    assert.match(warn.msg, /flush lag/);
    assert.equal(warn.fields?.unflushedEntries, 10);
    assert.equal(d.log.stats().lagWarnings, 1);
    await d.hardState.save({ term: 1, vote: 0 }); // flushes the lag away
    await until(() => logged.some((l) => /back under/.test(l.msg)), 5000, "the recovery line");
    assert.equal(logged.filter((l) => l.level === "warn").length, 1, "warned once, not on every check");
    await d.close();
  });
});
