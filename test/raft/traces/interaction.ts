// The environment a trace file drives: real cores in a hand-driven cluster (test/raft/unit/driver.ts)
// with a model of each node's storage, so nodes can restart from what they persisted. Each command
// returns the lines it prints; the commands are listed, with their arguments, in COMMANDS below.
//
// Timing is deterministic: the injected randomness is 0, so every election timeout is exactly
// `election` ticks, and `campaign N` is that many ticks of node N.

import { Raft } from "../../../src/raft/raft.ts";
import { encodeConfChange } from "../../../src/raft/confchange.ts";
import {
  ConfChangeType,
  type CountPolicy,
  type Entry,
  type HardState,
  type NodeId,
  type ProposeResult,
  type RaftConfig,
  type SnapshotMeta,
} from "../../../src/raft/types.ts";
import { bytes, Cluster, config } from "../unit/driver.ts";
import { formatEntries, formatMessage, formatReady, formatSnapshot, formatStatus } from "./format.ts";
import { hasFlag, type Command } from "./script.ts";

/** What a node's disk holds, beyond the entries the driver keeps (`NodeState.stored`). */
interface Disk {
  cfg: RaftConfig;
  hardState: HardState;
  snapshot: SnapshotMeta;
  /** Last index of the log store that survives a crash (MemFirst flushes in the background). */
  flushed: number;
  /** The state machine's applied index (it is durable on its own, as kv.db is). */
  applied: number;
}

type Handler = (env: Interaction, cmd: Command) => string[];

export class Interaction {
  readonly c = new Cluster([]);
  private readonly disks = new Map<NodeId, Disk>();

  constructor() {
    // Durability is modelled here: DiskFirst after every Ready, MemFirst on `flush`.
    this.c.autoDurable = false;
  }

  run(cmd: Command): string[] {
    const h = COMMANDS[cmd.name];
    if (!h) throw new Error(`line ${cmd.lineNo}: unknown command "${cmd.name}" (known: ${Object.keys(COMMANDS).join(", ")})`);
    return h(this, cmd);
  }

  ids(cmd: Command): NodeId[] {
    const ids = cmd.args.map(Number);
    for (const id of ids) if (!this.disks.has(id)) throw new Error(`line ${cmd.lineNo}: no node ${id}`);
    return ids.length > 0 ? ids : [...this.disks.keys()].sort((a, b) => a - b);
  }

  disk(id: NodeId): Disk {
    const d = this.disks.get(id);
    if (!d) throw new Error(`no node ${id}`);
    return d;
  }

  addNodes(cmd: Command): string[] {
    const n = Number(cmd.args[0]);
    const first = this.disks.size + 1;
    const ids = Array.from({ length: n }, (_, i) => first + i);
    const list = (key: string, dflt: NodeId[]) => {
      const v = cmd.opts.get(key);
      return v === undefined ? dflt : v === "" ? [] : v.split(",").map(Number);
    };
    const joining = hasFlag(cmd, "joining");
    const voters = list("voters", joining ? [] : ids);
    const learners = list("learners", []);
    const over: Partial<RaftConfig> = {
      countPolicy: (cmd.opts.get("policy") ?? "durable") as CountPolicy,
      electionTicks: Number(cmd.opts.get("election") ?? 10),
      heartbeatTicks: Number(cmd.opts.get("heartbeat") ?? 1),
      preVote: hasFlag(cmd, "pre-vote"),
      checkQuorum: hasFlag(cmd, "check-quorum") || hasFlag(cmd, "lease-read"),
      leaseRead: hasFlag(cmd, "lease-read"),
      random: () => 0,
    };
    for (const id of ids) {
      const snapshot = { index: 0, term: 0, conf: { voters: [...voters], learners: [...learners] } };
      const disk: Disk = { cfg: config(id, over), hardState: { term: 0, vote: 0 }, snapshot, flushed: 0, applied: 0 };
      this.disks.set(id, disk);
      this.c.add(id, new Raft(disk.cfg, { hardState: disk.hardState, snapshot, entries: [], applied: 0, durableIndex: 0 }));
    }
    return [`added ${ids.join(", ")}: ${over.countPolicy} voters=(${voters.join(",")}) learners=(${learners.join(",")})`];
  }

  /** Handles one Ready the way the shell does, and models what reaches the disk. */
  processReady(id: NodeId): string[] {
    const n = this.c.node(id);
    const disk = this.disk(id);
    const lastBefore = n.stored.length > 0 ? n.stored[n.stored.length - 1].index : disk.snapshot.index;
    const rd = this.c.handleReady(id);
    if (!rd) return [];
    if (rd.snapshot) {
      disk.snapshot = rd.snapshot;
      disk.applied = rd.snapshot.index;
      disk.flushed = rd.snapshot.index;
    }
    if (rd.entries.length > 0 && rd.entries[0].index <= lastBefore) disk.flushed = Math.min(disk.flushed, rd.entries[0].index - 1);
    if (rd.hardState) disk.hardState = rd.hardState;
    for (const e of rd.committedEntries) disk.applied = Math.max(disk.applied, e.index);
    if (disk.cfg.countPolicy === "durable") this.flush(id);
    return [`> ${id} handling Ready`, ...formatReady(rd, "  ")];
  }

  /** The log store made everything stored so far durable. */
  flush(id: NodeId): void {
    const n = this.c.node(id);
    const disk = this.disk(id);
    const last = n.stored.length > 0 ? n.stored[n.stored.length - 1] : undefined;
    if (!last) return;
    disk.flushed = last.index;
    n.raft.reportDurable(last.index, last.term);
  }

  deliverTo(id: NodeId): string[] {
    const msgs = this.c.deliver((m) => m.to === id);
    return msgs.length === 0 ? [] : [`> ${id} receiving messages`, ...msgs.map((m) => `  ${formatMessage(m)}`)];
  }

  /** The process dies and starts again from its disk: a MemFirst log loses its unflushed tail. */
  restart(id: NodeId): string[] {
    const disk = this.disk(id);
    const entries: Entry[] = this.c.node(id).stored.filter((e) => e.index <= disk.flushed);
    const raft = new Raft(disk.cfg, {
      hardState: disk.hardState,
      snapshot: disk.snapshot,
      entries,
      applied: disk.applied,
      durableIndex: disk.flushed,
    });
    this.c.add(id, raft);
    this.c.node(id).stored = entries;
    const last = entries.length > 0 ? entries[entries.length - 1].index : disk.snapshot.index;
    return [`restarted ${id}: term=${disk.hardState.term} vote=${disk.hardState.vote} log=${disk.snapshot.index + 1}..${last} applied=${disk.applied}`];
  }
}

function proposeResult(r: ProposeResult): string[] {
  if (r.ok) return [`ok: ${r.firstIndex === r.lastIndex ? r.firstIndex : `${r.firstIndex}..${r.lastIndex}`}@${r.term}`];
  const { code, ...rest } = r.error;
  return [`refused: ${code} ${Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`).join(" ")}`.trimEnd()];
}

function one(env: Interaction, cmd: Command): NodeId {
  const id = Number(cmd.args[0]);
  env.disk(id);
  return id;
}

function ticks(env: Interaction, cmd: Command, n: (cfg: RaftConfig) => number): string[] {
  for (const id of env.ids(cmd)) env.c.tick(id, n(env.disk(id).cfg));
  return [];
}

const CC_TYPES: Record<string, ConfChangeType> = {
  "add-voter": ConfChangeType.AddVoter,
  "add-learner": ConfChangeType.AddLearner,
  remove: ConfChangeType.RemoveNode,
};

export const COMMANDS: Record<string, Handler> = {
  /** add-nodes N [voters=(..)] [learners=(..)] [joining] [policy=durable|appended] [pre-vote]
   *  [check-quorum] [lease-read] [election=10] [heartbeat=1] */
  "add-nodes": (env, cmd) => env.addNodes(cmd),
  /** campaign N: N's election timeout elapses. */
  campaign: (env, cmd) => ticks(env, cmd, (cfg) => cfg.electionTicks),
  /** tick N... [n=K] */
  tick: (env, cmd) => ticks(env, cmd, () => Number(cmd.opts.get("n") ?? 1)),
  "tick-heartbeat": (env, cmd) => ticks(env, cmd, (cfg) => cfg.heartbeatTicks),
  /** propose N data... (one entry per word) */
  propose: (env, cmd) => proposeResult(env.c.raft(one(env, cmd)).propose(cmd.args.slice(1).map(bytes))),
  /** propose-conf-change N add-voter=ID | add-learner=ID | remove=ID */
  "propose-conf-change": (env, cmd) => {
    const [kind, nodeId] = [...cmd.opts][0] ?? [];
    const type = CC_TYPES[kind ?? ""];
    if (type === undefined) throw new Error(`line ${cmd.lineNo}: propose-conf-change needs add-voter=, add-learner= or remove=`);
    const cc = { type, nodeId: Number(nodeId), context: new Uint8Array(0) };
    encodeConfChange(cc); // validates the id
    return proposeResult(env.c.raft(one(env, cmd)).proposeConfChange(cc));
  },
  /** read-index N REQUEST-ID */
  "read-index": (env, cmd) => {
    env.c.raft(one(env, cmd)).readIndex(Number(cmd.args[1]));
    return [];
  },
  /** transfer-leader N TO: asks N (a leader, or a follower that forwards it). */
  "transfer-leader": (env, cmd) => {
    env.c.raft(one(env, cmd)).transferLeader(Number(cmd.args[1]));
    return [];
  },
  /** report-snapshot LEADER FOLLOWER [failed]: the bulk transfer ended. */
  "report-snapshot": (env, cmd) => {
    env.c.raft(one(env, cmd)).reportSnapshot(Number(cmd.args[1]), !hasFlag(cmd, "failed"));
    return [];
  },
  /** process-ready [N...]: one Ready of each (nodes without one print nothing). */
  "process-ready": (env, cmd) => env.ids(cmd).flatMap((id) => env.processReady(id)),
  /** deliver-msgs [N...] [drop=(N,..)]: delivers what is queued to N (default all); drop= loses
   *  what is queued to those nodes instead. */
  "deliver-msgs": (env, cmd) => {
    const drop = cmd.opts.get("drop");
    if (drop !== undefined) {
      const to = new Set(drop.split(",").map(Number));
      const lost = env.c.queue.filter((m) => to.has(m.to));
      env.c.queue = env.c.queue.filter((m) => !to.has(m.to));
      return lost.map((m) => `dropped ${formatMessage(m)}`);
    }
    return env.ids(cmd).flatMap((id) => env.deliverTo(id));
  },
  /** stabilize [N...]: Readies and deliveries among N (default all) until nothing moves. */
  stabilize: (env, cmd) => {
    const ids = env.ids(cmd);
    const out: string[] = [];
    for (let round = 0; ; round++) {
      if (round === 1000) throw new Error(`line ${cmd.lineNo}: did not stabilize in 1000 rounds`);
      const before = out.length;
      for (const id of ids) out.push(...env.processReady(id));
      for (const id of ids) out.push(...env.deliverTo(id));
      if (out.length === before) return out;
    }
  },
  /** flush N...: the log store of N made everything durable (MemFirst's background flush). */
  flush: (env, cmd) => {
    for (const id of env.ids(cmd)) env.flush(id);
    return [];
  },
  /** restart N: crash and start from the disk (a MemFirst log loses what was not flushed). */
  restart: (env, cmd) => env.restart(one(env, cmd)),
  /** compact N INDEX: the shell took a snapshot at INDEX (applied) and the log before it goes. */
  compact: (env, cmd) => {
    const id = one(env, cmd);
    const index = Number(cmd.args[1]);
    const n = env.c.node(id);
    const term = n.stored.find((e) => e.index === index)?.term;
    if (term === undefined) throw new Error(`line ${cmd.lineNo}: node ${id} does not store index ${index}`);
    n.raft.compact(index);
    const disk = env.disk(id);
    disk.snapshot = { index, term, conf: n.raft.confAt(index) };
    n.stored = n.stored.filter((e) => e.index > index);
    return [`${id}: snapshot ${formatSnapshot(disk.snapshot)}`];
  },
  /** status N...: role, term, indexes, membership, and a leader's view of each follower. */
  status: (env, cmd) => env.ids(cmd).flatMap((id) => formatStatus(env.c.raft(id).status())),
  /** log N...: what the node's log store holds. */
  log: (env, cmd) =>
    env.ids(cmd).map((id) => {
      const n = env.c.node(id);
      const snap = env.disk(id).snapshot;
      return `${id}: snapshot=${snap.index}@${snap.term} [${formatEntries(n.stored)}] flushed=${env.disk(id).flushed}`;
    }),
};
