// Kill -9 under load, restart, check: the persistence contract, tested on real processes.
// CI runs TRIREME_CRASH_CYCLES (default 50) DiskFirst cycles and a third as many MemFirst ones.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { openDataDir } from "../../src/storage/index.ts";
import { diskFirst, payload, tempDir } from "../storage/helpers.ts";

const CYCLES = Number(process.env.TRIREME_CRASH_CYCLES ?? 50);
const APPENDER = fileURLToPath(new URL("./appender.ts", import.meta.url));
const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

let seed = Number(process.env.TRIREME_CRASH_SEED ?? Date.now()) >>> 0;
const firstSeed = seed;
function random(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

/** Runs one child until a random moment after it is ready, SIGKILLs it, returns its full lines. */
function runAndKill(args: string[], minMs: number, maxMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APPENDER, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timer: ReturnType<typeof setTimeout> | undefined;
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (s: string) => {
      stdout += s;
      if (timer === undefined && stdout.includes("\n")) {
        timer = setTimeout(() => child.kill("SIGKILL"), minMs + random() * (maxMs - minMs));
      }
    });
    child.stderr.on("data", (s: Buffer) => (stderr += s.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(guard);
      if (timer !== undefined) clearTimeout(timer);
      if (signal !== "SIGKILL") reject(new Error(`appender exited by itself (code ${code}): ${stderr}`));
      // A line cut by the kill was never fully acknowledged: drop it.
      else resolve(stdout.split("\n").slice(0, -1));
    });
  });
}

interface Recovered {
  first: number;
  last: number;
  byIndex: Map<number, { term: number; data: Uint8Array }>;
  hs: { term: number; vote: number };
}

async function recover(dir: string): Promise<Recovered> {
  const d = await openDataDir({ dir, clusterId: 1, nodeId: 1, persistence: diskFirst, verifyLatestSnapshot: false });
  try {
    const byIndex = new Map<number, { term: number; data: Uint8Array }>();
    for (const e of d.log.loadAll()) byIndex.set(e.index, { term: e.term, data: e.data });
    return { first: d.log.firstIndex(), last: d.log.lastIndex(), byIndex, hs: d.hardState.load() };
  } finally {
    await d.close();
  }
}

function checkHardState(r: Recovered, lines: string[], label: string): void {
  let saved: { term: number; vote: number } | undefined;
  for (const l of lines) {
    const p = l.split(" ");
    if (p[0] === "hs") saved = { term: Number(p[1]), vote: Number(p[2]) };
  }
  if (saved === undefined) return;
  assert.ok(r.hs.term >= saved.term, `${label}: hard state term ${saved.term} was reported saved, recovered ${r.hs.term}`);
  if (r.hs.term === saved.term) assert.equal(r.hs.vote, saved.vote, `${label}: vote of term ${saved.term} lost`);
}

describe("crash: SIGKILL under load, restart, check", () => {
  test(`DiskFirst: no acknowledged entry is lost over ${CYCLES} kill cycles (seed ${firstSeed})`, { timeout: 300_000 }, async () => {
    const t = tempDir("crash-disk");
    cleanups.push(t.cleanup);
    const acked = new Map<number, number>(); // index -> term
    let lost = 0;
    let checked = 0;
    let totalAcks = 0;
    for (let gen = 1; gen <= CYCLES; gen++) {
      const lines = await runAndKill([t.dir, "DiskFirst", String(gen), String(Math.floor(random() * 2 ** 31))], 20, 250);
      for (const l of lines) {
        const p = l.split(" ");
        if (p[0] !== "ack") continue;
        totalAcks++;
        for (let i = Number(p[1]); i <= Number(p[2]); i++) acked.set(i, Number(p[3]));
      }
      const r = await recover(t.dir);
      for (const [i, term] of acked) {
        if (i < r.first) {
          acked.delete(i); // compacted (the appender compacts only below its durable index)
          continue;
        }
        checked++;
        const e = r.byIndex.get(i);
        if (e === undefined || e.term !== term || !Buffer.from(e.data).equals(Buffer.from(payload(i, term)))) lost++;
      }
      assert.equal(lost, 0, `cycle ${gen} (seed ${firstSeed}): ${lost} acknowledged entries lost or wrong`);
      checkHardState(r, lines, `cycle ${gen}`);
    }
    console.log(`DiskFirst crash test: ${CYCLES} SIGKILL cycles, ${totalAcks} acknowledgements, ${checked} entry checks, 0 lost acknowledged entries (seed ${firstSeed})`);
    assert.ok(totalAcks > CYCLES, "the appender acknowledged almost nothing: the test proved nothing");
  });

  const memCycles = Math.max(5, Math.ceil(CYCLES / 3));
  test(`MemFirst Batch: durable entries survive, loss stays within the buffer over ${memCycles} kill cycles`, { timeout: 300_000 }, async () => {
    const t = tempDir("crash-mem");
    cleanups.push(t.cleanup);
    const threshold = 100;
    const intervalMs = 10;
    const maxBuffered = 200;
    let maxLoss = 0;
    let durableChecks = 0;
    for (let gen = 1; gen <= memCycles; gen++) {
      const lines = await runAndKill(
        [t.dir, "MemFirst", String(gen), String(Math.floor(random() * 2 ** 31)), String(threshold), String(intervalMs), String(maxBuffered)],
        20,
        250,
      );
      // Per index: every term this generation appended there, and the last before each durable report.
      const latest = new Map<number, number>();
      const everAppended = new Map<number, Set<number>>();
      let durable = 0;
      let durableTerms = new Map<number, number>();
      let maxAppended = 0;
      for (const l of lines) {
        const p = l.split(" ");
        if (p[0] === "app") {
          for (let i = Number(p[1]); i <= Number(p[2]); i++) {
            latest.set(i, Number(p[3]));
            if (!everAppended.has(i)) everAppended.set(i, new Set());
            everAppended.get(i)!.add(Number(p[3]));
          }
          maxAppended = Math.max(maxAppended, Number(p[2]));
        } else if (p[0] === "durable") {
          durable = Number(p[1]);
          durableTerms = new Map([...latest].filter(([i]) => i <= durable));
        }
      }
      const r = await recover(t.dir);
      assert.ok(r.last >= durable, `cycle ${gen}: durable index ${durable} was reported, only ${r.last} recovered`);
      for (const [i, term] of durableTerms) {
        if (i < r.first) continue;
        durableChecks++;
        const e = r.byIndex.get(i);
        assert.ok(e !== undefined && e.term === term, `cycle ${gen}: entry ${i} (term ${term}) was reported durable but recovered ${e ? `term ${e.term}` : "nothing"}`);
        assert.deepEqual(e.data, payload(i, term));
      }
      // What is above the last durable report must still be something that was appended there.
      for (let i = Math.max(durable + 1, r.first); i <= r.last; i++) {
        const e = r.byIndex.get(i)!;
        const terms = everAppended.get(i);
        if (terms === undefined) continue; // from an earlier generation
        assert.ok(terms.has(e.term), `cycle ${gen}: entry ${i} has term ${e.term}, never appended there`);
        assert.deepEqual(e.data, payload(i, e.term));
      }
      const loss = Math.max(0, maxAppended - r.last);
      maxLoss = Math.max(maxLoss, loss);
      // The unflushed window is bounded by the Batch threshold (plus the one append that filled it).
      assert.ok(loss <= threshold + 10, `cycle ${gen}: lost ${loss} appended entries, more than the threshold of ${threshold}`);
      checkHardState(r, lines, `cycle ${gen}`);
    }
    console.log(`MemFirst Batch{${threshold}, ${intervalMs} ms} crash test: ${memCycles} cycles, ${durableChecks} durable-entry checks, max loss ${maxLoss} entries (threshold ${threshold}, buffer ${maxBuffered}) (seed ${firstSeed})`);
  });
});
