// Lease questions as peer messages on the data plane. Lease deadlines live only in the leader's
// memory (node-leases.ts), so a follower asks the leader to renew a lease (a keep-alive) or to tell
// its remaining TTL: the questions of one loop turn go to the leader as one peer message, and the
// leader answers each batch once a ReadIndex round confirmed it still leads. Both questions are
// idempotent, so a question that may have been lost is simply asked again (NodeLeases retries).
import { EtcdError, Errors, StatusCode } from "../kv/errors.ts";
import type { LeaseAnswer, LeaseQuery, PeerLeases } from "../transport/types.ts";
import { LEASE_QUESTION_LIMIT, QueueBudget, type QueueLimit } from "./queue-budget.ts";

export interface LeaseForwardDeps {
  send(to: number, l: PeerLeases, undelivered?: () => void): void;
  /** This member's answers to a peer's questions: the leader's lessor, or a refusal of each. */
  answer(queries: LeaseQuery[]): Promise<LeaseAnswer[]>;
}

/** The question never reached the leader, or may have been lost with it: ask the current leader. */
export class LeaderUnreachable extends Error {}

interface Asking {
  leader: number;
  query: LeaseQuery;
  deadline: number;
  resolve(ttl: number): void;
  reject(e: Error): void;
}

export class LeaseForwarder {
  private nextId = 1;
  private queued = new Map<number, Asking[]>();
  private readonly inFlight = new Map<number, Asking>();
  /** Peer messages sent with questions (tests count them). */
  batchesSent = 0;

  private readonly budget: QueueBudget;

  constructor(private readonly deps: LeaseForwardDeps, limit: QueueLimit = LEASE_QUESTION_LIMIT) {
    this.budget = new QueueBudget(limit);
  }

  get size(): number {
    let n = this.inFlight.size;
    for (const l of this.queued.values()) n += l.length;
    return n;
  }

  /** Asks `leader` about a lease; the question leaves with the others of this turn at `flush`.
   *  Resolves with the TTL; rejects with LeaderUnreachable (ask again), the leader's refusal as
   *  an EtcdError, or `request timed out` at the deadline; at once with etcd's `too many
   *  requests` while the limit of questions is already out (queue-budget.ts). */
  ask(leader: number, leaseId: number, renew: boolean, deadline: number): Promise<number> {
    const release = this.budget.admit(0);
    if (release instanceof EtcdError) return Promise.reject(release);
    return new Promise((resolve, reject) => {
      let list = this.queued.get(leader);
      if (list === undefined) this.queued.set(leader, (list = []));
      const query = { id: this.nextId++, leaseId, renew };
      list.push({ leader, query, deadline, resolve: (ttl) => (release(), resolve(ttl)), reject: (e) => (release(), reject(e)) });
    });
  }

  /** Sends every queued question: one peer message per leader. */
  flush(): void {
    if (this.queued.size === 0) return;
    const queued = this.queued;
    this.queued = new Map();
    for (const [leader, list] of queued) {
      for (const a of list) this.inFlight.set(a.query.id, a);
      const ids = list.map((a) => a.query.id);
      this.batchesSent++;
      this.deps.send(leader, { queries: list.map((a) => a.query), answers: [] }, () => {
        for (const id of ids) this.fail(id, () => new LeaderUnreachable(`lease question never reached member ${leader.toString(16)}`));
      });
    }
  }

  /** A peer's questions (this member leads) or a leader's answers to ours. */
  received(from: number, l: PeerLeases): void {
    if (l.queries.length > 0) {
      const queries = l.queries;
      this.deps.answer(queries).then(
        (answers) => this.deps.send(from, { queries: [], answers }),
        (err: Error) => this.deps.send(from, { queries: [], answers: refusals(queries, err) }),
      );
    }
    for (const a of l.answers) {
      const f = this.inFlight.get(a.id);
      if (f === undefined || f.leader !== from) continue; // timed out, or asked again elsewhere
      this.inFlight.delete(a.id);
      if (a.errorCode === 0) f.resolve(a.ttl);
      else f.reject(new EtcdError(a.errorCode as StatusCode, a.errorMessage));
    }
  }

  /** The leader changed: questions to any other member are asked again (of the new leader). */
  leaderChanged(leader: number): void {
    for (const [id, f] of this.inFlight) {
      if (f.leader !== leader) this.fail(id, () => new LeaderUnreachable(`member ${f.leader.toString(16)} is no longer the leader`));
    }
  }

  /** The transport lost a stream to `peer`: questions in flight to it may be lost with it. */
  unreachable(peer: number): void {
    for (const [id, f] of this.inFlight) {
      if (f.leader === peer) this.fail(id, () => new LeaderUnreachable(`member ${peer.toString(16)} could not be reached`));
    }
  }

  /** Fails questions past their deadline: `request timed out` while a leader is known, etcd's
   *  `no leader` once none is (the one asked may have stopped without the stream saying so). */
  expire(now: number, leader = -1): void {
    const err = leader === 0 ? Errors.noLeader : Errors.timeout;
    for (const [id, f] of this.inFlight) if (f.deadline <= now) this.fail(id, err);
    for (const [leader, list] of this.queued) {
      const kept = list.filter((a) => a.deadline > now || (a.reject(err()), false));
      if (kept.length > 0) this.queued.set(leader, kept);
      else this.queued.delete(leader);
    }
  }

  failAll(err: () => Error): void {
    for (const list of this.queued.values()) for (const a of list) a.reject(err());
    this.queued.clear();
    for (const f of this.inFlight.values()) f.reject(err());
    this.inFlight.clear();
  }

  private fail(id: number, err: () => Error): void {
    const f = this.inFlight.get(id);
    if (f === undefined) return;
    this.inFlight.delete(id);
    f.reject(err());
  }
}

/** Every question refused with `err` (an EtcdError keeps its code; anything else is UNAVAILABLE). */
export function refusals(queries: LeaseQuery[], err: Error): LeaseAnswer[] {
  const code = err instanceof EtcdError ? err.code : StatusCode.UNAVAILABLE;
  return queries.map((q) => ({ id: q.id, ttl: 0, errorCode: code, errorMessage: err.message }));
}
