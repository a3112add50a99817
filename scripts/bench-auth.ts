#!/usr/bin/env bun
// The cost of auth, side by side with etcd in one run on 127.0.0.1: a 3-member etcd and a
// 3-member trireme, each with auth off and then on (a user whose role has READWRITE on a key
// range, not root, so every request goes through the permission check), driven by etcd's own
// benchmark tool (../shared/tools/etcd-benchmark.sh) with `--user`: put and linearizable range,
// 10 conns / 100 clients. Prints ops/s and p99 per system, and auth-on/auth-off per system (the
// goal, issue #15: trireme's at least 0.90).
//
//   bun scripts/bench-auth.ts --etcd-benchmark PATH [--strategy disk|mem] [--total 20000]
//          [--repeat 1] [--base-port 31000]
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { memberPort, startMember, writeClusterConfigs } from "./cluster.ts";

const { values: flags } = parseArgs({
  options: {
    "etcd-benchmark": { type: "string" },
    strategy: { type: "string", default: "disk" },
    total: { type: "string", default: "20000" },
    repeat: { type: "string", default: "1" },
    "base-port": { type: "string", default: "31000" },
  },
});
const TOOL = flags["etcd-benchmark"];
if (TOOL === undefined) {
  console.error("usage: bun scripts/bench-auth.ts --etcd-benchmark PATH (B=$(../shared/tools/etcd-benchmark.sh))");
  process.exit(2);
}
const STRATEGY = flags.strategy === "mem" ? "mem" : "disk";
const TOTAL = Number(flags.total);
const REPEAT = Number(flags.repeat);
const BASE = Number(flags["base-port"]);
const USER = "bench:benchpw";

const WORKLOADS = [
  { id: "put 10×100", args: ["--conns=10", "--clients=100", "put", "--key-size=8", "--val-size=256", "--sequential-keys", "--key-space-size=1000000", `--total=${TOTAL}`] },
  { id: "range 10×100", args: ["--conns=10", "--clients=100", "range", "bench-key", `--total=${TOTAL}`] },
];

const dir = mkdtempSync(join(tmpdir(), "bench-auth-"));
const log = (m: string) => console.error(`[bench-auth] ${m}`);

interface Running { endpoints: string[]; stop(): Promise<void> }

function stop(children: ChildProcess[]): Promise<void> {
  return Promise.all(children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    const t = setTimeout(() => c.kill("SIGKILL"), 5000);
    c.once("exit", () => { clearTimeout(t); resolve(); });
    c.kill("SIGTERM");
  }))).then(() => {});
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ETCDCTL_API: "3" } });
    let out = "";
    c.stdout.on("data", (b: Buffer) => (out += b.toString()));
    c.stderr.on("data", (b: Buffer) => (out += b.toString()));
    c.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

const ctl = (endpoints: string[], args: string[]) => run("etcdctl", [`--endpoints=${endpoints.join(",")}`, "--command-timeout=5s", ...args]);

async function waitServing(endpoints: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await ctl(endpoints, ["put", "bench-key", "v"]);
    if (r.code === 0) return;
    if (Date.now() > deadline) throw new Error(`not serving: ${r.out.slice(-400)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

/** root, and a user "bench" whose role may read and write every key ("" --prefix: etcdctl sends
 *  [\0, \0), a range permission like any other), then auth enable. */
async function enableAuth(endpoints: string[]): Promise<void> {
  for (const args of [
    ["user", "add", "root:rootpw"], ["user", "grant-role", "root", "root"],
    ["user", "add", USER], ["role", "add", "bench"], ["role", "grant-permission", "bench", "readwrite", "", "--prefix"],
    ["user", "grant-role", "bench", "bench"], ["auth", "enable"],
  ]) {
    const r = await ctl(endpoints, args);
    if (r.code !== 0) throw new Error(`etcdctl ${args.join(" ")}: ${r.out}`);
  }
}

/** Leader first, so the 1-conn workload talks to the leader (as bench-compare.ts does). */
async function leaderFirst(endpoints: string[], auth: boolean): Promise<string[]> {
  const r = await ctl(endpoints, [...(auth ? ["--user=root:rootpw"] : []), "endpoint", "status", "-w", "json"]);
  try {
    const list = JSON.parse(r.out) as { Endpoint: string; Status: { header: { member_id: number | string }; leader: number | string } }[];
    const lead = list.find((s) => String(s.Status.header.member_id) === String(s.Status.leader))?.Endpoint;
    return lead === undefined ? endpoints : [lead, ...endpoints.filter((e) => e !== lead)];
  } catch {
    return endpoints;
  }
}

async function startEtcd(base: number): Promise<Running> {
  const data = mkdtempSync(join(dir, "etcd-"));
  const members = [0, 1, 2].map((i) => ({ name: `e${i}`, client: base + i, peer: base + 10 + i }));
  const cluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(",");
  const children = members.map((m) => spawn("/usr/bin/etcd", [
    `--name=${m.name}`, `--data-dir=${join(data, m.name)}`,
    `--listen-client-urls=http://127.0.0.1:${m.client}`, `--advertise-client-urls=http://127.0.0.1:${m.client}`,
    `--listen-peer-urls=http://127.0.0.1:${m.peer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${m.peer}`,
    `--initial-cluster=${cluster}`, "--initial-cluster-token=bench-auth", "--initial-cluster-state=new", "--log-level=error",
  ], { stdio: "ignore" }));
  const endpoints = members.map((m) => `127.0.0.1:${m.client}`);
  await waitServing(endpoints);
  return { endpoints, stop: () => stop(children) };
}

const lastError = (file: string) => readFileSync(file, "utf8").trim().split("\n").filter((l) => l.includes('"error"')).pop()?.slice(0, 400) ?? "no error logged";

async function startTrireme(base: number): Promise<Running> {
  const data = mkdtempSync(join(dir, "trireme-"));
  const files = writeClusterConfigs({ nodes: 3, strategy: STRATEGY, basePort: base, dir: data, deployment: "cloud-3", network: "lan" });
  const children = files.map((f, i) => startMember(i + 1, f, join(data, `node-${i + 1}.log`)));
  const endpoints = [1, 2, 3].map((id) => `127.0.0.1:${memberPort(base, id)}`);
  // A member that cannot start (a port taken on the shared machine) fails the run at once.
  const died = new Promise<never>((_, reject) =>
    children.forEach((c, i) => c.once("exit", (code) => reject(new Error(`trireme member ${i + 1} exited ${code}: ${lastError(join(data, `node-${i + 1}.log`))}`)))));
  died.catch(() => {}); // the members exit at stop(), after the race
  await Promise.race([waitServing(endpoints), died]).catch(async (err) => {
    await stop(children);
    throw err;
  });
  return { endpoints, stop: () => stop(children) };
}

interface Row { system: string; auth: boolean; workload: string; ops: number; p99: number }
const rows: Row[] = [];

async function measure(system: "etcd" | "trireme", auth: boolean, base: number): Promise<void> {
  log(`${system} auth ${auth ? "on" : "off"} (load ${loadavg()[0]!.toFixed(2)})`);
  const r = system === "etcd" ? await startEtcd(base) : await startTrireme(base);
  try {
    if (auth) await enableAuth(r.endpoints);
    const endpoints = await leaderFirst(r.endpoints, auth);
    for (const w of WORKLOADS) {
      const out = await run(TOOL!, [`--endpoints=${endpoints.join(",")}`, ...(auth ? [`--user=${USER}`] : []), ...w.args]);
      const ops = Number(/Requests\/sec:\s+([\d.]+)/.exec(out.out)?.[1] ?? NaN);
      const p99 = Number(/\b99% in ([\d.]+) secs/.exec(out.out)?.[1] ?? NaN) * 1000;
      if (!Number.isFinite(ops)) log(`${system} ${w.id}: benchmark failed: ${out.out.slice(-300)}`);
      rows.push({ system, auth, workload: w.id, ops, p99 });
    }
  } finally {
    await r.stop();
  }
}

try {
  const load0 = loadavg()[0]!;
  for (let rep = 0; rep < REPEAT; rep++) {
    let port = BASE;
    // Every other round measures auth on first, so a load that grows during a round does not
    // always fall on the same side of the ratio.
    for (const system of ["etcd", "trireme"] as const) {
      for (const auth of rep % 2 === 0 ? [false, true] : [true, false]) {
        await measure(system, auth, port);
        port += 50;
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const pick = (system: string, auth: boolean, w: string) => rows.filter((r) => r.system === system && r.auth === auth && r.workload === w);
  console.log(`\n| workload | etcd off ops/s | etcd auth ops/s (p99 ms) | etcd auth/off | trireme ${STRATEGY} off ops/s | trireme auth ops/s (p99 ms) | trireme auth/off |`);
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const w of WORKLOADS) {
    const cell = (s: string) => {
      const off = mean(pick(s, false, w.id).map((r) => r.ops));
      const on = pick(s, true, w.id);
      const onOps = mean(on.map((r) => r.ops));
      return `${off.toFixed(0)} | ${onOps.toFixed(0)} (${mean(on.map((r) => r.p99)).toFixed(1)}) | ${(onOps / off).toFixed(2)}`;
    };
    console.log(`| ${w.id} | ${cell("etcd")} | ${cell("trireme")} |`);
  }
  console.log(`\nload average at start ${load0.toFixed(2)}, at end ${loadavg()[0]!.toFixed(2)}; ${REPEAT} run(s), etcd benchmark ${TOOL}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
