// State-machine benchmark: CPU per put of `MvccStore.applyBatch` at several batch sizes, the
// way the node applies committed entries (8-byte sequential keys, 256-byte values, a new key
// per put), with batches committed one by one and sharing transactions (group-commit.ts).
// Prints a Markdown table; numbers only, never a pass/fail.
//
//   bun scripts/bench-apply.ts [--puts 30000] [--batches 1,10,30,100] [--dir /tmp/x]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { MvccStore, type MvccStoreOptions } from "../src/kv/mvcc.ts";
import type { ApplyEntry } from "../src/kv/types.ts";

const { values } = parseArgs({
  options: {
    puts: { type: "string", default: "30000" },
    batches: { type: "string", default: "1,10,30,100" },
    dir: { type: "string" },
  },
});
const PUTS = Number(values.puts);
const base = values.dir ?? mkdtempSync(join(tmpdir(), "trireme-bench-apply-"));
const VALUE = new Uint8Array(256).fill(0x61);

/** etcd's benchmark with --sequential-keys: binary.PutVarint(i) in an 8-byte key, so the first
 *  byte changes fastest and consecutive puts land all over the key space. */
function key(i: number): Uint8Array {
  const k = new Uint8Array(8);
  let v = i * 2; // zigzag of a non-negative number
  for (let j = 0; v > 0 && j < 8; j++) {
    k[j] = v >= 0x80 ? (v & 0x7f) | 0x80 : v;
    v = Math.floor(v / 128);
  }
  return k;
}

async function run(name: string, batch: number, opts: MvccStoreOptions): Promise<string> {
  const store = MvccStore.open(join(base, `${name}-${batch}.db`), opts);
  try {
    let index = 0;
    // Warm up the statements and the page cache.
    for (let i = 0; i < 500; i++) store.applyBatch([{ index: ++index, term: 1, request: { put: { key: key(index), value: VALUE } } }]);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let done = 0; done < PUTS; done += batch) {
      const entries: ApplyEntry[] = [];
      for (let i = 0; i < batch; i++) entries.push({ index: ++index, term: 1, request: { put: { key: key(index), value: VALUE } } });
      store.applyBatch(entries);
      // The node applies one batch per Ready: let timers (the group commit) run between them.
      if ((done / batch) % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    await store.flush();
    const cpu = process.cpuUsage(cpu0);
    const ms = performance.now() - t0;
    const perPut = (cpu.user + cpu.system) / PUTS;
    return `| ${name} | ${batch} | ${Math.round(PUTS / (ms / 1000))} | ${perPut.toFixed(1)} |`;
  } finally {
    store.close();
  }
}

const rows = ["| commits | puts per batch | puts/s | CPU µs per put (process) |", "|---|---|---|---|"];
for (const batch of values.batches.split(",").map(Number)) {
  rows.push(await run("every batch", batch, { groupCommit: { intervalMs: 0 } }));
  rows.push(await run("shared (10 ms)", batch, {}));
}
console.log(rows.join("\n"));
if (values.dir === undefined) rmSync(base, { recursive: true, force: true });
