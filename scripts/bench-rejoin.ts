// How long a member that comes back takes to hear the leader (issue #13 item 9): a 3-member
// cluster of real processes; each round SIGKILLs a follower, keeps it down for --down-ms (longer
// than the reconnect backoff's old 2 s cap, so the leader's channel to it is at its slowest
// retry), starts it again, and reads from the member's own log the time from "peer transport
// listening" to its first "leader changed" with a leader: the leader's redial and first
// heartbeat. Also counts rounds where the member lost that leader again within 3 s.
// There are no iptables here to drop packets, so the outage is a stopped process (refused
// connections), not a black-holed link; the leader's backoff is the same either way.
//
//   bun scripts/bench-rejoin.ts [--rounds 10] [--down-ms 5000] [--base-port 30800]
import { TestCluster, type LogLine } from "../test/integration/harness.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const ROUNDS = arg("rounds", 10);
const DOWN_MS = arg("down-ms", 5000);
const BASE = arg("base-port", 30800);

const timeOf = (l: LogLine) => Date.parse(String(l.json?.time));
/** The leader a "leader changed" line names (hex, as the member logs ids). */
const leaderIn = (l: LogLine) => (l.json?.msg === "leader changed" ? String(l.json.leader) : undefined);
const isLost = (l: LogLine) => l.json?.msg === "leader lost";

async function until<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cluster = TestCluster.start({ basePort: BASE, nodes: 3, strategy: "mem" });
const results: number[] = [];
let relost = 0;
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const { leader } = await cluster.waitForLeader(20_000);
    const follower = cluster.ids.find((id) => id !== leader)!;
    await cluster.kill(follower);
    await new Promise((r) => setTimeout(r, DOWN_MS));
    const run = cluster.lines(follower).reduce((m, l) => Math.max(m, l.run), 0) + 1;
    cluster.startMember(follower);
    const lines = () => cluster.lines(follower).filter((l) => l.run === run);
    const listening = await until("the member to listen", 15_000, () => lines().find((l) => l.json?.msg === "peer transport listening"));
    const found = await until("the member to hear a leader", 15_000, () => lines().find((l) => leaderIn(l) !== undefined));
    const ms = timeOf(found) - timeOf(listening);
    results.push(ms);
    await new Promise((r) => setTimeout(r, 3000));
    const lost = lines().some((l) => timeOf(l) > timeOf(found) && isLost(l));
    if (lost) relost++;
    console.log(`round ${round}: member ${follower} heard leader ${leaderIn(found)} ${ms} ms after listening${lost ? " (and lost it again within 3 s)" : ""}`);
  }
} finally {
  await cluster.destroy();
}
results.sort((a, b) => a - b);
const q = (p: number) => results[Math.min(results.length - 1, Math.floor(p * results.length))]!;
console.log(`\n${ROUNDS} rejoins after ${DOWN_MS} ms down: median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${results[results.length - 1]} ms; lost the leader again within 3 s: ${relost}`);
