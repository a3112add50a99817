// What an idle member costs: starts a local cluster (the presets `npm start` uses), waits until it
// has settled, then samples each member's CPU time (utime + stime from /proc/<pid>/stat) and RSS
// over a quiet window. Nothing is written during the window: only ticks, heartbeats and metrics.
//
//   node_modules/.bin/bun scripts/bench-idle.ts [--nodes 3] [--strategy mem|disk] [--seconds 30]
//       [--settle-seconds 8] [--base-port 23800] [--preset cloud-3] [--network lan]
//
// Linux only (/proc). Ports base..base+10*nodes; data in a temporary directory, removed at the end.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { PresetOptions } from "../src/config/presets.ts";
import { startMember, writeClusterConfigs } from "./cluster.ts";

const { values: opt } = parseArgs({
  options: {
    nodes: { type: "string", default: "3" },
    strategy: { type: "string", default: "mem" },
    seconds: { type: "string", default: "30" },
    "settle-seconds": { type: "string", default: "8" },
    "base-port": { type: "string", default: "23800" },
    preset: { type: "string", default: "cloud-3" },
    network: { type: "string", default: "lan" },
  },
});
const NODES = Number(opt.nodes);
const SECONDS = Number(opt.seconds);
const strategy = opt.strategy === "disk" ? "disk" : "mem";
const CLK_TCK = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  // Fields after the ")" of the command name: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const dir = mkdtempSync(join(tmpdir(), "trireme-idle-"));
const files = writeClusterConfigs({
  nodes: NODES,
  strategy,
  basePort: Number(opt["base-port"]),
  dir,
  deployment: opt.preset as PresetOptions["deployment"],
  network: opt.network as PresetOptions["network"],
});
const children = files.map((file, i) => startMember(i + 1, file, join(dir, `node-${i + 1}.log`)));
try {
  await new Promise((r) => setTimeout(r, Number(opt["settle-seconds"]) * 1000));
  const before = children.map((c) => cpuTicks(c.pid!));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const secs = (performance.now() - t0) / 1000;
  const after = children.map((c) => cpuTicks(c.pid!));
  console.log(`idle cost: ${NODES} members, ${strategy === "disk" ? "DiskFirst" : "MemFirst"}, preset ${opt.preset}/${opt.network}, ${secs.toFixed(1)} s window\n`);
  console.log("| member | CPU, % of one core | RSS MiB |");
  console.log("| --- | --- | --- |");
  children.forEach((c, i) => {
    const pct = ((after[i] - before[i]) / CLK_TCK / secs) * 100;
    console.log(`| ${i + 1} | ${pct.toFixed(2)} | ${rssMiB(c.pid!).toFixed(0)} |`);
  });
} finally {
  await Promise.all(
    children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null) return resolve();
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
    })),
  );
  rmSync(dir, { recursive: true, force: true });
}
