// The simulated network: per-plane drop/duplicate probabilities and delay ranges (random delays
// reorder messages), plus partitions, each a set of blocked one-way links. A symmetric partition
// blocks both directions; a one-way partition blocks one. Links are checked when a message is sent
// and again when it arrives, so a partition also cuts messages already in flight.

import type { Message, NodeId, Plane } from "../../../src/raft/types.ts";
import { planeOf } from "../../../src/raft/types.ts";
import type { EventQueue } from "./event-queue.ts";
import type { Prng } from "./prng.ts";

export interface PlaneProfile {
  drop: number;
  duplicate: number;
  minDelay: number;
  maxDelay: number;
}

export type NetworkProfile = Record<Plane, PlaneProfile>;

export interface NetworkCounters {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  blocked: number;
}

export interface Partition {
  id: number;
  kind: "symmetric" | "one-way" | "isolate";
  /** Blocked links (key from * 2^20 + to). */
  links: Set<number>;
  describe: string;
}

export class Network {
  profile: NetworkProfile;
  readonly counters: NetworkCounters = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, blocked: 0 };
  private readonly partitions = new Map<number, Partition>();
  /** Blocked one-way links (key from * 2^20 + to) with how many partitions block each. */
  private readonly blockedCount = new Map<number, number>();
  private nextPartitionId = 1;

  constructor(
    private readonly rng: Prng,
    private readonly queue: EventQueue,
    profile: NetworkProfile,
    /** Hands a message to its destination (the cluster decides whether that node is up). */
    private readonly deliver: (m: Message) => void,
    private readonly trace: ((line: string) => void) | null,
  ) {
    this.profile = profile;
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blockedCount.size > 0 && this.blockedCount.has(from * 1048576 + to);
  }

  /** Delay of one message on `plane` (also used by the snapshot streamer). */
  delay(plane: Plane): number {
    const p = this.profile[plane];
    return this.rng.int(p.minDelay, p.maxDelay);
  }

  send(m: Message): void {
    const plane = planeOf(m.type);
    const p = this.profile[plane];
    this.counters.sent++;
    if (this.isBlocked(m.from, m.to)) {
      this.counters.blocked++;
      return;
    }
    if (this.rng.chance(p.drop)) {
      this.counters.dropped++;
      if (this.trace) this.trace(`drop ${describeMessage(m)}`);
      return;
    }
    const copies = this.rng.chance(p.duplicate) ? 2 : 1;
    if (copies === 2) {
      this.counters.duplicated++;
      if (this.trace) this.trace(`duplicate ${describeMessage(m)}`);
    }
    for (let i = 0; i < copies; i++) {
      this.queue.after(this.rng.int(p.minDelay, p.maxDelay), () => {
        if (this.isBlocked(m.from, m.to)) {
          this.counters.blocked++;
          return;
        }
        this.counters.delivered++;
        this.deliver(m);
      });
    }
  }

  addPartition(kind: Partition["kind"], links: Array<[NodeId, NodeId]>, describe: string): Partition {
    const part: Partition = { id: this.nextPartitionId++, kind, links: new Set(), describe };
    for (const [a, b] of links) part.links.add(a * 1048576 + b);
    for (const l of part.links) this.blockedCount.set(l, (this.blockedCount.get(l) ?? 0) + 1);
    this.partitions.set(part.id, part);
    return part;
  }

  heal(id: number): void {
    const part = this.partitions.get(id);
    if (part === undefined) return;
    this.partitions.delete(id);
    for (const l of part.links) {
      const left = (this.blockedCount.get(l) ?? 1) - 1;
      if (left > 0) this.blockedCount.set(l, left);
      else this.blockedCount.delete(l);
    }
  }

  healAll(): void {
    for (const id of [...this.partitions.keys()]) this.heal(id);
  }

  get activePartitions(): number {
    return this.partitions.size;
  }
}

const typeNames = [
  "App",
  "AppResp",
  "Vote",
  "VoteResp",
  "PreVote",
  "PreVoteResp",
  "Heartbeat",
  "HeartbeatResp",
  "Snap",
  "TimeoutNow",
  "ReadIndex",
  "ReadIndexResp",
  "TransferLeader",
];

export function describeMessage(m: Message): string {
  let s = `${typeNames[m.type] ?? m.type} ${m.from}->${m.to} t${m.term}`;
  if (m.entries.length > 0) s += ` ents[${m.entries[0].index}..${m.entries[m.entries.length - 1].index}]`;
  s += ` i${m.index} lt${m.logTerm} c${m.commit}`;
  if (m.reject) s += ` REJECT hint${m.rejectHint}/${m.rejectHintTerm}`;
  if (m.snapshot) s += ` snap@${m.snapshot.index}/t${m.snapshot.term}`;
  if (m.context !== 0) s += ` ctx${m.context}`;
  return s;
}
