// What `trireme bench` prints: a progress line while running, then a summary (text or JSON).
import type { BenchResult, Progress } from "./runner.ts";

/** The JSON report: stable field names other tools (scripts/bench-compare.ts) read. */
export interface BenchJson {
  workload: string;
  endpoints: string[];
  conns: number;
  clients: number;
  keySize: number;
  valSize: number;
  sequentialKeys: boolean;
  keySpaceSize: number;
  consistency?: "l" | "s";
  txnOps?: number;
  rate: number;
  client: string;
  requests: number;
  ok: number;
  errors: number;
  errorsByCode: Record<string, number>;
  seconds: number;
  opsPerSecond: number;
  latencyMs: { min: number; mean: number; stddev: number; p50: number; p90: number; p99: number; "p99.9": number; max: number };
}

export function toJson(r: BenchResult): BenchJson {
  const o = r.options;
  const l = r.latency;
  return {
    workload: o.workload,
    endpoints: o.endpoints,
    conns: o.conns,
    clients: o.clients,
    keySize: o.keySize,
    valSize: o.valSize,
    sequentialKeys: o.sequentialKeys,
    keySpaceSize: o.keySpaceSize,
    ...(o.workload === "range" ? { consistency: o.consistency } : {}),
    ...(o.workload === "txn-put" ? { txnOps: o.txnOps } : {}),
    rate: o.rate,
    client: o.client,
    requests: r.requests,
    ok: r.ok,
    errors: r.errors,
    errorsByCode: r.errorsByCode,
    seconds: round(r.seconds, 4),
    opsPerSecond: round(r.opsPerSecond, 1),
    latencyMs: { min: l.minMs, mean: l.meanMs, stddev: l.stddevMs, p50: l.p50Ms, p90: l.p90Ms, p99: l.p99Ms, "p99.9": l.p999Ms, max: l.maxMs },
  };
}

export function formatText(r: BenchResult): string {
  const o = r.options;
  const l = r.latency;
  const what = o.workload === "range" ? `range (${o.consistency === "l" ? "linearizable" : "serializable"})` : o.workload;
  const lines = [
    `Summary: ${what}, ${o.conns} conns, ${o.clients} clients, endpoints ${o.endpoints.join(",")} (${o.client} client)`,
    `  Total:        ${r.seconds.toFixed(4)} s`,
    `  Requests:     ${r.requests} (${r.ok} ok, ${r.errors} errors)`,
    `  Requests/sec: ${r.opsPerSecond.toFixed(1)}`,
    "",
    "Latency (ms):",
    `  min ${fmt(l.minMs)}  mean ${fmt(l.meanMs)}  stddev ${fmt(l.stddevMs)}`,
    `  p50 ${fmt(l.p50Ms)}  p90 ${fmt(l.p90Ms)}  p99 ${fmt(l.p99Ms)}  p99.9 ${fmt(l.p999Ms)}  max ${fmt(l.maxMs)}`,
  ];
  const errs = Object.entries(r.errorsByCode).sort((a, b) => b[1] - a[1]);
  if (errs.length > 0) {
    lines.push("", "Error distribution:");
    for (const [msg, n] of errs) lines.push(`  [${n}] ${msg}`);
  }
  return lines.join("\n");
}

/** One progress line. On a TTY it carries a bar and is redrawn in place by the caller. */
export function progressLine(p: Progress, tty: boolean): string {
  const rate = p.elapsedSeconds > 0 ? p.ok / p.elapsedSeconds : 0;
  const pct = Math.min(100, Math.floor(p.fraction * 100));
  const stats = `${pct}% ${p.done} done, ${p.errors} errors, ${rate.toFixed(0)} ops/s, ${p.elapsedSeconds.toFixed(1)} s`;
  if (!tty) return `bench: ${stats}`;
  const width = 30;
  const filled = Math.min(width, Math.floor(p.fraction * width));
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${stats}`;
}

function fmt(ms: number): string {
  return ms.toFixed(3);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
