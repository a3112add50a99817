// Storage benchmark: entries/s and append->durable latency for each persistence strategy, with
// the event-loop lag (lateness of a 10 ms timer) measured alongside: the proof that syncs stay
// off the loop. Prints a Markdown table. Never a pass/fail: numbers only.
//
//   bun scripts/bench-storage.ts [--seconds 3] [--dir /tmp/x] [--only idle-1,100] [--snapshot-mib 0] [--warm-ms 0]
// --only keeps the rows whose name contains one of the comma-separated words (the lag baseline
// always runs). --warm-ms waits that long after opening each row's fresh data directory before
// appending: a member that has been up for a moment, whose writer has used the idle time to
// complete the WAL prefill (src/storage/wal-prefill.ts); 0 measures a directory just created. CPU µs/commit is the whole process (main thread + writer) divided by commits.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, fdatasyncSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { PersistenceConfig } from "../src/config/types.ts";
import type { Entry } from "../src/raft/types.ts";
import { SnapshotStore, openDataDir } from "../src/storage/index.ts";
import { LogReader } from "../src/storage/log-db.ts";
import type { SqliteDriver } from "../src/storage/sqlite.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    dir: { type: "string" },
    "snapshot-mib": { type: "string", default: "1024" },
    only: { type: "string" },
    "warm-ms": { type: "string", default: "0" },
  },
});
const SECONDS = Number(values.seconds);
const WARM_MS = Number(values["warm-ms"]);
const base = values.dir ?? mkdtempSync(join(tmpdir(), "trireme-bench-storage-"));
const PAYLOAD = new Uint8Array(256).fill(0x61);

function pct(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

function sortedOf(xs: number[]): Float64Array {
  return Float64Array.from(xs).sort();
}

/** Lateness of a 10 ms interval timer while `work` runs. */
async function withLoopLag<T>(work: () => Promise<T>): Promise<{ result: T; lagP99: number; lagMax: number }> {
  const lags: number[] = [];
  let expected = performance.now() + 10;
  const timer = setInterval(() => {
    const now = performance.now();
    lags.push(Math.max(0, now - expected));
    expected = now + 10;
  }, 10);
  const result = await work();
  clearInterval(timer);
  const s = sortedOf(lags);
  return { result, lagP99: pct(s, 99), lagMax: s.length ? s[s.length - 1]! : NaN };
}

interface Row {
  name: string;
  entriesPerSec: number;
  p50: number;
  p99: number;
  lagP99: number;
  lagMax: number;
  fsyncs?: number;
  avgBatch?: number;
  cpuUsPerCommit?: number;
  /** Mean and p99 time inside the writer's transaction (BEGIN..COMMIT, fsync included). */
  commitMsMean?: number;
  commitMsP99?: number;
}

async function rawFdatasync(): Promise<Row> {
  const file = join(base, "raw.bin");
  const fd = openSync(file, "w");
  const lat: number[] = [];
  const { result: n, lagP99, lagMax } = await withLoopLag(async () => {
    const end = performance.now() + SECONDS * 1000;
    let n = 0;
    while (performance.now() < end) {
      const t0 = performance.now();
      writeSync(fd, PAYLOAD);
      fdatasyncSync(fd);
      lat.push(performance.now() - t0);
      n++;
      // Let the lag timer run between syncs, as an event loop would.
      if (n % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    return n;
  });
  closeSync(fd);
  const s = sortedOf(lat);
  return { name: "raw write+fdatasync loop (main thread)", entriesPerSec: n / SECONDS, p50: pct(s, 50), p99: pct(s, 99), lagP99, lagMax };
}

/** `idleMs` > 0: each appender waits that long after its entry is durable (the 1-entry commit
 *  after idle, where the writer has gone to sleep). */
async function strategy(name: string, persistence: PersistenceConfig, appenders: number, driver?: SqliteDriver, idleMs = 0): Promise<Row> {
  const dir = join(base, name.replace(/[^a-z0-9]+/gi, "-"));
  const d = await openDataDir({ dir, clusterId: 1, nodeId: 1, persistence, ...(driver ? { driver } : {}) });
  const log = d.log;
  if (WARM_MS > 0) await new Promise((r) => setTimeout(r, WARM_MS));
  const start = new Map<number, number>();
  const lat: number[] = [];
  const waiting = new Map<number, () => void>();
  const diskFirst = persistence.strategy === "DiskFirst";
  let durableSeen = 0;
  const commitMs: number[] = [];
  log.onCommit((ms) => commitMs.push(ms));
  log.onDurable((durable) => {
    const now = performance.now();
    for (let i = durableSeen + 1; i <= durable; i++) {
      const t0 = start.get(i);
      if (t0 !== undefined) {
        lat.push(now - t0);
        start.delete(i);
      }
      const w = waiting.get(i);
      if (w) {
        waiting.delete(i);
        w();
      }
    }
    durableSeen = durable;
  });
  let stop = false;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { lagP99, lagMax } = await withLoopLag(async () => {
    const end = t0 + SECONDS * 1000;
    const timer = setTimeout(() => (stop = true), end - performance.now());
    // Like the node: while an append waits for buffer space, nobody else appends.
    let gate: Promise<void> | undefined;
    const appender = async (): Promise<void> => {
      while (!stop) {
        while (gate !== undefined) await gate;
        const index = log.lastIndex() + 1;
        const e: Entry = { index, term: 1, type: 0, data: PAYLOAD };
        start.set(index, performance.now());
        const p = log.append([e]);
        if (p) {
          gate = p;
          await p;
          gate = undefined;
        }
        if (diskFirst) {
          // A DiskFirst node acknowledges only once durable.
          if (log.durableIndex < index) await new Promise<void>((r) => waiting.set(index, r));
          if (idleMs > 0) await new Promise((r) => setTimeout(r, idleMs));
        } else {
          // MemFirst acknowledges at once; yield through a timer, as a client round trip
          // would. (A setImmediate spin starves Bun's timers by itself: with no storage at all
          // it makes the 10 ms probe ~50 ms late, which would be blamed on the store.)
          await new Promise((r) => setTimeout(r, 0));
        }
      }
    };
    await Promise.all(Array.from({ length: appenders }, appender));
    clearTimeout(timer);
  });
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const durable = log.durableIndex;
  const stats = log.stats();
  if (stats.truncations > 0) throw new Error(`${name}: the benchmark truncated the log ${stats.truncations} times; it must only append`);
  await d.close();
  const s = sortedOf(lat);
  return {
    name,
    entriesPerSec: durable / elapsed,
    p50: pct(s, 50),
    p99: pct(s, 99),
    lagP99,
    lagMax,
    fsyncs: stats.fsyncs,
    avgBatch: stats.entriesWritten / Math.max(1, stats.fsyncs),
    cpuUsPerCommit: (cpu.user + cpu.system) / Math.max(1, stats.fsyncs),
    commitMsMean: stats.commitMsSum / Math.max(1, stats.fsyncs),
    commitMsP99: pct(sortedOf(commitMs), 99),
  };
}

function readBench(driver: SqliteDriver): { driver: SqliteDriver; queriesPerSec: number; entriesPerSec: number } {
  const dir = join(base, "DiskFirst-256-appenders-bun-"); // written above: 100k+ entries
  const r = LogReader.open(join(dir, "log.db"), driver);
  const end = performance.now() + 1000;
  let q = 0;
  let n = 0;
  while (performance.now() < end) {
    const lo = 1 + ((q * 7919) % 50_000);
    n += r.entries(lo, lo + 100).length;
    q++;
  }
  r.close();
  return { driver, queriesPerSec: q, entriesPerSec: n };
}

/** Writes, verifies, streams out and receives a large snapshot; reports MiB/s and how far the
 *  resident set grew (it must stay far below the snapshot size: everything streams). */
async function snapshotBench(mib: number): Promise<void> {
  const a = await SnapshotStore.open(join(base, "snap-a"), 1, 1);
  const b = await SnapshotStore.open(join(base, "snap-b"), 1, 2);
  const chunk = new Uint8Array(1024 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131) & 0xff;
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 20);
  const rows: [string, number][] = [];
  let t = performance.now();
  const info = await a.write({ index: 1, term: 1, conf: { voters: [1], learners: [] } }, (function* () {
    for (let i = 0; i < mib; i++) yield chunk;
  })());
  rows.push(["write (temp file, fsync, rename)", performance.now() - t]);
  t = performance.now();
  await a.verify(info);
  rows.push(["verify SHA-256", performance.now() - t]);
  t = performance.now();
  await b.receive(a.readFile(info), "bench");
  rows.push(["stream out (1 MiB chunks) + receive with verification", performance.now() - t]);
  clearInterval(sampler);
  console.log(`\nSnapshot of ${mib} MiB (resident set grew by at most ${((rssMax - rss0) / 2 ** 20).toFixed(0)} MiB):\n`);
  console.log("| step | seconds | MiB/s |\n| --- | ---: | ---: |");
  for (const [name, ms] of rows) console.log(`| ${name} | ${(ms / 1000).toFixed(2)} | ${Math.round(mib / (ms / 1000))} |`);
  rmSync(join(base, "snap-a"), { recursive: true, force: true });
  rmSync(join(base, "snap-b"), { recursive: true, force: true });
}

const diskFirst: PersistenceConfig = { strategy: "DiskFirst", flush_policy: "Immediate", max_buffered_entries: 100_000 };
const memImmediate: PersistenceConfig = { strategy: "MemFirst", flush_policy: "Immediate", max_buffered_entries: 10_000 };
const memBatch = (threshold: number, interval_ms: number): PersistenceConfig => ({
  strategy: "MemFirst",
  flush_policy: { Batch: { threshold, interval_ms } },
  // The config default.
  max_buffered_entries: 10_000,
});

/** The same lag probe with no work at all: how late timers are on this machine right now. */
async function idle(): Promise<Row> {
  const { lagP99, lagMax } = await withLoopLag(() => new Promise((r) => setTimeout(r, SECONDS * 1000)));
  return { name: "idle event loop (baseline for the lag columns)", entriesPerSec: NaN, p50: NaN, p99: NaN, lagP99, lagMax };
}

const only = values.only?.split(",").filter((w) => w.length > 0);
const want = (name: string): boolean => only === undefined || only.some((w) => name.includes(w));
const scenarios: [string, () => Promise<Row>][] = [
  ["raw write+fdatasync loop (main thread)", rawFdatasync],
  ["DiskFirst, 1 appender", () => strategy("DiskFirst, 1 appender", diskFirst, 1)],
  ["DiskFirst, 1 appender, idle-1ms between entries", () => strategy("DiskFirst, 1 appender, idle-1ms between entries", diskFirst, 1, undefined, 1)],
  ["DiskFirst, 16 appenders", () => strategy("DiskFirst, 16 appenders", diskFirst, 16)],
  ["DiskFirst, 100 appenders", () => strategy("DiskFirst, 100 appenders", diskFirst, 100)],
  ["DiskFirst, 256 appenders (bun)", () => strategy("DiskFirst, 256 appenders (bun)", diskFirst, 256, "bun")],
  ["DiskFirst, 256 appenders, node:sqlite", () => strategy("DiskFirst, 256 appenders, node:sqlite", diskFirst, 256, "node")],
  ["MemFirst Immediate, 256 appenders", () => strategy("MemFirst Immediate, 256 appenders", memImmediate, 256)],
  ["MemFirst Batch 1000/100ms, 256 appenders", () => strategy("MemFirst Batch 1000/100ms, 256 appenders", memBatch(1000, 100), 256)],
  ["MemFirst Batch 100/10ms, 256 appenders", () => strategy("MemFirst Batch 100/10ms, 256 appenders", memBatch(100, 10), 256)],
];
const rows: Row[] = [await idle()];
for (const [name, run] of scenarios) if (want(name)) rows.push(await run());

const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : "-");
console.log(`\n${SECONDS} s per row, 256-byte entries, ${WARM_MS > 0 ? `${WARM_MS} ms idle after each open, ` : ""}${new Date().toISOString()}\n`);
console.log("| scenario | entries/s | append→durable p50 ms | p99 ms | commits | entries/commit | mean commit ms (in writer) | commit p99 ms (in writer) | CPU µs/commit | loop lag p99 ms | loop lag max ms |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  console.log(`| ${r.name} | ${Number.isFinite(r.entriesPerSec) ? Math.round(r.entriesPerSec).toLocaleString("en-US") : "-"} | ${f(r.p50, 3)} | ${f(r.p99, 3)} | ${r.fsyncs ?? "-"} | ${r.avgBatch === undefined ? "-" : f(r.avgBatch, 1)} | ${r.commitMsMean === undefined ? "-" : f(r.commitMsMean, 3)} | ${r.commitMsP99 === undefined ? "-" : f(r.commitMsP99, 3)} | ${r.cpuUsPerCommit === undefined ? "-" : Math.round(r.cpuUsPerCommit)} | ${f(r.lagP99)} | ${f(r.lagMax)} |`);
}
if (want("DiskFirst, 256 appenders (bun)")) console.log("\nRange reads of 100 entries on the main thread (1 s each):\n");
if (want("DiskFirst, 256 appenders (bun)")) console.log("| driver | queries/s | entries/s |\n| --- | ---: | ---: |");
for (const drv of want("DiskFirst, 256 appenders (bun)") ? (["bun", "node"] as const) : []) {
  const r = readBench(drv);
  console.log(`| ${drv === "bun" ? "bun:sqlite" : "node:sqlite"} | ${r.queriesPerSec.toLocaleString("en-US")} | ${r.entriesPerSec.toLocaleString("en-US")} |`);
}
if (Number(values["snapshot-mib"]) > 0) await snapshotBench(Number(values["snapshot-mib"]));
if (values.dir === undefined) rmSync(base, { recursive: true, force: true });
