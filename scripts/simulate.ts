// Deterministic simulation of the Raft core (test/raft/sim). Runs many seeds, or replays one with
// a readable event trace. Exits non-zero when any invariant is violated.
//
//   bun scripts/simulate.ts --seeds 10000 [--strategy disk|mem|both] [--nodes 3..7] [--start S]
//   bun scripts/simulate.ts --seed S --strategy disk --trace
//   bun scripts/simulate.ts --seeds 2000 --core /tmp/mutant   (a mutated copy of src/raft)

import { parseArgs } from "node:util";
import type { CoreModule } from "../test/raft/sim/core.ts";
import { loadCore } from "../test/raft/sim/core.ts";
import { defaultCore } from "../test/raft/sim/default-core.ts";
import type { ParamOverrides, Strategy } from "../test/raft/sim/params.ts";
import { addToSummary, emptySummary, formatSummary, replayCommand, runSeed } from "../test/raft/sim/run.ts";

const { values } = parseArgs({
  options: {
    seeds: { type: "string" },
    seed: { type: "string" },
    start: { type: "string", default: "1" },
    strategy: { type: "string", default: "both" },
    nodes: { type: "string" },
    ticks: { type: "string" },
    core: { type: "string" },
    trace: { type: "boolean", default: false },
    "stop-on-violation": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

function usage(code: number): never {
  console.log(`usage: bun scripts/simulate.ts (--seeds N [--start S] | --seed S [--trace]) [--strategy disk|mem|both]
       [--nodes 3..7] [--ticks T] [--core DIR] [--stop-on-violation]`);
  process.exit(code);
}

function intOption(name: string, v: string | undefined, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) {
    console.error(`--${name}: expected an integer in ${lo}..${hi}, got "${v}"`);
    process.exit(2);
  }
  return n;
}

if (values.help) usage(0);
const strategies: Strategy[] =
  values.strategy === "both" ? ["disk", "mem"] : values.strategy === "disk" || values.strategy === "mem" ? [values.strategy] : usage(2);
const voters = intOption("nodes", values.nodes, 3, 7);
const safetyTicks = intOption("ticks", values.ticks, 10, 1_000_000);
const core: CoreModule = values.core !== undefined ? await loadCore(values.core) : defaultCore;

if (values.seed !== undefined) {
  const seed = intOption("seed", values.seed, 0, Number.MAX_SAFE_INTEGER) as number;
  let failed = false;
  for (const strategy of strategies) {
    const o: ParamOverrides = { strategy, voters, safetyTicks };
    const r = runSeed(seed, o, core, values.trace ? (line) => console.log(line) : null);
    console.log(`seed ${seed} strategy ${strategy} voters ${r.params.voters}: ${JSON.stringify(r.counters)}`);
    if (r.memFirstLoss !== undefined) console.log(`stopped: MemFirst loss window (allowed): ${r.memFirstLoss}`);
    if (r.violation !== undefined) {
      failed = true;
      console.log(`VIOLATION ${r.violation.invariant} at t=${r.violation.time}: ${r.violation.detail}`);
    } else {
      console.log("no violation");
    }
  }
  process.exit(failed ? 1 : 0);
}

const count = intOption("seeds", values.seeds, 1, 100_000_000);
if (count === undefined) usage(2);
const start = intOption("start", values.start, 0, Number.MAX_SAFE_INTEGER) as number;
const summary = emptySummary();
const began = performance.now();
outer: for (let i = 0; i < count; i++) {
  const seed = start + i;
  for (const strategy of strategies) {
    const o: ParamOverrides = { strategy, voters, safetyTicks };
    const r = runSeed(seed, o, core);
    addToSummary(summary, r, { strategy, safetyTicks }, values.core);
    if (r.violation !== undefined) {
      console.log(`VIOLATION seed ${seed} (${strategy}, ${r.params.voters} voters): ${r.violation.invariant} at t=${r.violation.time}: ${r.violation.detail}`);
      console.log(`  replay: ${replayCommand(seed, { strategy, voters: r.params.voters, safetyTicks }, values.core)}`);
      if (values["stop-on-violation"]) break outer;
    }
  }
}
const secs = (performance.now() - began) / 1000;
console.log(formatSummary(summary));
console.log(`${summary.runs} runs in ${secs.toFixed(1)} s (${(summary.runs / secs).toFixed(0)} runs/s)`);
process.exit(summary.violations.length > 0 ? 1 : 0);
