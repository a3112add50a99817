// Linearizable reads (ReadIndex). All reads that arrive in one event-loop turn share one
// ReadIndex request; each resolves once the local state machine has applied up to the index
// the leader confirmed. A request the core drops (no leader, leadership lost) is retried on
// the next tick until the read's deadline, then fails with etcd's timeout.
import { randomInt } from "node:crypto";
import { EtcdError, Errors } from "../kv/errors.ts";
import { QueueBudget, READ_LIMIT, type QueueLimit } from "./queue-budget.ts";

interface Reader {
  deadline: number;
  resolve(): void;
  reject(e: Error): void;
}

export class ReadQueue {
  private pending: Reader[] = [];
  private retry: Reader[] = [];
  private readonly inFlight = new Map<number, Reader[]>();
  /** Confirmed read indexes waiting for apply, in increasing request order. */
  private waitingApply: { index: number; readers: Reader[] }[] = [];
  /** Random start: a late answer to a read of this member's previous run must not match a new one. */
  private nextId = randomInt(2 ** 47) + 1;

  private readonly budget: QueueBudget;

  constructor(private readonly timeoutMs: number, limit: QueueLimit = READ_LIMIT) {
    this.budget = new QueueBudget(limit);
  }

  get size(): number {
    let n = this.pending.length + this.retry.length;
    for (const r of this.inFlight.values()) n += r.length;
    for (const w of this.waitingApply) n += w.readers.length;
    return n;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Waits for the next ReadIndex round and its apply; refused at once with etcd's `too many
   *  requests` while the limit of reads already waits (queue-budget.ts). */
  barrier(): Promise<void> {
    const release = this.budget.admit(0);
    if (release instanceof EtcdError) return Promise.reject(release);
    return new Promise((resolve, reject) => {
      this.pending.push({
        deadline: performance.now() + this.timeoutMs,
        resolve: () => (release(), resolve()),
        reject: (e) => (release(), reject(e)),
      });
    });
  }

  /** Issues one ReadIndex request for everything pending. */
  flush(readIndex: (requestId: number) => void): void {
    if (this.pending.length === 0) return;
    const id = this.nextId++;
    this.inFlight.set(id, this.pending);
    this.pending = [];
    readIndex(id);
  }

  confirmed(requestId: number, index: number, applied: number): void {
    const readers = this.inFlight.get(requestId);
    if (readers === undefined) return;
    this.inFlight.delete(requestId);
    if (index <= applied) {
      for (const r of readers) r.resolve();
      return;
    }
    this.waitingApply.push({ index, readers });
    this.waitingApply.sort((a, b) => a.index - b.index);
  }

  dropped(requestId: number): void {
    const readers = this.inFlight.get(requestId);
    if (readers === undefined) return;
    this.inFlight.delete(requestId);
    this.retry.push(...readers);
  }

  applied(applied: number): void {
    while (this.waitingApply.length > 0 && this.waitingApply[0].index <= applied) {
      for (const r of this.waitingApply.shift()!.readers) r.resolve();
    }
  }

  /** Called every tick: expire, and move dropped reads back to pending for another try. */
  tick(now: number): void {
    const live = (list: Reader[]) => {
      const kept: Reader[] = [];
      for (const r of list) (r.deadline <= now ? r.reject(Errors.timeout()) : kept.push(r));
      return kept;
    };
    this.pending = live(this.pending).concat(live(this.retry));
    this.retry = [];
    for (const [id, readers] of this.inFlight) {
      const kept = live(readers);
      if (kept.length === 0) this.inFlight.delete(id);
      else this.inFlight.set(id, kept);
    }
    for (const w of this.waitingApply) w.readers = live(w.readers);
    this.waitingApply = this.waitingApply.filter((w) => w.readers.length > 0);
  }

  failAll(err: () => Error): void {
    const all = [...this.pending, ...this.retry, ...[...this.inFlight.values()].flat(), ...this.waitingApply.flatMap((w) => w.readers)];
    this.pending = [];
    this.retry = [];
    this.inFlight.clear();
    this.waitingApply = [];
    for (const r of all) r.reject(err());
  }
}
