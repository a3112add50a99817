// CPU per call of the client port's gRPC stack alone: a KV service that answers Put and Range at
// once (no Raft, no store), served by our own HTTP/2 + gRPC layer and by grpc-js, driven by etcd's
// own benchmark tool. The server runs in a child process so its CPU is measured apart from the
// load generator's; rounds alternate the stacks on this shared machine.
//
//   bun scripts/bench-grpc.ts --etcd-benchmark /tmp/etcd-bench-build/bin/benchmark
//       [--total 50000] [--conns 10] [--clients 100] [--rounds 3] [--op put|range]
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { KVService } from "../src/api/services.ts";
import { GrpcServer } from "../src/grpc/server.ts";
import type { ServiceImplementation } from "../src/grpc/types.ts";

type Stack = "ours" | "grpc-js";
const header = { clusterId: 1, memberId: 1, revision: 1, raftTerm: 1 };

async function serve(stack: Stack, port: number): Promise<void> {
  let calls = 0;
  const impl = {
    put: (_c: unknown, cb: (e: null, r: object) => void) => { calls++; cb(null, { header }); },
    range: (_c: unknown, cb: (e: null, r: object) => void) => { calls++; cb(null, { header, kvs: [], count: 0 }); },
  };
  const close: () => Promise<void> = stack === "ours"
    ? await (async () => {
      const s = new GrpcServer({ maxReceiveMessageBytes: 4 << 20 });
      s.addService(KVService, impl as unknown as ServiceImplementation);
      await s.listen("127.0.0.1", port);
      return () => s.close(0);
    })()
    : await (async () => {
      const s = new grpc.Server();
      s.addService(KVService as unknown as grpc.ServiceDefinition, impl as unknown as grpc.UntypedServiceImplementation);
      await new Promise<void>((res, rej) => s.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())));
      return () => new Promise<void>((res) => s.tryShutdown(() => res()));
    })();
  let cpu0 = process.cpuUsage();
  let calls0 = 0;
  process.stdin.on("data", (d) => {
    const cmd = d.toString().trim();
    if (cmd === "start") { cpu0 = process.cpuUsage(); calls0 = calls; process.stdout.write("started\n"); }
    if (cmd === "stop") {
      const u = process.cpuUsage(cpu0);
      process.stdout.write(`${JSON.stringify({ calls: calls - calls0, cpuUs: u.user + u.system })}\n`);
      void close().then(() => process.exit(0));
    }
  });
  process.stdout.write("ready\n");
}

function lines(child: ReturnType<typeof spawn>): AsyncGenerator<string> {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let buf = "";
  child.stdout!.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) { queue.push(buf.slice(0, i)); buf = buf.slice(i + 1); wake?.(); }
  });
  return (async function* () {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      await new Promise<void>((r) => { wake = r; });
    }
  })();
}

async function round(stack: Stack, port: number, args: { bench: string; total: number; conns: number; clients: number; op: string }) {
  const child = spawn(process.execPath, [import.meta.path, "--serve", stack, "--port", String(port)], { stdio: ["pipe", "pipe", "inherit"] });
  const out = lines(child);
  if ((await out.next()).value !== "ready") throw new Error(`${stack} server did not start`);
  child.stdin!.write("start\n");
  await out.next();
  const opArgs = args.op === "put" ? ["put", "--key-size", "8", "--val-size", "256"] : ["range", "bench-key", "--consistency", "s"];
  const t0 = performance.now();
  const b = spawn(args.bench, [`--endpoints=127.0.0.1:${port}`, `--conns=${args.conns}`, `--clients=${args.clients}`, ...opArgs, `--total=${args.total}`], { stdio: ["ignore", "pipe", "pipe"] });
  let report = "";
  b.stdout!.on("data", (d) => { report += d; });
  b.stderr!.on("data", (d) => { report += d; });
  await new Promise((r) => b.on("close", r));
  const secs = (performance.now() - t0) / 1000;
  child.stdin!.write("stop\n");
  const stats = JSON.parse((await out.next()).value as string) as { calls: number; cpuUs: number };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(report)?.[1];
  if (stats.calls < args.total) throw new Error(`${stack}: ${stats.calls} of ${args.total} calls reached the server\n${report}`);
  return { stack, calls: stats.calls, rps: Number(rps ?? stats.calls / secs), cpuPerCall: stats.cpuUs / stats.calls };
}

const { values } = parseArgs({
  options: {
    serve: { type: "string" }, port: { type: "string", default: "23900" },
    "etcd-benchmark": { type: "string" }, total: { type: "string", default: "50000" },
    conns: { type: "string", default: "10" }, clients: { type: "string", default: "100" },
    rounds: { type: "string", default: "3" }, op: { type: "string", default: "put" },
  },
});
if (values.serve) {
  await serve(values.serve as Stack, Number(values.port));
} else {
  const bench = values["etcd-benchmark"];
  if (!bench) throw new Error("--etcd-benchmark PATH is required (bash ../shared/tools/etcd-benchmark.sh prints it)");
  const args = { bench, total: Number(values.total), conns: Number(values.conns), clients: Number(values.clients), op: values.op! };
  console.log(`${args.op}, ${args.conns} conns / ${args.clients} clients, ${args.total} calls per round, driven by etcd's benchmark tool`);
  console.log("stack     round  calls/s   server CPU µs/call");
  for (let r = 0; r < Number(values.rounds); r++) {
    const order: Stack[] = r % 2 === 0 ? ["ours", "grpc-js"] : ["grpc-js", "ours"];
    for (const stack of order) {
      const res = await round(stack, Number(values.port) + r * 2 + (stack === "ours" ? 0 : 1), args);
      console.log(`${stack.padEnd(9)} ${String(r + 1).padStart(5)}  ${res.rps.toFixed(0).padStart(7)}   ${res.cpuPerCall.toFixed(1).padStart(8)}`);
    }
  }
}
