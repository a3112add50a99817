#!/usr/bin/env bun
// A flood of Authenticate calls with wrong passwords against the leader of a 3-member trireme
// (issue #15: password hashing must not block the loop that sends heartbeats). Prints how the
// flood was answered, the leader and term before and after (an election would move the term),
// and the latency of root's puts through the leader while the flood runs.
//
//   bun scripts/bench-auth-flood.ts [--calls 400] [--concurrency 100] [--base-port 31300]
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GrpcChannel } from "../src/grpc/channel.ts";
import { GrpcCallError, unaryCall } from "../src/grpc/client-call.ts";
import { etcdserverpb as pb } from "../src/gen/etcd.js";
import { memberPort, startMember, writeClusterConfigs } from "./cluster.ts";

const { values: flags } = parseArgs({
  options: {
    calls: { type: "string", default: "400" },
    concurrency: { type: "string", default: "100" },
    "base-port": { type: "string", default: "31300" },
  },
});
const CALLS = Number(flags.calls), CONCURRENCY = Number(flags.concurrency), BASE = Number(flags["base-port"]);
const dir = mkdtempSync(join(tmpdir(), "bench-auth-flood-"));
const log = (m: string) => console.error(`[bench-auth-flood] ${m}`);

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ETCDCTL_API: "3" } });
    let out = "";
    c.stdout.on("data", (b: Buffer) => (out += b.toString()));
    c.stderr.on("data", (b: Buffer) => (out += b.toString()));
    c.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

const children: ChildProcess[] = [];
const files = writeClusterConfigs({ nodes: 3, strategy: "disk", basePort: BASE, dir, deployment: "cloud-3", network: "lan" });
files.forEach((f, i) => children.push(startMember(i + 1, f, join(dir, `node-${i + 1}.log`))));
const endpoints = [1, 2, 3].map((id) => `127.0.0.1:${memberPort(BASE, id)}`);
const ctl = (args: string[]) => run("etcdctl", [`--endpoints=${endpoints.join(",")}`, "--command-timeout=5s", ...args]);

async function status(): Promise<{ leader: string; term: number; endpoint: string }> {
  const r = await ctl(["--user=root:rootpw", "endpoint", "status", "-w", "json"]);
  const list = JSON.parse(r.out.slice(r.out.indexOf("["))) as { Endpoint: string; Status: { header: { member_id: number | string }; leader: number | string; raftTerm: number } }[];
  const lead = list.find((s) => String(s.Status.header.member_id) === String(s.Status.leader))!;
  return { leader: String(lead.Status.leader), term: Math.max(...list.map((s) => s.Status.raftTerm)), endpoint: lead.Endpoint };
}

const encode = <T>(type: { encode(m: T): { finish(): Uint8Array } }, m: T) => type.encode(m).finish();

try {
  const deadline = Date.now() + 60_000;
  while ((await ctl(["put", "ready", "1"])).code !== 0) {
    if (Date.now() > deadline) {
      const errors = [1, 2, 3].map((id) => readFileSync(join(dir, `node-${id}.log`), "utf8").split("\n").filter((l) => l.includes('"error"')).pop()?.slice(0, 300));
      throw new Error(`cluster not serving: ${errors.join("; ")}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const args of [["user", "add", "root:rootpw"], ["user", "grant-role", "root", "root"], ["user", "add", "victim:right"], ["auth", "enable"]]) {
    const r = await ctl(args);
    if (r.code !== 0) throw new Error(`etcdctl ${args.join(" ")}: ${r.out}`);
  }
  const before = await status();
  const [host, port] = before.endpoint.split(":");
  const channels = Array.from({ length: 4 }, () => new GrpcChannel({ host: host!, port: Number(port) }));
  const auth = (ch: GrpcChannel, name: string, password: string) =>
    unaryCall(ch, "/etcdserverpb.Auth/Authenticate", encode(pb.AuthenticateRequest, { name, password }), (b) => pb.AuthenticateResponse.decode(b), { deadline: Date.now() + 60_000, waitForReady: true });
  const token = (await auth(channels[0]!, "root", "rootpw")).token;
  log(`leader ${before.leader} term ${before.term}; flooding ${CALLS} wrong-password Authenticate calls, ${CONCURRENCY} at a time (load ${loadavg()[0]!.toFixed(2)})`);

  const answers = new Map<string, number>();
  let next = 0;
  const t0 = performance.now();
  let flooding = true;
  const flood = Promise.all(Array.from({ length: CONCURRENCY }, async (_, w) => {
    while (next < CALLS) {
      next++;
      try {
        await auth(channels[w % channels.length]!, "victim", "wrong");
        answers.set("ok", (answers.get("ok") ?? 0) + 1);
      } catch (err) {
        const m = err instanceof GrpcCallError ? err.message : String(err);
        answers.set(m, (answers.get(m) ?? 0) + 1);
      }
    }
  })).then(() => (flooding = false));
  // root's writes through the leader meanwhile.
  const lat: number[] = [];
  while (flooding) {
    const s = performance.now();
    await unaryCall(channels[0]!, "/etcdserverpb.KV/Put", encode(pb.PutRequest, { key: Buffer.from("during"), value: Buffer.from("x") }), (b) => pb.PutResponse.decode(b), {
      metadata: [["token", token]],
      deadline: Date.now() + 10_000,
    });
    lat.push(performance.now() - s);
  }
  await flood;
  const secs = (performance.now() - t0) / 1000;
  const after = await status();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(1);
  console.log(`${CALLS} Authenticate calls in ${secs.toFixed(1)} s (${(CALLS / secs).toFixed(0)}/s, bcrypt cost 10, one hash at a time per member)`);
  for (const [m, n] of answers) console.log(`  ${n} × ${m}`);
  console.log(`leader ${before.leader} term ${before.term} before, leader ${after.leader} term ${after.term} after: ${after.term === before.term ? "no election" : "ELECTION"}`);
  console.log(`root's puts during the flood: ${lat.length}, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${lat[lat.length - 1]!.toFixed(1)} ms; load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  for (const c of channels) c.close();
} finally {
  await Promise.all(children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null) return resolve();
    const t = setTimeout(() => c.kill("SIGKILL"), 5000);
    c.once("exit", () => { clearTimeout(t); resolve(); });
    c.kill("SIGTERM");
  })));
  rmSync(dir, { recursive: true, force: true });
}
