// Client writes on their way through Raft: proposals arriving in one event-loop turn go to the
// core as one batch, and each waits for the entry at its index to be applied. A waiter is
// matched by index AND term: an entry applied at that index with another term means our
// proposal was overwritten by a new leader's log, and the client is told the leader changed.
import { EtcdError, Errors, StatusCode } from "../kv/errors.ts";
import type { ApplyResult, WriteResponse } from "../kv/types.ts";
import type { ProposeResult } from "../raft/types.ts";
import { proposeRefusal, refusalPasses } from "./propose-errors.ts";
import { QueueBudget, WRITE_LIMIT, type QueueLimit } from "./queue-budget.ts";
import { shellInvariant } from "./shell-invariant.ts";

interface Pending {
  data: Uint8Array;
  deadline: number;
  resolve(r: WriteResponse): void;
  reject(e: Error): void;
}

/** Proposals handed out by `take`, to be answered by `proposed`. */
export interface ProposalBatch {
  readonly data: readonly Uint8Array[];
  readonly proposals: readonly Pending[];
}

interface Waiter {
  term: number;
  deadline: number;
  resolve(r: WriteResponse): void;
  reject(e: Error): void;
}

export class WriteQueue {
  private pending: Pending[] = [];
  private readonly waiters = new Map<number, Waiter>();

  private readonly budget: QueueBudget;

  constructor(private readonly timeoutMs: number, limit: QueueLimit = WRITE_LIMIT) {
    this.budget = new QueueBudget(limit);
  }

  get size(): number {
    return this.pending.length + this.waiters.size;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Queues a write for the next batch; refused at once with etcd's `too many requests` while
   *  this member already holds its limit of writes not yet applied (queue-budget.ts). */
  enqueue(data: Uint8Array): Promise<WriteResponse> {
    const release = this.budget.admit(data.length);
    if (release instanceof EtcdError) return Promise.reject(release);
    return new Promise((resolve, reject) => {
      this.pending.push({
        data,
        deadline: performance.now() + this.timeoutMs,
        resolve: (r) => (release(), resolve(r)),
        reject: (e) => (release(), reject(e)),
      });
    });
  }

  /** Takes every pending proposal as one batch for the core (`data`, in order); the core's
   *  answer goes back through `proposed`. Undefined when nothing is pending. */
  take(): ProposalBatch | undefined {
    if (this.pending.length === 0) return undefined;
    const batch = this.pending;
    this.pending = [];
    return { data: batch.map((p) => p.data), proposals: batch };
  }

  /** The core's answer to a batch from `take`: proposed, each waits for its entry; refused
   *  while the leader is transferring, it stays queued (until its deadline); otherwise each
   *  client gets etcd's error for the refusal. */
  proposed(batch: ProposalBatch, result: ProposeResult): void {
    const proposals = batch.proposals;
    if (result.ok) {
      shellInvariant(result.lastIndex - result.firstIndex + 1 === proposals.length, "one entry per proposal", () =>
        `${proposals.length} proposals placed at ${result.firstIndex}..${result.lastIndex}`);
      for (let i = 0; i < proposals.length; i++) {
        const p = proposals[i];
        // A waiter left at this index by an earlier term lost its entry to a snapshot or a new
        // leader's log: answer it now rather than dropping it.
        this.waiters.get(result.firstIndex + i)?.reject(Errors.leaderChanged());
        this.waiters.set(result.firstIndex + i, { term: result.term, deadline: p.deadline, resolve: p.resolve, reject: p.reject });
      }
      return;
    }
    if (refusalPasses(result.error)) {
      this.pending = proposals.concat(this.pending);
      return;
    }
    for (const p of proposals) p.reject(proposeRefusal(result.error));
  }

  /** Waits for the entry a leader placed at `index` in `term` (a forwarded write) to be applied
   *  here: the answer comes from this member's own state machine, so a read from it after
   *  the answer sees the write. */
  awaitApplied(index: number, term: number, deadline: number): Promise<WriteResponse> {
    return new Promise((resolve, reject) => {
      this.waiters.get(index)?.reject(Errors.leaderChanged());
      this.waiters.set(index, { term, deadline, resolve, reject });
    });
  }

  /** An entry was applied; answers the client that proposed it, if it is waiting here. */
  applied(index: number, term: number, result: ApplyResult | null): void {
    const w = this.waiters.get(index);
    if (w === undefined) return;
    this.waiters.delete(index);
    if (w.term !== term) w.reject(Errors.leaderChanged());
    else if (result === null) w.reject(new EtcdError(StatusCode.UNAVAILABLE, `trireme: entry ${index} carried no request`));
    else if (result.op === "error") w.reject(result.error);
    else w.resolve(result);
  }

  /** Everything proposed at or below `index` has been decided (e.g. a snapshot was installed
   *  over it): waiters there will never see their entry applied here. */
  skipThrough(index: number): void {
    for (const [i, w] of this.waiters) {
      if (i <= index) {
        this.waiters.delete(i);
        w.reject(Errors.leaderChanged());
      }
    }
  }

  expire(now: number): void {
    const kept: Pending[] = [];
    for (const p of this.pending) (p.deadline <= now ? p.reject(Errors.timeout()) : kept.push(p));
    this.pending = kept;
    for (const [i, w] of this.waiters) {
      if (w.deadline <= now) {
        this.waiters.delete(i);
        w.reject(Errors.timeout());
      }
    }
  }

  failAll(err: () => Error): void {
    for (const p of this.pending.splice(0)) p.reject(err());
    for (const w of this.waiters.values()) w.reject(err());
    this.waiters.clear();
  }
}
