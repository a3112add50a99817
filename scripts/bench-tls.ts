#!/usr/bin/env bun
// The cost of TLS, side by side with etcd in one run on 127.0.0.1: a 3-member etcd and a 3-member
// trireme, each plaintext and then with TLS on the client port (client certificates required) and
// mutual TLS between members, driven by etcd's own benchmark tool (built by
// ../shared/tools/etcd-benchmark.sh) with the same workloads as bench-compare.ts: put 1 conn /
// 1 client and 10 conns / 100 clients. Prints ops/s and p99 per system and the trireme/etcd
// ratios with and without TLS (the goal: the TLS ratio no worse than the plaintext one), and the
// servers' CPU per put: the members' user+system time (/proc/PID/stat) over the workload divided by
// its puts (the benchmark tool's own CPU is not in it).
//
//   bun scripts/bench-tls.ts --etcd-benchmark PATH [--strategy disk|mem] [--seq-total 1000]
//          [--total 20000] [--repeat 1] [--base-port 18400] (uses base .. base + 200 x repeat)
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeCerts } from "../src/cli/certs.ts";
import { parseConfig } from "../src/config/load.ts";
import { renderConfig } from "../src/config/render.ts";
import { memberPort, startMember, writeClusterConfigs } from "./cluster.ts";

const { values: flags } = parseArgs({
  options: {
    "etcd-benchmark": { type: "string" },
    strategy: { type: "string", default: "disk" },
    "seq-total": { type: "string", default: "1000" },
    total: { type: "string", default: "20000" },
    repeat: { type: "string", default: "1" },
    // Below the ephemeral range (32768-60999 on Linux): a port there can be taken at any moment
    // as the source port of some outgoing connection, and a member then cannot listen.
    "base-port": { type: "string", default: "18400" },
  },
});
const TOOL = flags["etcd-benchmark"];
if (TOOL === undefined) {
  console.error("usage: bun scripts/bench-tls.ts --etcd-benchmark PATH (B=$(../shared/tools/etcd-benchmark.sh))");
  process.exit(2);
}
const STRATEGY = flags.strategy === "mem" ? "mem" : "disk";
const SEQ = Number(flags["seq-total"]);
const TOTAL = Number(flags.total);
const REPEAT = Number(flags.repeat);
const BASE = Number(flags["base-port"]);

const KEYS = ["--key-size=8", "--val-size=256", "--sequential-keys", "--key-space-size=1000000"];
const WORKLOADS = [
  { id: "put 1×1", puts: SEQ, args: ["--conns=1", "--clients=1", "put", ...KEYS, `--total=${SEQ}`] },
  { id: "put 10×100", puts: TOTAL, args: ["--conns=10", "--clients=100", "put", ...KEYS, `--total=${TOTAL}`] },
];

const dir = mkdtempSync(join(tmpdir(), "bench-tls-"));
const certs = join(dir, "tls");
const log = (m: string) => console.error(`[bench-tls] ${m}`);

interface Running { endpoints: string[]; pids: number[]; stop(): Promise<void> }

const TICK_US = 1e6 / 100; // USER_HZ: Linux reports utime/stime in 1/100 s

/** User+system CPU of these processes so far, in µs. */
function cpuUs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15 of stat)
    } catch {
      // gone: counted as nothing more
    }
  }
  return ticks * TICK_US;
}

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

const tlsFlags = (tls: boolean) => (tls ? [`--cacert=${join(certs, "ca.pem")}`, `--cert=${join(certs, "operator.pem")}`, `--key=${join(certs, "operator-key.pem")}`] : []);
const url = (tls: boolean, hp: string) => `${tls ? "https" : "http"}://${hp}`;

async function waitServing(endpoints: string[], tls: boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await run("etcdctl", [`--endpoints=${endpoints.map((e) => url(tls, e)).join(",")}`, ...tlsFlags(tls), "--command-timeout=3s", "put", "bench-tls-ready", "1"]);
    if (r.code === 0) return;
    if (Date.now() > deadline) throw new Error(`not serving: ${r.out.slice(-400)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

/** A member that could not start (a port still taken) leaves a quorum that serves, and the
 *  benchmark would wait on its endpoint for ever: every member must be up. */
async function started(children: ChildProcess[], endpoints: string[], tls: boolean, what: () => string): Promise<void> {
  try {
    await waitServing(endpoints, tls);
    const gone = children.filter((c) => c.exitCode !== null || c.signalCode !== null);
    if (gone.length > 0) throw new Error(`${gone.length} member(s) exited at start`);
  } catch (err) {
    await stop(children);
    throw new Error(`${what()}: ${(err as Error).message}`);
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-2).join(" / ").slice(-300);
  } catch {
    return "(no log)";
  }
}

/** Leader first, so the 1-conn workload talks to the leader (as bench-compare.ts does). */
async function leaderFirst(endpoints: string[], tls: boolean): Promise<string[]> {
  const r = await run("etcdctl", [`--endpoints=${endpoints.map((e) => url(tls, e)).join(",")}`, ...tlsFlags(tls), "endpoint", "status", "-w", "json"]);
  try {
    const list = JSON.parse(r.out) as { Endpoint: string; Status: { header: { member_id: number | string }; leader: number | string } }[];
    const lead = list.find((s) => String(s.Status.header.member_id) === String(s.Status.leader))?.Endpoint.replace(/^https?:\/\//, "");
    return lead === undefined ? endpoints : [lead, ...endpoints.filter((e) => e !== lead)];
  } catch {
    return endpoints;
  }
}

async function startEtcd(tls: boolean, base: number): Promise<Running> {
  const data = mkdtempSync(join(dir, "etcd-"));
  const members = [0, 1, 2].map((i) => ({ name: `e${i}`, client: base + i, peer: base + 10 + i }));
  const cluster = members.map((m) => `${m.name}=${url(tls, `127.0.0.1:${m.peer}`)}`).join(",");
  const files = (i: number) => [`${join(certs, `node-${i + 1}.pem`)}`, `${join(certs, `node-${i + 1}-key.pem`)}`];
  const children = members.map((m, i) => spawn("/usr/bin/etcd", [
    `--name=${m.name}`, `--data-dir=${join(data, m.name)}`,
    `--listen-client-urls=${url(tls, `127.0.0.1:${m.client}`)}`, `--advertise-client-urls=${url(tls, `127.0.0.1:${m.client}`)}`,
    `--listen-peer-urls=${url(tls, `127.0.0.1:${m.peer}`)}`, `--initial-advertise-peer-urls=${url(tls, `127.0.0.1:${m.peer}`)}`,
    `--initial-cluster=${cluster}`, "--initial-cluster-token=bench-tls", "--initial-cluster-state=new", "--log-level=error",
    ...(tls ? [
      `--cert-file=${files(i)[0]}`, `--key-file=${files(i)[1]}`, `--trusted-ca-file=${join(certs, "ca.pem")}`, "--client-cert-auth",
      `--peer-cert-file=${files(i)[0]}`, `--peer-key-file=${files(i)[1]}`, `--peer-trusted-ca-file=${join(certs, "ca.pem")}`, "--peer-client-cert-auth",
    ] : []),
  ], { stdio: ["ignore", openSync(join(data, `${m.name}.log`), "a"), openSync(join(data, `${m.name}.log`), "a")] }));
  const endpoints = members.map((m) => `127.0.0.1:${m.client}`);
  await started(children, endpoints, tls, () => `etcd (${members.map((m) => tail(join(data, `${m.name}.log`))).join(" | ")})`);
  return { endpoints: await leaderFirst(endpoints, tls), pids: children.map((c) => c.pid!), stop: () => stop(children) };
}

async function startTrireme(tls: boolean, base: number): Promise<Running> {
  const data = mkdtempSync(join(dir, "trireme-"));
  const files = writeClusterConfigs({ nodes: 3, strategy: STRATEGY, basePort: base, dir: data, deployment: "cloud-3", network: "lan" });
  if (tls) {
    files.forEach((file, i) => {
      const c = parseConfig(readFileSync(file, "utf8"), file);
      const own = { cert_file: join(certs, `node-${i + 1}.pem`), key_file: join(certs, `node-${i + 1}-key.pem`), trusted_ca_file: join(certs, "ca.pem") };
      c.tls.client = { ...own, client_cert_auth: true };
      c.tls.peer = { ...own, allowed_cn: "", allowed_hostname: "" };
      writeFileSync(file, renderConfig(c));
    });
  }
  const children = files.map((f, i) => startMember(i + 1, f, join(data, `node-${i + 1}.log`)));
  const endpoints = [1, 2, 3].map((id) => `127.0.0.1:${memberPort(base, id)}`);
  await started(children, endpoints, tls, () => `trireme (${[1, 2, 3].map((id) => tail(join(data, `node-${id}.log`))).join(" | ")})`);
  return { endpoints: await leaderFirst(endpoints, tls), pids: children.map((c) => c.pid!), stop: () => stop(children) };
}

interface Row { system: string; tls: boolean; workload: string; ops: number; p99: number; cpuPerPut: number }
const rows: Row[] = [];

async function measure(system: "etcd" | "trireme", tls: boolean, base: number): Promise<void> {
  log(`${system} ${tls ? "TLS" : "plaintext"} (load ${loadavg()[0]!.toFixed(2)})`);
  const r = system === "etcd" ? await startEtcd(tls, base) : await startTrireme(tls, base);
  try {
    for (const w of WORKLOADS) {
      const cpu0 = cpuUs(r.pids);
      const out = await run(TOOL!, [`--endpoints=${r.endpoints.map((e) => url(tls, e)).join(",")}`, ...tlsFlags(tls), ...w.args]);
      const cpuPerPut = (cpuUs(r.pids) - cpu0) / w.puts;
      const ops = Number(/Requests\/sec:\s+([\d.]+)/.exec(out.out)?.[1] ?? NaN);
      const p99 = Number(/\b99% in ([\d.]+) secs/.exec(out.out)?.[1] ?? NaN) * 1000;
      if (!Number.isFinite(ops)) log(`${system} ${w.id}: benchmark failed: ${out.out.slice(-300)}`);
      rows.push({ system, tls, workload: w.id, ops, p99, cpuPerPut });
      log(`${system} ${tls ? "TLS" : "plain"} ${w.id}: ${ops.toFixed(0)} ops/s, p99 ${p99.toFixed(1)} ms, ${cpuPerPut.toFixed(0)} µs CPU/put (load ${loadavg()[0]!.toFixed(2)})`);
    }
  } finally {
    await r.stop();
  }
}

try {
  await writeCerts({ dir: certs, members: [1, 2, 3].map((id) => ({ id, host: "127.0.0.1", basePort: 0 })), clusterName: "bench", days: 2, force: true });
  const load0 = loadavg()[0]!;
  for (let rep = 0; rep < REPEAT; rep++) {
    // Fresh ports each round: a port the last round closed may not be free again yet.
    let port = BASE + rep * 200;
    for (const tls of [false, true]) {
      for (const system of ["etcd", "trireme"] as const) {
        await measure(system, tls, port);
        port += 50;
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const pick = (system: string, tls: boolean, w: string) => rows.filter((r) => r.system === system && r.tls === tls && r.workload === w);
  console.log(`\n| workload | TLS | etcd ops/s | etcd p99 ms | etcd CPU µs/put | trireme ${STRATEGY} ops/s | trireme p99 ms | trireme CPU µs/put | ops ratio trireme/etcd | CPU ratio |`);
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const w of WORKLOADS) {
    for (const tls of [false, true]) {
      const e = pick("etcd", tls, w.id);
      const t = pick("trireme", tls, w.id);
      const eo = mean(e.map((r) => r.ops));
      const to = mean(t.map((r) => r.ops));
      const ec = mean(e.map((r) => r.cpuPerPut));
      const tc = mean(t.map((r) => r.cpuPerPut));
      console.log(`| ${w.id} | ${tls ? "client+peer" : "off"} | ${eo.toFixed(0)} | ${mean(e.map((r) => r.p99)).toFixed(1)} | ${ec.toFixed(0)} | ${to.toFixed(0)} | ${mean(t.map((r) => r.p99)).toFixed(1)} | ${tc.toFixed(0)} | ${(to / eo).toFixed(2)} | ${(tc / ec).toFixed(2)} |`);
    }
  }
  console.log(`\nload average at start ${load0.toFixed(2)}, at end ${loadavg()[0]!.toFixed(2)}; ${REPEAT} run(s), etcd benchmark ${TOOL}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
