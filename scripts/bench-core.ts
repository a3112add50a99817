// Throughput of the pure Raft core: proposals/s committed (and applied on the leader) through a
// 3-node in-memory cluster. No I/O: messages are handed over in memory, durability is reported at
// once. Usage: bun scripts/bench-core.ts [--seconds 2] [--value-bytes 256]

import { parseArgs } from "node:util";
import { Raft } from "../src/raft/raft.ts";
import type { CountPolicy, Message, NodeId, RaftConfig } from "../src/raft/types.ts";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "2" }, "value-bytes": { type: "string", default: "256" } },
});
const seconds = Number(values.seconds);
const valueBytes = Number(values["value-bytes"]);

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
}

class MemCluster {
  readonly nodes = new Map<NodeId, Raft>();
  private queue: Message[] = [];
  committedAtLeader = 0;

  constructor(policy: CountPolicy) {
    const ids = [1, 2, 3];
    for (const id of ids) {
      const cfg: RaftConfig = {
        id, heartbeatTicks: 1, electionTicks: 10, preVote: true, checkQuorum: true, leaseRead: false,
        countPolicy: policy, maxEntriesPerAppend: 4096, maxBytesPerAppend: 4 << 20, maxInflightAppends: 256,
        maxInflightBytes: 64 << 20, maxUncommittedBytes: 1 << 30, random: rng(id),
      };
      this.nodes.set(id, new Raft(cfg, {
        hardState: { term: 0, vote: 0 },
        snapshot: { index: 0, term: 0, conf: { voters: ids, learners: [] } },
        entries: [], applied: 0, durableIndex: 0,
      }));
    }
    const leader = this.nodes.get(1) as Raft;
    while (leader.status().role !== "leader") {
      leader.tick();
      this.pump();
    }
    this.committedAtLeader = 0;
  }

  /** One round: every node's Ready handled, every queued message delivered. */
  pump(): void {
    for (const [id, r] of this.nodes) {
      if (!r.hasReady()) continue;
      const rd = r.ready();
      for (const m of rd.messages) this.queue.push(m);
      if (id === 1) this.committedAtLeader += rd.committedEntries.length;
      r.advance();
      if (rd.entries.length > 0) r.reportDurable(rd.entries[rd.entries.length - 1].index);
    }
    const q = this.queue;
    this.queue = [];
    for (const m of q) (this.nodes.get(m.to) as Raft).step(m);
  }

  leader(): Raft {
    return this.nodes.get(1) as Raft;
  }
}

function run(policy: CountPolicy, inFlight: number, seconds: number): { ops: number; perSec: number } {
  const c = new MemCluster(policy);
  const value = new Uint8Array(valueBytes);
  const leader = c.leader();
  let proposed = 0;
  let target = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  // Compact now and then so memory stays flat, like a shell snapshotting periodically.
  let lastCompact = 0;
  while (performance.now() < deadline) {
    const base = leader.status().applied;
    while (proposed - (c.committedAtLeader) < inFlight) {
      const r = leader.propose([value]);
      if (!r.ok) throw new Error(`proposal refused: ${JSON.stringify(r.error)}`);
      proposed++;
      target = r.lastIndex;
    }
    c.pump();
    if (base - lastCompact > 50_000) {
      for (const r of c.nodes.values()) r.compact(Math.min(r.status().applied, base - 1000));
      lastCompact = base;
    }
  }
  while (leader.status().applied < target) c.pump();
  const elapsed = (performance.now() - start) / 1000;
  // The no-op of the election is not a proposal.
  const ops = c.committedAtLeader;
  return { ops, perSec: ops / elapsed };
}

// Warm the JIT up first so the first case is not penalised.
run("appended", 100, 0.5);
run("durable", 1, 0.5);
console.log(`bench-core: 3 in-memory nodes, ${valueBytes}-byte values, ${seconds}s per case (2-core shared machine: noisy)`);
for (const policy of ["appended", "durable"] as const) {
  for (const inFlight of [1, 100]) {
    const { ops, perSec } = run(policy, inFlight, seconds);
    console.log(`  countPolicy=${policy.padEnd(8)} in-flight=${String(inFlight).padStart(3)}  ${ops} committed  ${Math.round(perSec).toLocaleString("en-US")} proposals/s`);
  }
}
