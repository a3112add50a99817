// The deterministic simulation in CI: SEEDS seeds x {DiskFirst, MemFirst}, 3- and 5-voter clusters,
// zero violations, and counters proving the faults and features were exercised. A failure prints
// the seed, the invariant and the command that replays it with a trace.

import assert from "node:assert/strict";
import { stdout } from "node:process";
import { describe, test } from "node:test";
import { defaultCore } from "./default-core.ts";
import type { Strategy } from "./params.ts";
import { addToSummary, emptySummary, formatSummary, runSeed, type Summary } from "./run.ts";

/** Seeds per strategy (2 x 1,000 = 2,000 runs). */
const SEEDS = 1000;
/** Small chunks: `bun test` gives each test 5 s unless --timeout says otherwise. */
const CHUNKS = 50;

function runChunk(strategy: Strategy, from: number, to: number, into: Summary): void {
  for (let seed = from; seed < to; seed++) {
    const o = { strategy, voters: seed % 2 === 0 ? 3 : 5 };
    const r = runSeed(seed, o, defaultCore);
    addToSummary(into, r, { strategy });
  }
}

function assertNoViolations(s: Summary): void {
  if (s.violations.length === 0) return;
  const lines = s.violations
    .slice(0, 10)
    .map((v) => `seed ${v.seed} (${v.strategy}, ${v.voters} voters): ${v.invariant}: ${v.detail}\n    replay: ${v.replay}`);
  assert.fail(`${s.violations.length} simulation run(s) violated an invariant:\n${lines.join("\n")}`);
}

for (const strategy of ["disk", "mem"] as const) {
  describe(`simulation, ${strategy === "disk" ? "DiskFirst" : "MemFirst"}, ${SEEDS} seeds`, () => {
    const total = emptySummary();
    const per = Math.ceil(SEEDS / CHUNKS);
    for (let c = 0; c < CHUNKS; c++) {
      const from = 1 + c * per;
      const to = Math.min(1 + SEEDS, from + per);
      test(`seeds ${from}..${to - 1}: no invariant violated`, { timeout: 60_000 }, () => {
        const s = emptySummary();
        runChunk(strategy, from, to, s);
        addSummary(total, s);
        assertNoViolations(s);
      });
    }
    test("every run had faults and a re-election; every feature was exercised", () => {
      stdout.write(`${strategy}:\n${formatSummary(total)}\n`);
      const c = total.counters;
      assert.equal(total.runs, SEEDS);
      assert.equal(total.runsWithFaults, total.runs, "every run crashes or partitions something");
      // A run stopped early by an (allowed) MemFirst loss window may end before its second election.
      assert.ok(total.runsWithReelection >= (total.runs - total.memFirstLossRuns) * 0.95, `re-elections in ${total.runsWithReelection} runs`);
      assert.ok(c.elections >= 2 * total.runs, `elections ${c.elections}`);
      assert.ok(c.commits > 50 * total.runs, `commits ${c.commits}`);
      assert.ok(c.writesAcked > 0 && c.readsServed > 0, "writes acknowledged and reads served");
      assert.ok(c.leaseReads > 0, "reads served from a leader's lease");
      if (strategy === "mem") assert.ok(c.stateMachineAhead > 0, "a durable state machine ahead of the log adopted at restart");
      assert.ok(c.confChangesApplied > 0, "conf changes applied");
      assert.ok(c.transfersCompleted > 0, "leadership transfers completed");
      assert.ok(c.snapshotsInstalled > 0 && c.snapshotsFailed > 0, "snapshots installed and failed");
      assert.ok(c.crashes > 0 && c.restarts > 0 && c.partitions > 0, "crashes, restarts, partitions");
      assert.ok(total.network.dropped > 0 && total.network.duplicated > 0, "drops and duplicates");
      assert.ok(c.truncations > 0, "followers truncated conflicting suffixes");
      if (strategy === "disk") assert.equal(total.memFirstLossRuns, 0);
    });
  });
}

function addSummary(into: Summary, s: Summary): void {
  into.runs += s.runs;
  into.byStrategy.disk += s.byStrategy.disk;
  into.byStrategy.mem += s.byStrategy.mem;
  for (const k of Object.keys(into.counters) as Array<keyof Summary["counters"]>) into.counters[k] += s.counters[k];
  for (const k of Object.keys(into.network) as Array<keyof Summary["network"]>) into.network[k] += s.network[k];
  into.violations.push(...s.violations);
  into.memFirstLossRuns += s.memFirstLossRuns;
  into.runsWithFaults += s.runsWithFaults;
  into.runsWithReelection += s.runsWithReelection;
}
