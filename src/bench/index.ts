// The load generator's public surface (used by `trireme bench` and scripts/bench-compare.ts).
export { DEFAULTS, resolveOptions, WORKLOADS, type BenchOptions, type ClientKind, type RawBenchFlags, type StopRule, type Workload } from "./options.ts";
export { runBench, type BenchResult, type Progress, type RunHooks } from "./runner.ts";
export { formatText, progressLine, toJson, type BenchJson } from "./report.ts";
