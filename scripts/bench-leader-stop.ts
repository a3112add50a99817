// How long client writes stall when the leader is stopped with SIGTERM (a rolling restart, say).
// Starts a local 3-member cluster (the presets `npm start` uses), keeps one writer putting keys
// one after another through a member that stays up, SIGTERMs the leader, and reports the longest
// gap between two acknowledged writes around the stop. The stopped member is started again and
// the next round waits for it before stopping the (new) leader.
//
//   node_modules/.bin/bun scripts/bench-leader-stop.ts [--rounds 5] [--strategy mem|disk]
//       [--base-port 23500] [--kill]
//
// --kill stops the leader with SIGKILL instead (a crash: the others wait an election timeout).
// Ports base..base+30; data in a temporary directory, removed at the end.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { ChildProcess } from "node:child_process";
import { KVService, MaintenanceService } from "../src/api/services.ts";
import { GrpcClientPool } from "../src/grpc/pool.ts";
import { memberPort, startMember, writeClusterConfigs } from "./cluster.ts";

const { values: opt } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    strategy: { type: "string", default: "mem" },
    "base-port": { type: "string", default: "23500" },
    kill: { type: "boolean", default: false },
  },
});
const ROUNDS = Number(opt.rounds);
const BASE = Number(opt["base-port"]);
const IDS = [1, 2, 3];
const dir = mkdtempSync(join(tmpdir(), "trireme-leader-stop-"));
const files = writeClusterConfigs({
  nodes: 3,
  strategy: opt.strategy === "disk" ? "disk" : "mem",
  basePort: BASE,
  dir,
  deployment: "cloud-3",
  network: "lan",
});
const pool = new GrpcClientPool();
const endpoint = (id: number) => `127.0.0.1:${memberPort(BASE, id)}`;
const children = new Map<number, ChildProcess>();
const transferLines: string[] = [];

function start(id: number): void {
  const child = startMember(id, files[id - 1]!, join(dir, `node-${id}.log`), (_id, line) => {
    if (line.includes("leadership transfer")) transferLines.push(line);
  });
  children.set(id, child);
  child.on("exit", () => children.delete(id));
}

async function status(id: number): Promise<{ leader: number; term: number } | undefined> {
  try {
    const s = await pool.unary(endpoint(id), MaintenanceService.Status, { ok: true, msg: {}, size: 0 }, 500);
    return { leader: Number(s.leader ?? 0), term: Number(s.raftTerm ?? 0) };
  } catch {
    return undefined;
  }
}

async function agreedLeader(ids: number[], not = 0): Promise<{ leader: number; term: number }> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const all = await Promise.all(ids.map(status));
    const first = all[0];
    if (first && first.leader !== 0 && first.leader !== not && all.every((s) => s?.leader === first.leader && s.term === first.term)) return first;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no leader agreed on by members ${ids.join(", ")} within 30 s (logs in ${dir})`);
}

/** Puts one key after another through `via` until `until()`; returns the acknowledgement times. */
async function writer(via: number, until: () => boolean): Promise<{ acks: number[]; failures: number }> {
  const acks: number[] = [];
  let failures = 0;
  for (let i = 0; !until(); i++) {
    try {
      await pool.unary(endpoint(via), KVService.Put, { ok: true, msg: { key: Buffer.from(`stall/${i}`), value: Buffer.from("x") }, size: 0 }, 5000);
      acks.push(performance.now());
    } catch {
      failures++;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  return { acks, failures };
}

const stalls: number[] = [];
try {
  for (const id of IDS) start(id);
  for (let round = 1; round <= ROUNDS; round++) {
    const before = await agreedLeader(IDS);
    const via = IDS.find((id) => id !== before.leader)!;
    let stopAt = Infinity;
    let done = false;
    const w = writer(via, () => done);
    await new Promise((r) => setTimeout(r, 1000));
    stopAt = performance.now();
    children.get(before.leader)!.kill(opt.kill ? "SIGKILL" : "SIGTERM");
    const exited = new Promise((r) => children.get(before.leader)?.once("exit", r) ?? r(undefined));
    const rest = IDS.filter((id) => id !== before.leader);
    const after = await agreedLeader(rest, before.leader);
    await new Promise((r) => setTimeout(r, 1000));
    done = true;
    const { acks, failures } = await w;
    await exited;
    // The longest gap between acknowledgements from just before the stop to the end.
    const around = [acks.findLast((t) => t < stopAt) ?? stopAt, ...acks.filter((t) => t >= stopAt)];
    let stall = 0;
    for (let i = 1; i < around.length; i++) stall = Math.max(stall, around[i]! - around[i - 1]!);
    stalls.push(stall);
    console.log(`round ${round}: stopped leader ${before.leader} (term ${before.term}) -> leader ${after.leader} (term ${after.term}); ` +
      `write stall ${stall.toFixed(0)} ms, ${failures} failed puts, ${acks.length} acknowledged`);
    start(before.leader);
  }
  const sorted = [...stalls].sort((a, b) => a - b);
  console.log(`${opt.kill ? "SIGKILL" : "SIGTERM"} of the leader, ${ROUNDS} rounds: write stall median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, ` +
    `max ${sorted[sorted.length - 1]!.toFixed(0)} ms (load ${loadavg().map((l) => l.toFixed(2)).join(" ")})`);
  const timeouts = readFileSync(files[0]!, "utf8").match(/election_timeout_ms = (\d+)/)?.[1];
  console.log(`election timeout ${timeouts} ms; transfer log lines seen: ${transferLines.length}`);
} catch (err) {
  process.exitCode = 1;
  console.error((err as Error).message);
} finally {
  for (const c of children.values()) c.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 1500));
  for (const c of children.values()) c.kill("SIGKILL");
  pool.close();
  if (process.exitCode === undefined || process.exitCode === 0) rmSync(dir, { recursive: true, force: true });
}
