// How long applying a batch blocks the event loop while kv.db is made durable: batches of puts
// applied back to back (yielding between them, as the node applies one batch per Ready) while
// flush() runs every --flush-ms (a snapshot's durable point), against the same run without
// flushes. Prints the distribution of one applyBatch call's wall time; numbers only.
//
// --pace-ms N waits N ms between batches (30 puts every 3 ms is 10,000 puts/s, the rate of
// put 10 / 100 here); 0 applies back to back.
//
//   bun scripts/bench-kv-stall.ts [--seconds 8] [--batch 30] [--pace-ms 3] [--flush-ms 500] [--dir /tmp/x]
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { MvccStore } from "../src/kv/mvcc.ts";
import type { ApplyEntry } from "../src/kv/types.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    batch: { type: "string", default: "30" },
    "flush-ms": { type: "string", default: "500" },
    "pace-ms": { type: "string", default: "3" },
    dir: { type: "string" },
  },
});
const SECONDS = Number(values.seconds);
const BATCH = Number(values.batch);
const FLUSH_MS = Number(values["flush-ms"]);
const PACE_MS = Number(values["pace-ms"]);
const base = values.dir ?? mkdtempSync(join(tmpdir(), "trireme-bench-kv-stall-"));
const VALUE = new Uint8Array(256).fill(0x61);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function run(name: string, flushEveryMs: number): Promise<string> {
  const path = join(base, `${name}.db`);
  const store = MvccStore.open(path);
  let walMax = 0;
  const times: number[] = [];
  const flushes: number[] = [];
  let index = 0;
  let flushing = false;
  try {
    const end = performance.now() + SECONDS * 1000;
    let nextFlush = performance.now() + flushEveryMs;
    while (performance.now() < end) {
      const entries: ApplyEntry[] = [];
      for (let i = 0; i < BATCH; i++) {
        index++;
        const key = new TextEncoder().encode(`k${index % 100_000}`);
        entries.push({ index, term: 1, request: { put: { key, value: VALUE } } });
      }
      const t0 = performance.now();
      store.applyBatch(entries);
      times.push(performance.now() - t0);
      if (existsSync(`${path}-wal`)) walMax = Math.max(walMax, statSync(`${path}-wal`).size);
      if (flushEveryMs > 0 && !flushing && performance.now() >= nextFlush) {
        flushing = true;
        const f0 = performance.now();
        void store.flush().then(() => flushes.push(performance.now() - f0)).finally(() => (flushing = false));
        nextFlush = performance.now() + flushEveryMs;
      }
      await new Promise((r) => (PACE_MS > 0 ? setTimeout(r, PACE_MS) : setImmediate(r)));
    }
    await store.flush();
  } finally {
    store.close();
  }
  times.sort((a, b) => a - b);
  flushes.sort((a, b) => a - b);
  const f = flushes.length > 0 ? `${flushes.length} flushes, p50 ${pct(flushes, 0.5).toFixed(1)} ms` : "no flushes";
  return `| ${name} | ${index} | ${pct(times, 0.5).toFixed(3)} | ${pct(times, 0.99).toFixed(2)} | ${pct(times, 0.999).toFixed(2)} | ${times.at(-1)!.toFixed(1)} | ${(walMax / 2 ** 20).toFixed(1)} | ${f} |`;
}

try {
  console.log(`batches of ${BATCH} puts every ${PACE_MS} ms for ${SECONDS} s each; applyBatch wall time in ms`);
  console.log("| run | puts | p50 | p99 | p99.9 | max | WAL max MiB | flush() |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (let round = 0; round < 2; round++) {
    console.log(await run(`no flush ${round + 1}`, 0));
    console.log(await run(`flush every ${FLUSH_MS} ms ${round + 1}`, FLUSH_MS));
  }
} finally {
  if (values.dir === undefined) rmSync(base, { recursive: true, force: true });
}
