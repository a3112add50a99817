#!/usr/bin/env bun
// Side by side with etcd, in one run on 127.0.0.1: a 3-member etcd (Debian's etcd-server), then a
// 3-node trireme cluster with DiskFirst, then with MemFirst, each driven by the same workloads from
// etcd's own benchmark tool (--etcd-benchmark, built by ../shared/tools/etcd-benchmark.sh) and/or
// `trireme bench` (--tools), each stopped before the next starts, the whole set repeated. Prints a
// markdown table of ops/s, latency percentiles and server CPU µs per operation with trireme/etcd
// ratios (against etcd driven by the same tool), and each system's CPU seconds and peak RSS.
//
//   bun scripts/bench-compare.ts [--repeat 2] [--systems etcd,disk,mem] [--base-port 25400]
//          [--seq-total 2000] [--total 20000] [--etcd-benchmark PATH] [--tools etcd,trireme]
//          [--max-seconds 1200] [--json FILE] [--warmup 0] [--snapshot-entries N]
//
// --warmup N: before the measured workloads, each fresh cluster (etcd's too) takes N puts at
// 10 conns / 100 clients and N/10 at 1 / 1, not measured: the steady state of a member that has
// run for a while. Without it trireme is measured while Bun's JIT is still compiling its hot
// paths (its compiler threads then take up to a quarter of the cluster's CPU per put).
//
// --snapshot-entries N: trireme's raft.snapshot_entries (default the preset's 10,000). Two runs,
// one with the default and one with a number larger than the run's entries, give the CPU that
// snapshots and log compaction cost under the same load.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { BenchJson } from "../src/bench/index.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const MAIN = join(ROOT, "src/main.ts");
const CLUSTER = join(ROOT, "scripts/cluster.ts");
const ETCD = "/usr/bin/etcd";
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

type SystemName = "etcd" | "disk" | "mem";
const LABEL: Record<SystemName, string> = { etcd: "etcd 3.4.23", disk: "trireme DiskFirst", mem: "trireme MemFirst" };

interface Workload {
  id: string;
  title: string;
  args: string[];
  /** The same workload in etcd's own benchmark tool's flags. */
  etcdTool: string[];
  /** Requests the workload makes (for CPU per operation). */
  total: number;
}

interface Sample {
  system: SystemName;
  rep: number;
  workload: string;
  tool: "trireme bench" | "etcd benchmark";
  opsPerSecond: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
  errorsByCode: Record<string, number>;
  /** CPU seconds the system's processes used during this workload. */
  cpuSeconds: number;
}

interface Resources {
  system: SystemName;
  rep: number;
  cpuSeconds: number;
  peakRssMiB: number;
}

/** Processes of one running system, measured through /proc. */
interface Running {
  endpoints: string[];
  pids(): number[];
  stop(): Promise<void>;
}

function usage(): never {
  console.error(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(1, 11).join("\n").replace(/^\/\/ ?/gm, ""));
  process.exit(2);
}

const { values: flags } = (() => {
  try {
    return parseArgs({
      options: {
        repeat: { type: "string", default: "2" },
        systems: { type: "string", default: "etcd,disk,mem" },
        "base-port": { type: "string", default: "25400" },
        "seq-total": { type: "string", default: "2000" },
        total: { type: "string", default: "20000" },
        "etcd-benchmark": { type: "string" },
        tools: { type: "string" },
        "max-seconds": { type: "string", default: "1200" },
        json: { type: "string" },
        warmup: { type: "string", default: "0" },
        "snapshot-entries": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
  } catch (err) {
    console.error(`bench-compare: ${(err as Error).message}`);
    return usage();
  }
})();
if (flags.help) usage();

const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench-compare: --${name} must be a whole number above 0, got "${text}"`);
    process.exit(2);
  }
  return n;
};
const REPEAT = positive("repeat", flags.repeat!);
const BASE_PORT = positive("base-port", flags["base-port"]!);
const SEQ_TOTAL = positive("seq-total", flags["seq-total"]!);
const TOTAL = positive("total", flags.total!);
const MAX_SECONDS = positive("max-seconds", flags["max-seconds"]!);
const WARMUP = flags.warmup === "0" ? 0 : positive("warmup", flags.warmup!);
const SNAPSHOT_ENTRIES = flags["snapshot-entries"] === undefined ? undefined : positive("snapshot-entries", flags["snapshot-entries"]);
type ToolName = "etcd" | "trireme";
// etcd's own tool is the yardstick whenever it is available; `trireme bench` otherwise.
const TOOLS = (flags.tools ?? (flags["etcd-benchmark"] !== undefined ? "etcd" : "trireme")).split(",").map((t) => t.trim()) as ToolName[];
for (const t of TOOLS) {
  if (t !== "etcd" && t !== "trireme") {
    console.error(`bench-compare: --tools: unknown tool "${t}" (expected etcd, trireme)`);
    process.exit(2);
  }
  if (t === "etcd" && flags["etcd-benchmark"] === undefined) {
    console.error("bench-compare: --tools etcd needs --etcd-benchmark PATH (build it with ../shared/tools/etcd-benchmark.sh)");
    process.exit(2);
  }
}
const SYSTEMS = flags.systems!.split(",").map((s) => s.trim()) as SystemName[];
for (const s of SYSTEMS) {
  if (!(s in LABEL)) {
    console.error(`bench-compare: --systems: unknown system "${s}" (expected etcd, disk, mem)`);
    process.exit(2);
  }
}
const startedAt = Date.now();
const log = (msg: string) => console.error(`[bench-compare +${((Date.now() - startedAt) / 1000).toFixed(0)}s] ${msg}`);
const overBudget = () => Date.now() - startedAt > MAX_SECONDS * 1000;

// etcd's conventions: 8-byte keys, 256-byte values, a new key per put.
const KEYS = ["--key-size", "8", "--val-size", "256", "--sequential-keys", "--key-space-size", "1000000"];
const WORKLOADS: Workload[] = [
  {
    id: "put-1x1",
    title: "put, 1 conn / 1 client",
    args: ["put", "--conns", "1", "--clients", "1", "--total", String(SEQ_TOTAL), ...KEYS],
    etcdTool: ["--conns=1", "--clients=1", "put", "--key-size=8", "--val-size=256", "--sequential-keys", "--key-space-size=1000000", `--total=${SEQ_TOTAL}`],
    total: SEQ_TOTAL,
  },
  {
    id: "put-10x100",
    title: "put, 10 conns / 100 clients",
    args: ["put", "--conns", "10", "--clients", "100", "--total", String(TOTAL), ...KEYS],
    etcdTool: ["--conns=10", "--clients=100", "put", "--key-size=8", "--val-size=256", "--sequential-keys", "--key-space-size=1000000", `--total=${TOTAL}`],
    total: TOTAL,
  },
  {
    id: "range-l-10x100",
    title: "linearizable range, 10 conns / 100 clients",
    // Random keys among those the puts wrote, so reads find values.
    args: ["range", "--conns", "10", "--clients", "100", "--total", String(TOTAL), "--consistency", "l", "--key-size", "8", "--key-space-size", String(TOTAL)],
    // etcd's tool reads one key again and again (argv cannot carry the binary keys its puts
    // wrote): each read is still a full linearizable round, the same on every system.
    etcdTool: ["--conns=10", "--clients=100", "range", "bench-range-key", "--consistency=l", `--total=${TOTAL}`],
    total: TOTAL,
  },
];

// ---------------------------------------------------------------- processes and /proc

function cpuSecondsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the ")" that ends the command name: utime and stime are fields 14 and 15.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // The process exited between listing and reading: nothing left to count.
    }
  }
  return ticks / CLK_TCK;
}

function peakRssMiBOf(pids: number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) kib += Number(m[1]);
    } catch {
      // exited
    }
  }
  return kib / 1024;
}

/** All descendants of `root` (not root itself: the launcher is not the system under test). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** SIGTERM to the child (a launcher stops its own members), SIGKILL after 15 s — to the whole
 *  process group when the child leads one, so no member outlives the run. */
async function stopChild(child: ChildProcess, group: boolean): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    try {
      if (group) process.kill(-child.pid!, "SIGKILL");
      else child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, 15_000);
  await exited;
  clearTimeout(timer);
}

/** Children of the run in flight, killed if the script itself is told to stop. */
const active = new Set<ChildProcess>();

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** spawn + collect, asynchronously, so signal handlers run while a workload is under way. */
function run(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    active.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-20_000)));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs / 1000} s)`;
      child.kill("SIGKILL");
    }, timeoutMs);
    const done = (status: number | null) => {
      clearTimeout(timer);
      active.delete(child);
      resolve({ status, stdout, stderr });
    };
    child.once("error", (err) => {
      stderr += err.message;
      done(null);
    });
    child.once("exit", (code) => done(code));
  });
}

// ---------------------------------------------------------------- systems

/** Runs `trireme bench put --total 1` until it succeeds: the cluster has a leader and commits. */
async function waitServing(endpoints: string[], what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await run(process.execPath, [MAIN, "bench", "put", "--endpoints", endpoints.join(","), "--total", "1", "--dial-timeout", "2s", "--timeout", "2s", "--json"], 15_000);
    if (r.status === 0) return;
    if (Date.now() > deadline) throw new Error(`${what} not serving on ${endpoints.join(",")} after ${timeoutMs / 1000} s: ${r.stderr.trim().slice(-500)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

/** The member that leads, put first so the 1-conn workloads talk to the leader. */
function leaderFirst(endpoints: string[]): string[] {
  const r = spawnSync("etcdctl", [`--endpoints=${endpoints.join(",")}`, "endpoint", "status", "-w", "json"], {
    encoding: "utf8",
    env: { ...process.env, ETCDCTL_API: "3" },
    timeout: 10_000,
  });
  if (r.status !== 0) {
    log(`etcdctl endpoint status failed (${r.stderr.trim().slice(0, 200)}); keeping the endpoint order`);
    return endpoints;
  }
  type Status = { Endpoint: string; Status: { header: { member_id: number | string }; leader: number | string } };
  const list = JSON.parse(r.stdout) as Status[];
  const leader = list.find((s) => String(s.Status.header.member_id) === String(s.Status.leader));
  if (leader === undefined) return endpoints;
  const ep = leader.Endpoint.replace(/^https?:\/\//, "");
  return [ep, ...endpoints.filter((e) => e !== ep)];
}

async function startEtcd(basePort: number): Promise<Running> {
  if (!existsSync(ETCD)) {
    log("etcd-server is missing: apt-get install -y etcd-server");
    const r = spawnSync("apt-get", ["install", "-y", "etcd-server"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status !== 0 || !existsSync(ETCD)) throw new Error("could not install etcd-server with apt-get; install it and run again");
  }
  const dir = mkdtempSync(join(tmpdir(), "bench-compare-etcd-"));
  const members = [0, 1, 2].map((i) => ({ name: `e${i}`, client: basePort + i, peer: basePort + 10 + i }));
  const cluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(",");
  const children = members.map((m) => {
    const child = spawn(
      ETCD,
      [
        `--name=${m.name}`,
        `--data-dir=${join(dir, m.name)}`,
        `--listen-client-urls=http://127.0.0.1:${m.client}`,
        `--advertise-client-urls=http://127.0.0.1:${m.client}`,
        `--listen-peer-urls=http://127.0.0.1:${m.peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${m.peer}`,
        `--initial-cluster=${cluster}`,
        "--initial-cluster-token=bench-compare",
        "--initial-cluster-state=new",
        "--log-level=error",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let tail = "";
    child.stderr!.on("data", (b: Buffer) => (tail = (tail + b.toString()).slice(-4000)));
    child.once("exit", (code, sig) => {
      if (!stopping) log(`etcd ${m.name} exited unexpectedly (${code ?? sig}): ${tail.slice(-1000)}`);
    });
    return child;
  });
  let stopping = false;
  const endpoints = members.map((m) => `127.0.0.1:${m.client}`);
  const running: Running = {
    endpoints,
    pids: () => children.map((c) => c.pid!).filter((p) => p !== undefined),
    stop: async () => {
      stopping = true;
      await Promise.all(children.map((c) => stopChild(c, false)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  current = running;
  try {
    await waitServing(endpoints, "etcd");
    running.endpoints = leaderFirst(endpoints);
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}

/** A trireme cluster through the lead's launcher: `scripts/cluster.ts --nodes 3 --strategy disk|mem
 *  --base-port P --dir D` runs the members until SIGTERM and prints their client addresses on a
 *  line `endpoints: host:port,host:port,...`. */
async function startTrireme(strategy: "disk" | "mem", basePort: number): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), `bench-compare-trireme-${strategy}-`));
  const snapshots = SNAPSHOT_ENTRIES === undefined ? [] : ["--snapshot-entries", String(SNAPSHOT_ENTRIES)];
  const child = spawn(process.execPath, [CLUSTER, "--nodes", "3", "--strategy", strategy, "--base-port", String(basePort), "--dir", dir, "--clean", ...snapshots], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so stopping it stops every node it started
  });
  let out = "";
  const endpoints = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`scripts/cluster.ts printed no "endpoints:" line within 60 s; output: ${out.slice(-1000)}`)), 60_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /endpoints[=:]\s*([^\s]+)/i.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.split(",").map((e) => e.replace(/^https?:\/\//, "")));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`scripts/cluster.ts exited with ${code}: ${out.slice(-1000)}`));
    });
  }).catch(async (err: unknown) => {
    await stopChild(child, true);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const running: Running = {
    endpoints,
    pids: () => descendants(child.pid!),
    stop: async () => {
      await stopChild(child, true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  current = running;
  try {
    await waitServing(endpoints, `trireme ${strategy}`);
    running.endpoints = leaderFirst(endpoints);
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}

// ---------------------------------------------------------------- load

async function runTriremeBench(endpoints: string[], w: Workload): Promise<BenchJson | string> {
  const r = await run(process.execPath, [MAIN, "bench", ...w.args, "--endpoints", endpoints.join(","), "--json"], 300_000);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as BenchJson;
  } catch {
    return `trireme bench exited ${r.status}: ${r.stderr.trim().slice(-500)}`;
  }
}

/** etcd's `benchmark` output: "Requests/sec:", and "50% in 0.0017 secs." lines. */
async function runEtcdTool(tool: string, endpoints: string[], args: string[]): Promise<{ ops: number; p50: number; p99: number; p999: number } | string> {
  const r = await run(tool, [`--endpoints=${endpoints.join(",")}`, ...args], 300_000);
  const text = `${r.stdout}\n${r.stderr}`;
  const ops = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const pct = (p: string) => Number(new RegExp(`\\b${p.replace(".", "\\.")}% in ([\\d.]+) secs`).exec(text)?.[1] ?? NaN) * 1000;
  if (ops === null) return `etcd benchmark exited ${r.status}: ${text.trim().slice(-500)}`;
  return { ops: Number(ops[1]), p50: pct("50"), p99: pct("99"), p999: pct("99.9") };
}

type Buckets = Map<number, number>;

/** The cumulative buckets of trireme_event_loop_lag_seconds (how late each Raft tick fired) at
 *  each member; an empty map where /metrics does not answer (etcd has no such metric). */
async function loopLagBuckets(endpoints: string[]): Promise<Buckets[]> {
  return Promise.all(endpoints.map(async (ep) => {
    const out: Buckets = new Map();
    try {
      const text = await (await fetch(`http://${ep}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
      for (const m of text.matchAll(/^trireme_event_loop_lag_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) {
        out.set(m[1] === "+Inf" ? Infinity : Number(m[1]), Number(m[2]));
      }
    } catch {
      // no answer: reported as no samples
    }
    return out;
  }));
}

/** p99 (the bucket bound that holds it) and the largest bucket reached, from two scrapes. */
function lagBetween(before: Buckets, after: Buckets): { p99Ms: number; maxMs: number; samples: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const count = (le: number) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const total = bounds.length === 0 ? 0 : count(Infinity);
  const bound = (q: number) => bounds.find((le) => count(le) >= q * total) ?? NaN;
  return { p99Ms: total === 0 ? NaN : bound(0.99) * 1000, maxMs: total === 0 ? NaN : bound(1) * 1000, samples: total };
}

/** Puts that are not measured, with the first tool the run uses (the same load on every system). */
async function warmUp(running: Running, system: SystemName): Promise<void> {
  const seq = Math.max(1, Math.floor(WARMUP / 10));
  const t0 = Date.now();
  for (const [conns, clients, total] of [[10, 100, WARMUP], [1, 1, seq]] as const) {
    const keys = ["--key-size=8", "--val-size=256", "--sequential-keys", "--key-space-size=1000000", `--total=${total}`];
    const r = TOOLS[0] === "etcd"
      ? await runEtcdTool(flags["etcd-benchmark"]!, running.endpoints, [`--conns=${conns}`, `--clients=${clients}`, "put", ...keys])
      : await runTriremeBench(running.endpoints, { id: "warmup", title: "warm-up", total, etcdTool: [], args: ["put", "--conns", String(conns), "--clients", String(clients), "--total", String(total), ...KEYS] });
    if (typeof r === "string") throw new Error(`warm-up of ${LABEL[system]} failed: ${r}`);
  }
  log(`${LABEL[system]}: warmed up with ${WARMUP} + ${seq} puts in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

// ---------------------------------------------------------------- the run

const samples: Sample[] = [];
const resources: Resources[] = [];
/** trireme's main-thread loop lag during a workload, per member, from its /metrics. */
const loopLags: { system: SystemName; rep: number; workload: string; members: { p99Ms: number; maxMs: number; samples: number }[] }[] = [];
const skipped: string[] = [];
/** The system under test right now: stopped by the signal handler if the run is cut short. */
let current: Running | undefined;

async function runSystem(system: SystemName, rep: number): Promise<void> {
  if (system !== "etcd" && !existsSync(CLUSTER)) {
    const msg = `${LABEL[system]}: skipped, scripts/cluster.ts does not exist yet (the lead is writing it)`;
    if (!skipped.includes(msg)) skipped.push(msg);
    log(msg);
    return;
  }
  log(`${LABEL[system]} (set ${rep}/${REPEAT}): starting`);
  let running: Running;
  try {
    running = system === "etcd" ? await startEtcd(BASE_PORT) : await startTrireme(system, BASE_PORT + 100);
  } catch (err) {
    const msg = `${LABEL[system]} (set ${rep}): could not start: ${(err as Error).message}`;
    skipped.push(msg);
    log(msg);
    return;
  }
  current = running;
  try {
    log(`${LABEL[system]}: serving on ${running.endpoints.join(",")} (leader first)`);
    if (WARMUP > 0) await warmUp(running, system);
    const cpu0 = cpuSecondsOf(running.pids());
    for (const w of WORKLOADS) {
      if (overBudget()) {
        skipped.push(`${LABEL[system]} ${w.id} (set ${rep}): skipped, --max-seconds ${MAX_SECONDS} reached`);
        continue;
      }
      if (TOOLS.includes("trireme")) {
        const before = cpuSecondsOf(running.pids());
        const r = await runTriremeBench(running.endpoints, w);
        const cpu = cpuSecondsOf(running.pids()) - before;
        if (typeof r === "string") {
          skipped.push(`${LABEL[system]} ${w.id} (set ${rep}): ${r}`);
          log(r);
        } else {
          samples.push({ system, rep, workload: w.id, tool: "trireme bench", opsPerSecond: r.opsPerSecond, p50: r.latencyMs.p50, p99: r.latencyMs.p99, p999: r.latencyMs["p99.9"], errors: r.errors, errorsByCode: r.errorsByCode, cpuSeconds: cpu });
          log(`${LABEL[system]} ${w.id} (trireme bench): ${r.opsPerSecond} ops/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ${r.errors} errors, ${cpu.toFixed(2)} CPU s`);
        }
      }
      if (TOOLS.includes("etcd")) {
        const watchLag = system !== "etcd" && w.id === "put-10x100";
        const lagBefore = watchLag ? await loopLagBuckets(running.endpoints) : [];
        const before = cpuSecondsOf(running.pids());
        const e = await runEtcdTool(flags["etcd-benchmark"]!, running.endpoints, w.etcdTool);
        const cpu = cpuSecondsOf(running.pids()) - before;
        if (watchLag) {
          const lagAfter = await loopLagBuckets(running.endpoints);
          loopLags.push({ system, rep, workload: w.id, members: lagAfter.map((a, i) => lagBetween(lagBefore[i]!, a)) });
        }
        if (typeof e === "string") skipped.push(`${LABEL[system]} ${w.id} (set ${rep}, etcd benchmark): ${e}`);
        else {
          samples.push({ system, rep, workload: w.id, tool: "etcd benchmark", opsPerSecond: e.ops, p50: e.p50, p99: e.p99, p999: e.p999, errors: 0, errorsByCode: {}, cpuSeconds: cpu });
          log(`${LABEL[system]} ${w.id} (etcd benchmark): ${e.ops} ops/s, p50 ${e.p50} ms, p99 ${e.p99} ms, ${cpu.toFixed(2)} CPU s`);
        }
      }
    }
    const pids = running.pids();
    resources.push({ system, rep, cpuSeconds: cpuSecondsOf(pids) - cpu0, peakRssMiB: peakRssMiBOf(pids) });
  } finally {
    current = undefined;
    await running.stop();
    log(`${LABEL[system]}: stopped`);
  }
}

// ---------------------------------------------------------------- report

const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const f = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const each = (xs: number[], digits: number) => (xs.length === 0 ? "–" : xs.map((x) => f(x, digits)).join(" / "));

function table(): string {
  const lines: string[] = [];
  lines.push("| workload | system (driver) | ops/s (each set) | p50 ms | p99 ms | p99.9 ms | server CPU µs/op | ops/s ÷ etcd | p99 ÷ etcd | CPU/op ÷ etcd |");
  lines.push("|---|---|---|---|---|---|---|---|---|---|");
  const tools: Sample["tool"][] = ["etcd benchmark", "trireme bench"];
  const cpuPerOp = (s: Sample, w: Workload) => (s.cpuSeconds / w.total) * 1e6;
  for (const w of WORKLOADS) {
    for (const tool of tools) {
      // Ratios compare like with like: against etcd driven by the same tool.
      const base = samples.filter((s) => s.workload === w.id && s.system === "etcd" && s.tool === tool);
      for (const system of ["etcd", "disk", "mem"] as SystemName[]) {
        const ss = samples.filter((s) => s.workload === w.id && s.system === system && s.tool === tool);
        if (ss.length === 0) continue;
        const ratio = (pick: (s: Sample) => number) => (system === "etcd" ? "" : f(mean(ss.map(pick)) / mean(base.map(pick)), 2));
        const errs = ss.reduce((a, s) => a + s.errors, 0);
        lines.push(
          `| ${w.title} | ${LABEL[system]} (${tool})${errs > 0 ? ` (${errs} errors)` : ""} | ${each(ss.map((s) => s.opsPerSecond), 0)} | ${each(ss.map((s) => s.p50), 2)} | ${each(ss.map((s) => s.p99), 2)} | ${each(ss.map((s) => s.p999), 2)} | ${each(ss.map((s) => cpuPerOp(s, w)), 0)} | ${ratio((s) => s.opsPerSecond)} | ${ratio((s) => s.p99)} | ${ratio((s) => cpuPerOp(s, w))} |`,
        );
      }
    }
  }
  if (loopLags.length > 0) {
    lines.push("", "Main-thread loop lag during put 10 × 100 (etcd's tool), per member in endpoint order (leader first): how late each Raft tick fired, from `trireme_event_loop_lag_seconds` (bucket bounds, so \"≤\"):", "", "| system | set | p99 ms | max ms | ticks sampled |", "|---|---|---|---|---|");
    for (const l of loopLags) {
      lines.push(`| ${LABEL[l.system]} | ${l.rep} | ${l.members.map((m) => `≤ ${f(m.p99Ms, 1)}`).join(" / ")} | ${l.members.map((m) => `≤ ${f(m.maxMs, 1)}`).join(" / ")} | ${l.members.map((m) => m.samples).join(" / ")} |`);
    }
  }
  lines.push("", "| system | set | CPU s (whole set, all processes) | peak RSS MiB (sum of VmHWM) |", "|---|---|---|---|");
  for (const r of resources) lines.push(`| ${LABEL[r.system]} | ${r.rep} | ${f(r.cpuSeconds, 1)} | ${f(r.peakRssMiB, 0)} |`);
  const failed = samples.filter((s) => s.errors > 0);
  if (failed.length > 0) {
    lines.push("", "Errors (requests that failed; not in ops/s or latency):");
    for (const s of failed) {
      const top = Object.entries(s.errorsByCode).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${n}× ${m}`).join("; ");
      lines.push(`- ${LABEL[s.system]}, ${s.workload}, set ${s.rep}: ${top}`);
    }
  }
  return lines.join("\n");
}

function machine(): string {
  const bunVersion = spawnSync(process.execPath, ["--version"], { encoding: "utf8" }).stdout.trim();
  const etcdVersion = /etcd Version: (\S+)/.exec(spawnSync(ETCD, ["--version"], { encoding: "utf8" }).stdout ?? "")?.[1] ?? "?";
  const kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  return `${new Date().toISOString()}; ${cpus().length} × ${cpus()[0]?.model ?? "?"}; Linux ${kernel}; bun ${bunVersion}; etcd ${etcdVersion}; all on 127.0.0.1`;
}

function printReport(): void {
  const report = [
    `### bench-compare: ${machine()}`,
    "",
    `Command: \`bun scripts/bench-compare.ts ${process.argv.slice(2).join(" ")}\`. The driver of each row is in brackets; ` +
      `"a / b" are the ${REPEAT} sets in order. Keys 8 B, values 256 B, a new key per put. ` +
      (WARMUP > 0 ? `Each fresh cluster took ${WARMUP} + ${Math.max(1, Math.floor(WARMUP / 10))} unmeasured puts first.` : "No warm-up: every cluster is measured from its first requests."),
    "",
    table(),
    ...(skipped.length > 0 ? ["", "Not measured:", ...skipped.map((s) => `- ${s}`)] : []),
  ].join("\n");
  console.log(report);
  if (flags.json !== undefined) writeFileSync(flags.json, JSON.stringify({ machine: machine(), samples, resources, loopLags, skipped }, null, 2));
}

// Told to stop (Ctrl-C, SIGTERM, a closed terminal): kill the workload, stop the system under test
// so no member outlives the script, and print what was measured so far.
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping the system under test and printing what was measured`);
    for (const c of active) c.kill("SIGKILL");
    skipped.push(`the run was cut short by ${sig}`);
    void (current?.stop() ?? Promise.resolve()).finally(() => {
      printReport();
      process.exit(130);
    });
  });
}

for (let rep = 1; rep <= REPEAT; rep++) {
  for (const system of SYSTEMS) {
    if (overBudget()) break;
    await runSystem(system, rep);
  }
}
printReport();
process.exit(0);
