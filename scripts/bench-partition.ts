// Repeated partitions of one member by blocking its packets (issue #13 item 9): how long after the
// heal the isolated member hears the leader again, and whether it loses it again soon after.
// A 3-member cluster on 127.0.0.1; member 3 runs as uid 65534 so iptables can drop everything it
// sends (OUTPUT, owner match) and everything sent to its ports (INPUT): a black hole both ways,
// as a cut cable is (connects hang until connect_timeout, nothing is refused). Each round:
// partition until member 3 logs "leader lost", hold --hold-ms more (so every channel's backoff is
// at its cap), heal, and read from member 3's log the time of its first "leader changed".
// Needs root and iptables (Debian: apt-get install iptables); the rules carry a comment naming
// this run and are removed on exit.
//
//   bun scripts/bench-partition.ts [--rounds 10] [--hold-ms 3000] [--base-port 31100]
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { memberCommand, memberPort, startMember, writeClusterConfigs } from "./cluster.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const ROUNDS = arg("rounds", 10);
const HOLD_MS = arg("hold-ms", 3000);
const BASE = arg("base-port", 31100);
const NOBODY = 65534;
const TAG = `trireme-bench-partition-${process.pid}`;

interface Line { at: number; msg: string; leader?: string; term?: number }
const lines3: Line[] = [];

function iptables(args: string[]): void {
  execFileSync("iptables", ["-w", ...args], { stdio: ["ignore", "ignore", "pipe"] });
}
const p3 = memberPort(BASE, 3);
const RULES: string[][] = [
  ["OUTPUT", "-p", "tcp", "-m", "owner", "--uid-owner", String(NOBODY), "-m", "comment", "--comment", TAG, "-j", "DROP"],
  ["INPUT", "-p", "tcp", "-d", "127.0.0.1", "--dport", `${p3}:${p3 + 4}`, "-m", "comment", "--comment", TAG, "-j", "DROP"],
];
let cut = false;
const partition = () => { for (const r of RULES) iptables(["-I", ...r]); cut = true; };
const heal = () => { for (const r of RULES) iptables(["-D", ...r]); cut = false; };

async function until<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

try {
  execFileSync("iptables", ["-w", "-L", "-n"], { stdio: "ignore" });
} catch {
  console.error("bench-partition: needs root and iptables (apt-get install iptables)");
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), `trireme-bench-partition-${process.pid}-`));
chmodSync(dir, 0o777);
mkdirSync(join(dir, "node-3"), { mode: 0o777 });
chmodSync(join(dir, "node-3"), 0o777);
const files = writeClusterConfigs({ nodes: 3, strategy: "mem", basePort: BASE, dir, deployment: "cloud-3", network: "lan" });
const children: ChildProcess[] = [1, 2].map((id) => startMember(id, files[id - 1]!, join(dir, `node-${id}.log`)));
const { cmd, args } = memberCommand("bun");
const m3 = spawn("setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", cmd, ...args, "start", "--config", files[2]!], {
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...process.env, HOME: dir, NO_COLOR: "1" },
});
children.push(m3);
for (const s of [m3.stdout!, m3.stderr!]) {
  createInterface({ input: s }).on("line", (raw) => {
    try {
      const j = JSON.parse(raw) as { time: string; msg: string; leader?: string; term?: number };
      lines3.push({ at: Date.parse(j.time), msg: j.msg, ...(j.leader !== undefined ? { leader: j.leader } : {}), ...(j.term !== undefined ? { term: j.term } : {}) });
    } catch {
      console.error(`[member 3] ${raw}`);
    }
  });
}

const cleanup = () => {
  if (cut) heal();
  for (const c of children) c.kill("SIGTERM");
};
process.on("SIGINT", () => { cleanup(); process.exit(130); });

const results: number[] = [];
let relost = 0;
let termChanges = 0;
try {
  await until("member 3 to hear a leader", 20_000, () => lines3.find((l) => l.msg === "leader changed"));
  for (let round = 1; round <= ROUNDS; round++) {
    const from = lines3.length;
    const termBefore = [...lines3].reverse().find((l) => l.term !== undefined)?.term;
    partition();
    await until("member 3 to lose the leader", 15_000, () => lines3.slice(from).find((l) => l.msg === "leader lost"));
    await new Promise((r) => setTimeout(r, HOLD_MS));
    const healedAt = Date.now();
    heal();
    const found = await until("member 3 to hear a leader after the heal", 15_000, () => lines3.slice(from).find((l) => l.msg === "leader changed" && l.at >= healedAt - 5));
    const ms = found.at - healedAt;
    results.push(ms);
    await new Promise((r) => setTimeout(r, 3000));
    const lostAgain = lines3.slice(from).some((l) => l.at > found.at && l.msg === "leader lost");
    if (lostAgain) relost++;
    if (found.term !== termBefore) termChanges++;
    console.log(`round ${round}: member 3 heard leader ${found.leader} (term ${found.term}) ${ms} ms after the heal${lostAgain ? "; lost it again within 3 s" : ""}`);
  }
} finally {
  cleanup();
  await new Promise((r) => setTimeout(r, 1500));
  if (process.env.KEEP !== "1") rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
results.sort((a, b) => a - b);
const q = (p: number) => results[Math.min(results.length - 1, Math.floor(p * results.length))]!;
console.log(`\n${ROUNDS} heals after partitions held ${HOLD_MS} ms past the leader loss: median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${results[results.length - 1]} ms; ` +
  `lost the leader again within 3 s: ${relost}; rounds where the term changed: ${termChanges} (heartbeat 100 ms, connect timeout 100 ms)`);
process.exit(0);
