#!/usr/bin/env bun
// The cost of TLS, side by side with etcd in one run on 127.0.0.1: a 3-member etcd and a 3-member
// trireme, each plaintext and then with TLS on the client port (client certificates required) and
// mutual TLS between members, driven by etcd's own benchmark tool (built by
// ../shared/tools/etcd-benchmark.sh) with the same workloads as bench-compare.ts: put 1 conn /
// 1 client and 10 conns / 100 clients. Prints ops/s and p99 per system and the trireme/etcd
// ratios with and without TLS (the goal: the TLS ratio no worse than the plaintext one).
//
//   bun scripts/bench-tls.ts --etcd-benchmark PATH [--strategy disk|mem] [--seq-total 1000]
//          [--total 20000] [--repeat 1] [--base-port 33400]
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
    "base-port": { type: "string", default: "33400" },
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
  { id: "put 1×1", args: ["--conns=1", "--clients=1", "put", ...KEYS, `--total=${SEQ}`] },
  { id: "put 10×100", args: ["--conns=10", "--clients=100", "put", ...KEYS, `--total=${TOTAL}`] },
];

const dir = mkdtempSync(join(tmpdir(), "bench-tls-"));
const certs = join(dir, "tls");
const log = (m: string) => console.error(`[bench-tls] ${m}`);

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
  ], { stdio: "ignore" }));
  const endpoints = members.map((m) => `127.0.0.1:${m.client}`);
  await waitServing(endpoints, tls);
  return { endpoints: await leaderFirst(endpoints, tls), stop: () => stop(children) };
}

async function startTrireme(tls: boolean, base: number): Promise<Running> {
  const data = mkdtempSync(join(dir, "trireme-"));
  const files = writeClusterConfigs({ nodes: 3, strategy: STRATEGY, basePort: base, dir: data, deployment: "cloud-3", network: "lan" });
  if (tls) {
    files.forEach((file, i) => {
      const c = parseConfig(readFileSync(file, "utf8"), file);
      const own = { cert_file: join(certs, `node-${i + 1}.pem`), key_file: join(certs, `node-${i + 1}-key.pem`), trusted_ca_file: join(certs, "ca.pem") };
      c.tls.client = { ...own, client_cert_auth: true };
      c.tls.peer = { ...own, allowed_cn: "" };
      writeFileSync(file, renderConfig(c));
    });
  }
  const children = files.map((f, i) => startMember(i + 1, f, join(data, `node-${i + 1}.log`)));
  const endpoints = [1, 2, 3].map((id) => `127.0.0.1:${memberPort(base, id)}`);
  await waitServing(endpoints, tls);
  return { endpoints: await leaderFirst(endpoints, tls), stop: () => stop(children) };
}

interface Row { system: string; tls: boolean; workload: string; ops: number; p99: number }
const rows: Row[] = [];

async function measure(system: "etcd" | "trireme", tls: boolean, base: number): Promise<void> {
  log(`${system} ${tls ? "TLS" : "plaintext"} (load ${loadavg()[0]!.toFixed(2)})`);
  const r = system === "etcd" ? await startEtcd(tls, base) : await startTrireme(tls, base);
  try {
    for (const w of WORKLOADS) {
      const out = await run(TOOL!, [`--endpoints=${r.endpoints.map((e) => url(tls, e)).join(",")}`, ...tlsFlags(tls), ...w.args]);
      const ops = Number(/Requests\/sec:\s+([\d.]+)/.exec(out.out)?.[1] ?? NaN);
      const p99 = Number(/\b99% in ([\d.]+) secs/.exec(out.out)?.[1] ?? NaN) * 1000;
      if (!Number.isFinite(ops)) log(`${system} ${w.id}: benchmark failed: ${out.out.slice(-300)}`);
      rows.push({ system, tls, workload: w.id, ops, p99 });
    }
  } finally {
    await r.stop();
  }
}

try {
  await writeCerts({ dir: certs, members: [1, 2, 3].map((id) => ({ id, host: "127.0.0.1", basePort: 0 })), clusterName: "bench", days: 2, force: true });
  const load0 = loadavg()[0]!;
  for (let rep = 0; rep < REPEAT; rep++) {
    let port = BASE;
    for (const tls of [false, true]) {
      for (const system of ["etcd", "trireme"] as const) {
        await measure(system, tls, port);
        port += 50;
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const pick = (system: string, tls: boolean, w: string) => rows.filter((r) => r.system === system && r.tls === tls && r.workload === w);
  console.log(`\n| workload | TLS | etcd ops/s | etcd p99 ms | trireme ${STRATEGY} ops/s | trireme p99 ms | ops ratio trireme/etcd |`);
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const w of WORKLOADS) {
    for (const tls of [false, true]) {
      const e = pick("etcd", tls, w.id);
      const t = pick("trireme", tls, w.id);
      const eo = mean(e.map((r) => r.ops));
      const to = mean(t.map((r) => r.ops));
      console.log(`| ${w.id} | ${tls ? "client+peer" : "off"} | ${eo.toFixed(0)} | ${mean(e.map((r) => r.p99)).toFixed(1)} | ${to.toFixed(0)} | ${mean(t.map((r) => r.p99)).toFixed(1)} | ${(to / eo).toFixed(2)} |`);
    }
  }
  console.log(`\nload average at start ${load0.toFixed(2)}, at end ${loadavg()[0]!.toFixed(2)}; ${REPEAT} run(s), etcd benchmark ${TOOL}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
