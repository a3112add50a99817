// One simulation run per seed, and the summary over many seeds.

import { Cluster, emptyCounters, type Counters } from "./cluster.ts";
import { MemFirstLoss, SimViolation } from "./checker.ts";
import type { CoreModule } from "./core.ts";
import { paramsFor, type ParamOverrides, type SimParams, type Strategy } from "./params.ts";
import { Workload } from "./workload.ts";

export interface RunResult {
  seed: number;
  params: SimParams;
  counters: Counters;
  network: { sent: number; delivered: number; dropped: number; duplicated: number; blocked: number };
  /** Set when an invariant failed. */
  violation?: { invariant: string; detail: string; time: number };
  /** Set when a MemFirst run hit a crash pattern that loses acknowledged writes (allowed by MemFirst). */
  memFirstLoss?: string;
}

export function replayCommand(seed: number, o: ParamOverrides, corePath?: string): string {
  let cmd = `node_modules/.bin/bun scripts/simulate.ts --seed ${seed} --strategy ${o.strategy}`;
  if (o.voters !== undefined) cmd += ` --nodes ${o.voters}`;
  if (o.safetyTicks !== undefined) cmd += ` --ticks ${o.safetyTicks}`;
  if (corePath !== undefined) cmd += ` --core ${corePath}`;
  return `${cmd} --trace`;
}

export function runSeed(seed: number, o: ParamOverrides, core: CoreModule, trace: ((line: string) => void) | null = null): RunResult {
  const params = paramsFor(seed, o);
  const cluster = new Cluster(params, core, trace);
  const result: RunResult = { seed, params, counters: cluster.counters, network: cluster.net.counters };
  try {
    const work = new Workload(cluster);
    work.startSafetyPhase();
    for (const n of cluster.nodes.values()) cluster.drain(n);
    while (cluster.queue.step(params.safetyTime)) {
      /* run events */
    }
    cluster.queue.now = params.safetyTime;
    const lost = cluster.durability.lossCheck(cluster.durability.committedNotApplied());
    if (lost !== null) {
      if (params.strategy === "disk" || !lost.explained) cluster.checker.fail("durability", `at the end of the faulty phase: ${lost.detail}`);
      cluster.counters.memFirstLossWindows++;
      throw new MemFirstLoss(`at the end of the faulty phase: ${lost.detail}`);
    }
    work.runLivenessPhase();
  } catch (err) {
    if (err instanceof SimViolation) {
      result.violation = { invariant: err.invariant, detail: err.detail, time: err.time };
    } else if (err instanceof MemFirstLoss) {
      result.memFirstLoss = err.detail;
    } else {
      const e = err instanceof Error ? err : new Error(String(err));
      result.violation = { invariant: "simulator error", detail: e.stack ?? e.message, time: cluster.queue.now };
    }
  }
  for (const n of cluster.nodes.values()) result.counters.truncations += n.storage.counters.truncations;
  return result;
}

export interface Summary {
  runs: number;
  byStrategy: Record<Strategy, number>;
  counters: Counters;
  network: RunResult["network"];
  violations: Array<{ seed: number; strategy: Strategy; voters: number; invariant: string; detail: string; replay: string }>;
  memFirstLossRuns: number;
  /** Runs with at least one crash or partition, and with at least two elections. */
  runsWithFaults: number;
  runsWithReelection: number;
}

export function emptySummary(): Summary {
  return {
    runs: 0,
    byStrategy: { disk: 0, mem: 0 },
    counters: emptyCounters(),
    network: { sent: 0, delivered: 0, dropped: 0, duplicated: 0, blocked: 0 },
    violations: [],
    memFirstLossRuns: 0,
    runsWithFaults: 0,
    runsWithReelection: 0,
  };
}

export function addToSummary(s: Summary, r: RunResult, o: ParamOverrides, corePath?: string): void {
  s.runs++;
  s.byStrategy[r.params.strategy]++;
  for (const k of Object.keys(s.counters) as Array<keyof Counters>) s.counters[k] += r.counters[k];
  for (const k of Object.keys(s.network) as Array<keyof Summary["network"]>) s.network[k] += r.network[k];
  if (r.memFirstLoss !== undefined) s.memFirstLossRuns++;
  if (r.counters.crashes + r.counters.partitions > 0) s.runsWithFaults++;
  if (r.counters.elections >= 2) s.runsWithReelection++;
  if (r.violation !== undefined) {
    s.violations.push({
      seed: r.seed,
      strategy: r.params.strategy,
      voters: r.params.voters,
      invariant: r.violation.invariant,
      detail: r.violation.detail,
      replay: replayCommand(r.seed, { ...o, voters: r.params.voters }, corePath),
    });
  }
}

export function formatSummary(s: Summary): string {
  const c = s.counters;
  const n = s.network;
  return [
    `runs ${s.runs} (disk ${s.byStrategy.disk}, mem ${s.byStrategy.mem}); with faults ${s.runsWithFaults}, with re-election ${s.runsWithReelection}`,
    `elections ${c.elections}, leader changes ${c.leaderChanges}, commits ${c.commits}, writes acked ${c.writesAcked}/${c.writesProposed} (refused ${c.proposalsRefused})`,
    `reads served ${c.readsServed}/${c.readsStarted} (dropped ${c.readsDropped}, from a lease ${c.leaseReads})`,
    `conf changes applied ${c.confChangesApplied}/${c.confChangesProposed} proposed, transfers ${c.transfersCompleted}/${c.transfersRequested}`,
    `snapshots taken ${c.snapshotsTaken}, sent ${c.snapshotsSent}, installed ${c.snapshotsInstalled}, failed ${c.snapshotsFailed}; log truncations ${c.truncations}`,
    `crashes ${c.crashes}, restarts ${c.restarts}, partitions ${c.partitions}; messages sent ${n.sent}, dropped ${n.dropped}, duplicated ${n.duplicated}, blocked ${n.blocked}; unreachable reports ${c.unreachableReports}`,
    `durable state machine: adopted as a snapshot at restart (ahead of the log) ${c.stateMachineAhead}, log replaced (it held other entries below the applied index) ${c.staleLogRestarts}`,
    `MemFirst runs that hit an allowed loss window (stopped there): ${s.memFirstLossRuns}`,
    `violations: ${s.violations.length}`,
  ].join("\n");
}
