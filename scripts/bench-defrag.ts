// What a defragment costs the event loop that also sends heartbeats: fills a kv store, deletes
// the keys of one prefix and compacts (--interleave writes the kept and the deleted keys
// alternately, so the freed rows are spread over the history's pages), then measures the longest gap between 1 ms timer ticks during
// `MvccStore.defragment()` (incremental vacuum in steps) and, for comparison, during a plain
// VACUUM of a copy of the same file. Numbers only, never a pass/fail.
//
//   bun scripts/bench-defrag.ts [--mib 200] [--interleave] [--dir /tmp/x]
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { prefixEnd } from "../src/kv/keys.ts";
import { MvccStore } from "../src/kv/mvcc.ts";
import type { ApplyEntry } from "../src/kv/types.ts";
import { openSqlite } from "../src/storage/sqlite.ts";

const { values } = parseArgs({ options: { mib: { type: "string", default: "200" }, interleave: { type: "boolean", default: false }, dir: { type: "string" } } });
const base = values.dir ?? mkdtempSync(join(tmpdir(), "trireme-bench-defrag-"));
const enc = new TextEncoder();
const VALUE = new Uint8Array(4096).fill(0x61);
const puts = Math.ceil((Number(values.mib) * 1024 * 1024) / VALUE.length);

/** Runs `work` while a 1 ms interval timer records the gaps between its ticks. */
async function gaps(work: () => Promise<void> | void): Promise<{ ms: number; maxGap: number; p99Gap: number }> {
  const seen: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    seen.push(now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  seen.push(performance.now() - last);
  clearInterval(timer);
  seen.sort((a, b) => a - b);
  return { ms, maxGap: seen.at(-1)!, p99Gap: seen[Math.floor(seen.length * 0.99)] ?? 0 };
}

const path = join(base, "kv.db");
const store = MvccStore.open(path);
let index = 0;
for (let done = 0; done < puts; done += 500) {
  const batch: ApplyEntry[] = [];
  for (let i = 0; i < 500; i++) {
    const n = done + i;
    // Without --interleave the first half is deleted; with it every other write.
    const doomed = values.interleave ? n % 2 === 0 : n < puts / 2;
    batch.push({ index: ++index, term: 1, request: { put: { key: enc.encode(`${doomed ? "k" : "m"}${String(n).padStart(9, "0")}`), value: VALUE } } });
  }
  store.applyBatch(batch);
}
store.applyBatch([{ index: ++index, term: 1, request: { deleteRange: { key: enc.encode("k"), rangeEnd: prefixEnd(enc.encode("k")) } } }]);
store.applyBatch([{ index: ++index, term: 1, request: { compaction: { revision: store.revision } } }]);
await store.compactionIdle();
await store.flush();
const before = store.dbSize();
store.close();
const copy = join(base, "vacuum.db");
copyFileSync(path, copy);

const reopened = MvccStore.open(path);
const stepped = await gaps(() => reopened.defragment());
const after = reopened.dbSize();
reopened.close();

const db = openSqlite(copy);
const vacuum = await gaps(() => db.exec("VACUUM"));
const vacuumed = (db.prepare("PRAGMA page_count").get()!.page_count as number) * (db.prepare("PRAGMA page_size").get()!.page_size as number);
db.close();

const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
console.log(`kv.db ${mib(before.size)} MiB before, ${mib(before.size - before.inUse)} MiB of it free pages (${values.interleave ? "interleaved" : "one half"} deleted)`);
console.log("| how | took ms | longest event-loop gap ms | gap p99 ms | file after, MiB |");
console.log("| --- | --- | --- | --- | --- |");
console.log(`| defragment (incremental vacuum, 1 MiB steps) | ${stepped.ms.toFixed(0)} | ${stepped.maxGap.toFixed(1)} | ${stepped.p99Gap.toFixed(1)} | ${mib(after.size)} |`);
console.log(`| VACUUM (what etcd's defrag is like: the whole file at once) | ${vacuum.ms.toFixed(0)} | ${vacuum.maxGap.toFixed(1)} | ${vacuum.p99Gap.toFixed(1)} | ${mib(vacuumed)} |`);
if (values.dir === undefined && existsSync(base)) rmSync(base, { recursive: true, force: true });
