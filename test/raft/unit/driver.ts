// A tiny hand-driven cluster for unit tests: messages are delivered only when a test says so, so
// every rule can be exercised step by step.

import { Raft } from "../../../src/raft/raft.ts";
import {
  MessageType,
  type Entry,
  type Message,
  type NodeId,
  type RaftConfig,
  type Ready,
  type RestoredState,
} from "../../../src/raft/types.ts";

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function config(id: NodeId, over: Partial<RaftConfig> = {}): RaftConfig {
  return {
    id,
    heartbeatTicks: 1,
    electionTicks: 10,
    preVote: false,
    checkQuorum: false,
    leaseRead: false,
    countPolicy: "appended",
    maxEntriesPerAppend: 1000,
    maxBytesPerAppend: 1 << 20,
    maxInflightAppends: 256,
    maxInflightBytes: 1 << 24,
    maxUncommittedBytes: 1 << 30,
    random: seededRandom(id * 7919),
    ...over,
  };
}

export function bootstrap(voters: NodeId[], learners: NodeId[] = []): RestoredState {
  return {
    hardState: { term: 0, vote: 0 },
    snapshot: { index: 0, term: 0, conf: { voters: [...voters], learners: [...learners] } },
    entries: [],
    applied: 0,
    durableIndex: 0,
  };
}

export const bytes = (s: string) => new TextEncoder().encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

export interface NodeState {
  raft: Raft;
  /** The shell's log store, as it would be after every Ready so far. */
  stored: Entry[];
  applied: Entry[];
  readys: Ready[];
  readStates: { requestId: number; index: number }[];
  droppedReads: number[];
}

export class Cluster {
  readonly nodes = new Map<NodeId, NodeState>();
  /** Messages sent and not yet delivered. */
  queue: Message[] = [];
  /** Pairs that cannot talk ("a-b" blocks a→b). */
  readonly cut = new Set<string>();
  /** Under countPolicy "durable": report durability right after each Ready (a fast disk). */
  autoDurable = true;

  constructor(ids: NodeId[], over: Partial<RaftConfig> = {}, learners: NodeId[] = []) {
    for (const id of ids) this.add(id, new Raft(config(id, over), bootstrap(ids.filter((x) => !learners.includes(x)), learners)));
  }

  add(id: NodeId, raft: Raft): void {
    this.nodes.set(id, { raft, stored: [], applied: [], readys: [], readStates: [], droppedReads: [] });
  }

  raft(id: NodeId): Raft {
    return this.node(id).raft;
  }
  node(id: NodeId): NodeState {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Handles one Ready of `id` like a shell: store, queue messages, apply, advance. */
  handleReady(id: NodeId): Ready | undefined {
    const n = this.node(id);
    if (!n.raft.hasReady()) return undefined;
    const rd = n.raft.ready();
    n.readys.push(rd);
    if (rd.snapshot) n.stored = [];
    if (rd.entries.length > 0) {
      const first = rd.entries[0].index;
      n.stored = n.stored.filter((e) => e.index < first).concat(rd.entries);
    }
    this.queue.push(...rd.messages);
    n.applied.push(...rd.committedEntries);
    n.readStates.push(...rd.readStates);
    n.droppedReads.push(...rd.droppedReads);
    n.raft.advance();
    if (this.autoDurable && rd.entries.length > 0) n.raft.reportDurable(rd.entries[rd.entries.length - 1].index);
    return rd;
  }

  /** Handles Readies of every node until none has one (messages stay queued). */
  flushReadies(): void {
    for (let again = true; again; ) {
      again = false;
      for (const id of this.nodes.keys()) if (this.handleReady(id)) again = true;
    }
  }

  /** Delivers queued messages (optionally only those matching `filter`); returns those delivered. */
  deliver(filter: (m: Message) => boolean = () => true): Message[] {
    const now = this.queue;
    this.queue = [];
    const delivered: Message[] = [];
    for (const m of now) {
      if (!filter(m)) {
        this.queue.push(m);
        continue;
      }
      if (this.cut.has(`${m.from}-${m.to}`) || !this.nodes.has(m.to)) continue;
      delivered.push(m);
      this.raft(m.to).step(m);
    }
    return delivered;
  }

  /** Readies and deliveries until the cluster is quiet. */
  stabilize(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds; i++) {
      this.flushReadies();
      if (this.queue.length === 0) return;
      this.deliver();
    }
    throw new Error("cluster did not stabilize");
  }

  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) this.raft(id).tick();
  }

  /** Makes `id` campaign by ticking it past its election timeout, then runs the election. */
  elect(id: NodeId): void {
    const r = this.raft(id);
    for (let i = 0; i < 100 && r.status().role === "follower"; i++) r.tick();
    this.stabilize();
    if (r.status().role !== "leader") throw new Error(`node ${id} did not become leader (${r.status().role})`);
  }

  partition(a: NodeId[], b: NodeId[]): void {
    for (const x of a) for (const y of b) {
      this.cut.add(`${x}-${y}`);
      this.cut.add(`${y}-${x}`);
    }
  }
  heal(): void {
    this.cut.clear();
  }

  appliedData(id: NodeId): string[] {
    return this.node(id).applied.filter((e) => e.data.byteLength > 0 && e.type === 0).map((e) => text(e.data));
  }
}

/** Delivers everything; a delivered Snap is reported finished (or failed) to its sender, as the
 *  bulk plane would once the stream ends. Returns the Snap messages delivered. */
export function stabilizeWithSnapshots(c: Cluster, ok = true): Message[] {
  const snaps: Message[] = [];
  for (let i = 0; i < 1000; i++) {
    c.flushReadies();
    if (c.queue.length === 0) return snaps;
    for (const m of c.deliver()) {
      if (m.type === MessageType.Snap) {
        snaps.push(m);
        c.raft(m.from).reportSnapshot(m.to, ok);
      }
    }
  }
  throw new Error("did not stabilize");
}
