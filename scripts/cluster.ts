// Starts a local trireme cluster on 127.0.0.1 (what `npm start` runs; tests and benchmarks use it
// too). Each member gets a config written from the presets, its own data directory and log file;
// leader changes are shown as they happen. Ctrl-C (or SIGTERM) stops every member cleanly.
//
//   bun scripts/cluster.ts [--nodes 3] [--strategy mem|disk] [--base-port 2379] [--dir data]
//                          [--preset cloud-3] [--network lan] [--clean] [--snapshot-entries N]
//                          [--runtime bun|deno]
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { presetConfig, type PresetOptions } from "../src/config/presets.ts";
import { renderConfig } from "../src/config/render.ts";

const root = resolve(import.meta.dirname, "..");

export interface ClusterOptions {
  nodes: number;
  strategy: "mem" | "disk";
  basePort: number;
  dir: string;
  deployment: PresetOptions["deployment"];
  network: PresetOptions["network"];
  snapshotEntries?: number;
}

/** Member i (1-based) listens on basePort + 10*(i-1) .. +4 (client, control, data, bulk, metrics). */
export function memberPort(basePort: number, id: number): number {
  return basePort + 10 * (id - 1);
}

/** Writes one config file per member into `dir` and returns their paths. */
export function writeClusterConfigs(o: ClusterOptions): string[] {
  mkdirSync(o.dir, { recursive: true });
  const members = Array.from({ length: o.nodes }, (_, i) => ({ id: i + 1, host: "127.0.0.1", basePort: memberPort(o.basePort, i + 1) }));
  return members.map((m) => {
    const { config, reasons } = presetConfig({
      deployment: o.deployment,
      network: o.network,
      members,
      nodeId: m.id,
      dataDir: `node-${m.id}`,
      clusterName: "trireme-local",
    });
    config.raft.persistence.strategy = o.strategy === "disk" ? "DiskFirst" : "MemFirst";
    if (o.snapshotEntries !== undefined) config.raft.snapshot_entries = o.snapshotEntries;
    const file = join(o.dir, `node-${m.id}.toml`);
    writeFileSync(file, renderConfig(config, { reasons, header: [`local cluster member ${m.id}, written by scripts/cluster.ts`] }));
    return file;
  });
}

/** What runs a member: Bun (the default, what the binary is built with) or Deno. */
export type Runtime = "bun" | "deno";

/** The runtime this launcher itself runs on; members run on it unless told otherwise. */
export const currentRuntime: Runtime = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? "deno" : "bun";

/** The executable and arguments that run src/main.ts on `runtime`: this process's own binary when it
 *  is that runtime, else the pinned one in node_modules/.bin. Deno needs its permissions spelled out
 *  (a member opens sockets, files, workers and reads its environment). */
export function memberCommand(runtime: Runtime = currentRuntime): { cmd: string; args: string[] } {
  const cmd = runtime === currentRuntime ? process.execPath : join(root, "node_modules/.bin", runtime);
  const main = join(root, "src/main.ts");
  return runtime === "deno" ? { cmd, args: ["run", "--allow-all", "--quiet", main] } : { cmd, args: [main] };
}

export interface RunningMember {
  id: number;
  child: ChildProcess;
  clientAddress: string;
}

/** Starts one member process on `runtime`; its log lines go to `logFile`, and `onLine` sees each of them. */
export function startMember(
  id: number,
  configFile: string,
  logFile: string,
  onLine?: (id: number, line: string) => void,
  runtime: Runtime = currentRuntime,
): ChildProcess {
  const { cmd, args } = memberCommand(runtime);
  const child = spawn(cmd, [...args, "start", "--config", configFile], {
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: Ctrl-C in the terminal reaches only this launcher, which then stops
    // each member with one SIGTERM (a member treats a second signal as "exit now").
    detached: true,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const out = createWriteStream(logFile, { flags: "a" });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      out.write(line + "\n");
      onLine?.(id, line);
    });
  }
  child.on("exit", () => out.end());
  return child;
}

function describe(line: string): string | undefined {
  try {
    const j = JSON.parse(line) as { level: string; msg: string; leader?: string; term?: number; error?: string };
    if (j.msg === "leader changed") return `leader is now member ${j.leader} (term ${j.term})`;
    if (j.msg === "leader lost") return `lost the leader (term ${j.term})`;
    if (j.level === "error") return `error: ${j.msg}${j.error ? `: ${j.error}` : ""}`;
    if (j.msg === "member started" || j.msg === "member stopped" || j.msg.startsWith("snapshot")) return j.msg;
  } catch {
    return line.length > 0 ? line : undefined;
  }
  return undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nodes: { type: "string", default: "3" },
      strategy: { type: "string", default: "mem" },
      "base-port": { type: "string", default: "2379" },
      dir: { type: "string", default: "data" },
      preset: { type: "string", default: "cloud-3" },
      network: { type: "string", default: "lan" },
      "snapshot-entries": { type: "string" },
      runtime: { type: "string", default: currentRuntime },
      clean: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log("Usage: bun scripts/cluster.ts [--nodes 3] [--strategy mem|disk] [--base-port 2379] [--dir data] [--preset cloud-3] [--network lan] [--snapshot-entries N] [--runtime bun|deno] [--clean]");
    return;
  }
  const nodes = Number(values.nodes);
  const basePort = Number(values["base-port"]);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 7) throw new Error(`--nodes: got ${values.nodes}; expected 1..7`);
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65000) throw new Error(`--base-port: got ${values["base-port"]}; expected 1024..65000`);
  if (values.strategy !== "mem" && values.strategy !== "disk") throw new Error(`--strategy: got ${values.strategy}; expected mem or disk`);
  if (values.runtime !== "bun" && values.runtime !== "deno") throw new Error(`--runtime: got ${values.runtime}; expected bun or deno`);
  const runtime: Runtime = values.runtime;
  const dir = resolve(values.dir);
  if (values.clean && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  const files = writeClusterConfigs({
    nodes,
    strategy: values.strategy,
    basePort,
    dir,
    deployment: values.preset as PresetOptions["deployment"],
    network: values.network as PresetOptions["network"],
    ...(values["snapshot-entries"] ? { snapshotEntries: Number(values["snapshot-entries"]) } : {}),
  });
  const members: RunningMember[] = files.map((file, i) => {
    const id = i + 1;
    const child = startMember(id, file, join(dir, `node-${id}.log`), (mid, line) => {
      const what = describe(line);
      if (what !== undefined) console.log(`[member ${mid}] ${what}`);
    }, runtime);
    return { id, child, clientAddress: `127.0.0.1:${memberPort(basePort, id)}` };
  });
  const endpoints = members.map((m) => m.clientAddress).join(",");
  console.log(`trireme: ${nodes}-member cluster (${values.strategy === "disk" ? "DiskFirst" : "MemFirst"}, on ${runtime}) starting; data and logs in ${dir}`);
  console.log(`  endpoints: ${endpoints}`);
  console.log(`  try:  ETCDCTL_API=3 etcdctl --endpoints=${endpoints} put greeting hello`);
  console.log(`        ETCDCTL_API=3 etcdctl --endpoints=${endpoints} get greeting`);
  console.log(`        node_modules/.bin/bun src/main.ts get greeting --endpoints ${endpoints}`);
  console.log("  Ctrl-C stops every member.");

  let stopping = false;
  const exited = members.map((m) => new Promise<number | null>((r) => m.child.on("exit", (code, signal) => {
    r(code);
    if (stopping) return;
    if (code === 0) {
      console.log(`[member ${m.id}] exited with status 0`);
      return;
    }
    // A member that could not start (or died) leaves no working cluster: say so and fail, so
    // `npm start` in a script or CI does not sit there looking healthy.
    console.error(`[member ${m.id}] exited with ${code === null ? `signal ${signal}` : `status ${code}`}; its log: ${join(dir, `node-${m.id}.log`)}`);
    void stop(1);
  })));
  const stop = async (failed?: number) => {
    if (stopping) return;
    stopping = true;
    console.log("stopping all members");
    for (const m of members) m.child.kill("SIGTERM");
    const timer = setTimeout(() => {
      for (const m of members) m.child.kill("SIGKILL");
    }, 10_000);
    const codes = await Promise.all(exited);
    clearTimeout(timer);
    console.log(`stopped (exit statuses ${codes.join(", ")})`);
    process.exit(failed ?? (codes.every((c) => c === 0) ? 0 : 1));
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

if (import.meta.main) {
  main().catch((err) => {
    console.error(`cluster: ${(err as Error).message}`);
    process.exit(2);
  });
}
