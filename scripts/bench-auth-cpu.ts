#!/usr/bin/env bun
// What the auth checks cost per request, without the noise of a shared machine's wall clock: one
// process runs the client port over a LocalBackend and drives it with our own gRPC client
// (pipelined, 64 in flight), in alternating rounds with auth off and on (a user whose role has
// READWRITE on a range: not root, so every call takes the token lookup and the interval check).
// Prints CPU microseconds per call (client and server together) for puts and serializable ranges.
//
//   bun scripts/bench-auth-cpu.ts [--calls 20000] [--rounds 3] [--port 31400]
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LocalBackend } from "../src/api/local-backend.ts";
import { startClientServer } from "../src/api/server.ts";
import { etcdserverpb as pb } from "../src/gen/etcd.js";
import { GrpcChannel } from "../src/grpc/channel.ts";
import { unaryCall } from "../src/grpc/client-call.ts";
import { MvccStore } from "../src/kv/mvcc.ts";

const { values: flags } = parseArgs({ options: { calls: { type: "string", default: "20000" }, rounds: { type: "string", default: "3" }, port: { type: "string", default: "31400" } } });
const CALLS = Number(flags.calls), ROUNDS = Number(flags.rounds), PORT = Number(flags.port);
const dir = mkdtempSync(join(tmpdir(), "bench-auth-cpu-"));
const store = MvccStore.open(join(dir, "kv.db"));
const backend = new LocalBackend(store, { clientURL: `http://127.0.0.1:${PORT}` });
const server = await startClientServer({ address: `127.0.0.1:${PORT}`, backend, limits: { max_request_bytes: 1 << 20, max_txn_ops: 128 }, auth: { bcryptCost: 4 } });
const channel = new GrpcChannel({ host: "127.0.0.1", port: PORT });
const call = <T>(path: string, bytes: Uint8Array, decode: (b: Uint8Array) => T, token?: string) =>
  unaryCall(channel, path, bytes, decode, { deadline: Date.now() + 30_000, waitForReady: true, ...(token ? { metadata: [["token", token]] } : {}) });
const enc = <T>(type: { encode(m: T): { finish(): Uint8Array } }, m: T) => type.encode(m).finish();

async function admin(path: string, req: Uint8Array, token?: string): Promise<void> {
  await call(path, req, (b) => b, token);
}
await admin("/etcdserverpb.Auth/UserAdd", enc(pb.AuthUserAddRequest, { name: "root", password: "rootpw" }));
await admin("/etcdserverpb.Auth/UserGrantRole", enc(pb.AuthUserGrantRoleRequest, { user: "root", role: "root" }));
await admin("/etcdserverpb.Auth/UserAdd", enc(pb.AuthUserAddRequest, { name: "bench", password: "benchpw" }));
await admin("/etcdserverpb.Auth/RoleAdd", enc(pb.AuthRoleAddRequest, { name: "bench" }));
await admin("/etcdserverpb.Auth/RoleGrantPermission", enc(pb.AuthRoleGrantPermissionRequest, { name: "bench", perm: { permType: 2, key: Buffer.from("k"), rangeEnd: Buffer.from("l") } }));
await admin("/etcdserverpb.Auth/UserGrantRole", enc(pb.AuthUserGrantRoleRequest, { user: "bench", role: "bench" }));
const login = async (name: string, password: string) =>
  (await call("/etcdserverpb.Auth/Authenticate", enc(pb.AuthenticateRequest, { name, password }), (b) => pb.AuthenticateResponse.decode(b))).token;

async function round(kind: "put" | "range", token?: string): Promise<number> {
  let next = 0;
  const value = Buffer.alloc(256, 1);
  const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < CALLS) {
      const i = next++;
      const key = Buffer.from(`k${i % 1000}`);
      if (kind === "put") await call("/etcdserverpb.KV/Put", enc(pb.PutRequest, { key, value }), (b) => b, token);
      else await call("/etcdserverpb.KV/Range", enc(pb.RangeRequest, { key, serializable: true }), (b) => b, token);
    }
  }));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / CALLS;
}

const results: Record<string, number[]> = {};
const load0 = loadavg()[0]!;
let enabled = false;
for (let r = 0; r < ROUNDS; r++) {
  for (const on of r % 2 === 0 ? [false, true] : [true, false]) {
    if (on !== enabled) {
      const rootToken = enabled ? await login("root", "rootpw") : undefined;
      await admin(on ? "/etcdserverpb.Auth/AuthEnable" : "/etcdserverpb.Auth/AuthDisable", new Uint8Array(0), rootToken);
      enabled = on;
    }
    const token = on ? await login("bench", "benchpw") : undefined;
    for (const kind of ["put", "range"] as const) (results[`${kind} ${on ? "on" : "off"}`] ??= []).push(await round(kind, token));
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log("| call | CPU µs/call auth off | auth on | on/off |");
console.log("| --- | --- | --- | --- |");
for (const kind of ["put", "range"]) {
  const off = mean(results[`${kind} off`]!), on = mean(results[`${kind} on`]!);
  console.log(`| ${kind} | ${off.toFixed(1)} | ${on.toFixed(1)} | ${(on / off).toFixed(3)} |`);
}
console.log(`\n${ROUNDS} rounds × ${CALLS} calls each, 64 in flight; per round: ${JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.map((x) => x.toFixed(1))])))}; load ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`);
channel.close();
await server.close(500);
backend.close();
store.close();
rmSync(dir, { recursive: true, force: true });
