// A tiny hand-driven harness for the Raft-paper tests: real Raft cores, messages delivered (or
// dropped) one by one by the test, storage that persists at once. Nothing here is random unless
// a test passes its own `random`.

import { Raft } from "../../../src/raft/index.ts";
import {
  MessageType,
  Role,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type RaftConfig,
  type ReadState,
  type Ready,
  type RestoredState,
} from "../../../src/raft/types.ts";

export function config(id: NodeId, over: Partial<RaftConfig> = {}): RaftConfig {
  return {
    id,
    heartbeatTicks: 1,
    electionTicks: 10,
    preVote: false,
    checkQuorum: false,
    leaseRead: false,
    countPolicy: "appended",
    maxEntriesPerAppend: 64,
    maxBytesPerAppend: 1 << 20,
    maxInflightAppends: 16,
    maxInflightBytes: 1 << 20,
    maxUncommittedBytes: 1 << 20,
    random: () => 0,
    ...over,
  };
}

export function restored(conf: ConfState, hs: HardState = { term: 0, vote: 0 }, entries: Entry[] = []): RestoredState {
  const last = entries.length > 0 ? entries[entries.length - 1].index : 0;
  return { hardState: hs, snapshot: { index: 0, term: 0, conf }, entries, applied: 0, durableIndex: last };
}

/** Entries with the given terms at indexes 1..n (a log shape as in the paper's figures). */
export function logWithTerms(terms: number[]): Entry[] {
  return terms.map((term, i) => ({ term, index: i + 1, type: 0, data: new Uint8Array([i + 1, term]) }));
}

export function data(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export interface DriverNode {
  raft: Raft;
  /** The log store (what Ready.entries put there). */
  log: Entry[];
  hardState: HardState;
  applied: Entry[];
  readStates: ReadState[];
  droppedReads: number[];
  role: Role;
  /** Every Ready, for tests that inspect ordering (e.g. hard state with the vote response). */
  readys: Ready[];
}

export class Driver {
  readonly nodes = new Map<NodeId, DriverNode>();
  /** Messages sent and not yet delivered. */
  outbox: Message[] = [];

  constructor(ids: NodeId[], over: (id: NodeId) => Partial<RaftConfig> = () => ({}), state?: (id: NodeId) => RestoredState) {
    for (const id of ids) this.add(id, config(id, over(id)), state ? state(id) : restored({ voters: ids, learners: [] }));
  }

  add(id: NodeId, cfg: RaftConfig, st: RestoredState): DriverNode {
    const n: DriverNode = {
      raft: new Raft(cfg, st),
      log: st.entries.slice(),
      hardState: { ...st.hardState },
      applied: [],
      readStates: [],
      droppedReads: [],
      role: Role.Follower,
      readys: [],
    };
    this.nodes.set(id, n);
    return n;
  }

  node(id: NodeId): DriverNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Processes every pending Ready of `id` in the contract's order; returns the messages it sent. */
  flush(id: NodeId): Message[] {
    const n = this.node(id);
    const sent: Message[] = [];
    while (n.raft.hasReady()) {
      const rd = n.raft.ready();
      n.readys.push(rd);
      if (rd.snapshot) n.log = [];
      if (rd.entries.length > 0) {
        const first = rd.entries[0].index;
        n.log = n.log.filter((e) => e.index < first).concat(rd.entries);
      }
      if (rd.hardState) n.hardState = { ...rd.hardState };
      if (rd.softState) n.role = rd.softState.role;
      sent.push(...rd.messages);
      n.applied.push(...rd.committedEntries);
      n.readStates.push(...rd.readStates);
      n.droppedReads.push(...rd.droppedReads);
      n.raft.advance();
      if (rd.entries.length > 0) n.raft.reportDurable(rd.entries[rd.entries.length - 1].index);
    }
    this.outbox.push(...sent);
    return sent;
  }

  flushAll(): void {
    for (const id of this.nodes.keys()) this.flush(id);
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.node(id).raft.tick();
    this.flush(id);
  }

  /** Takes (removes) the undelivered messages matching `f`. */
  take(f: (m: Message) => boolean = () => true): Message[] {
    const taken = this.outbox.filter(f);
    this.outbox = this.outbox.filter((m) => !f(m));
    return taken;
  }

  deliver(m: Message): void {
    const to = this.nodes.get(m.to);
    if (to === undefined) return;
    to.raft.step(m);
    this.flush(m.to);
  }

  /** Delivers messages until none are left; `drop` decides which are lost on the way. */
  settle(drop: (m: Message) => boolean = () => false, limit = 10_000): void {
    for (let i = 0; this.outbox.length > 0; i++) {
      if (i > limit) throw new Error("settle: messages keep flowing");
      const m = this.outbox.shift() as Message;
      if (!drop(m)) this.deliver(m);
    }
  }

  /** Makes `id` campaign (election timeout with random 0 = electionTicks ticks) and settles. */
  elect(id: NodeId, drop: (m: Message) => boolean = () => false): void {
    const n = this.node(id);
    for (let i = 0; i < 100 && n.role !== Role.Leader; i++) {
      n.raft.tick();
      this.flush(id);
      this.settle(drop);
    }
    if (n.role !== Role.Leader) throw new Error(`node ${id} did not become leader`);
  }

  /** One heartbeat round from the leader (heartbeatTicks = 1), settled. */
  heartbeat(leader: NodeId, drop: (m: Message) => boolean = () => false): void {
    this.tick(leader);
    this.settle(drop);
  }
}

export function isType(t: MessageType): (m: Message) => boolean {
  return (m) => m.type === t;
}

export function between(from: NodeId, to: NodeId): (m: Message) => boolean {
  return (m) => m.from === from && m.to === to;
}
