// The node's side of leases: the leader's deadlines (kv/lessor.ts) started on election and
// dropped on stepping down, fed by applied grants and revokes, checked on the tick (an expired
// lease becomes a proposed LeaseRevoke), and the LeaseBackend the API uses — answered here on the
// leader, asked of the leader on a follower (a peer message on the data plane, forward-lease.ts).
// Nothing here is replicated except the revokes it proposes: renewals live in the leader's memory
// only, like etcd's.
import type { LeaseBackend } from "../api/backend.ts";
import { EtcdError, Errors, StatusCode } from "../kv/errors.ts";
import { Lessor } from "../kv/lessor.ts";
import type { MvccStore } from "../kv/mvcc.ts";
import type { ApplyEntry, ApplyResult, InternalRequest, WriteResponse } from "../kv/types.ts";
import type { LeaseAnswer, LeaseQuery } from "../transport/types.ts";
import { LeaderUnreachable, refusals } from "./forward-lease.ts";

/** etcd's lessor looks for expired leases every 500 ms (and revokes at most 500 per look). */
const CHECK_EVERY_MS = 500;
/** Between two attempts to reach a leader that could not answer (an election, a crash). */
const RETRY_MS = 50;

export interface NodeLeasesDeps {
  store: MvccStore;
  /** Asks the leader's lessor (LeaseForwarder.ask): the TTL, or LeaderUnreachable to ask again. */
  askLeader(leader: number, leaseId: number, renew: boolean, deadline: number): Promise<number>;
  electionTimeoutMs: number;
  requestTimeoutMs: number;
  /** This member's id, and the leader it knows (0: none). */
  id: number;
  leader(): number;
  /** Whether a member is known to this one (a leader it cannot address is no leader to it). */
  knows(id: number): boolean;
  /** A ReadIndex round: resolves once a quorum has confirmed this member still leads and it has
   *  applied everything committed before the call (its predecessor's last grants included).
   *  Without it a deposed leader that has not noticed yet renews leases the new leader is about
   *  to revoke (a lease was seen revoked 2.9 s before the TTL just granted; etcd 3.5.13's
   *  ensureLeadership does the same). */
  confirmLeadership(): Promise<void>;
  /** Proposes a write (the node's KvBackend.write). */
  write(req: InternalRequest): Promise<WriteResponse>;
  accepting(): boolean;
  /** The lessor's clock (ms, monotonic); performance.now() by default. Tests inject a fake. */
  now?: () => number;
}

const notLeader = () => new EtcdError(StatusCode.UNAVAILABLE, "etcdserver: not leader");
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class NodeLeases implements LeaseBackend {
  readonly lessor: Lessor;
  readonly minTtl: number;
  #lastCheck = -Infinity;

  constructor(private readonly deps: NodeLeasesDeps) {
    this.lessor = new Lessor(deps.now ? { now: deps.now } : {});
    // etcd's minTTL: ceil(1.5 × election timeout), so a lease outlives a leader election.
    this.minTtl = Math.ceil((1.5 * deps.electionTimeoutMs) / 1000);
  }

  /** Leadership changed: a new leader restarts every lease at its full TTL plus an election
   *  timeout (etcd's Promote), so no lease expires early because the leader changed. */
  leadership(isLeader: boolean): void {
    if (isLeader && !this.lessor.primary) this.lessor.promote(this.deps.store.leases(), this.deps.electionTimeoutMs);
    else if (!isLeader && this.lessor.primary) this.lessor.demote();
  }

  /** A batch was applied: grants get deadlines (on the leader), revokes drop theirs. */
  applied(batch: readonly ApplyEntry[], results: readonly (ApplyResult | null)[]): void {
    for (let i = 0; i < batch.length; i++) {
      const r = results[i];
      if (r?.op === "leaseGrant") this.lessor.granted(r.leaseGrant.ID, r.leaseGrant.TTL);
      else if (r?.op === "leaseRevoke") this.lessor.revoked(batch[i].request?.leaseRevoke?.ID ?? 0);
    }
  }

  /** On every tick: on the leader, every CHECK_EVERY_MS, propose a revoke per expired lease. A
   *  revoke that fails (leadership lost, the client revoked first) is left to the lessor's retry. */
  tick(now: number): void {
    if (!this.lessor.primary || now - this.#lastCheck < CHECK_EVERY_MS) return;
    this.#lastCheck = now;
    for (const ID of this.lessor.expired()) this.deps.write({ leaseRevoke: { ID } }).catch(() => {});
  }

  renew(id: number): Promise<number> {
    return this.#ask(id, true);
  }

  remaining(id: number): Promise<number> {
    return this.#ask(id, false);
  }

  /** Answered by the leader's lessor: here if this member leads, else at the leader (retried at
   *  the next leader while the request's time lasts: both questions are idempotent). */
  async #ask(id: number, renew: boolean): Promise<number> {
    const deadline = performance.now() + this.deps.requestTimeoutMs;
    for (;;) {
      if (!this.deps.accepting()) throw Errors.stopped();
      const leader = this.deps.leader();
      if (leader === this.deps.id) {
        try {
          await this.deps.confirmLeadership();
        } catch (err) {
          // A leader left alone steps down (check-quorum) while its barrier waits: what to answer
          // is then decided by who leads at the deadline, below, as for a follower.
          if (this.deps.leader() === this.deps.id) throw err;
        }
        if (this.lessor.primary && this.deps.leader() === this.deps.id) return renew ? this.lessor.renew(id) : this.lessor.remaining(id);
      } else if (leader !== 0) {
        if (!this.deps.knows(leader)) throw Errors.noLeader();
        try {
          return await this.deps.askLeader(leader, id, renew, deadline);
        } catch (err) {
          const retry = err instanceof LeaderUnreachable || (err instanceof EtcdError && err.message === notLeader().message);
          if (!retry) throw err;
        }
      }
      if (performance.now() + RETRY_MS >= deadline) throw this.deps.leader() === 0 ? Errors.noLeader() : Errors.timeout();
      await sleep(RETRY_MS);
    }
  }

  /** The leader's answers to a follower's questions, after one ReadIndex round for the batch. A
   *  member that does not lead (or is stopping) refuses with `not leader`: the follower asks again
   *  at the next leader. */
  async answerPeer(queries: LeaseQuery[]): Promise<LeaseAnswer[]> {
    const leads = () => this.deps.accepting() && this.deps.leader() === this.deps.id;
    if (!leads()) return refusals(queries, notLeader());
    try {
      await this.deps.confirmLeadership();
    } catch (err) {
      return refusals(queries, err as Error);
    }
    if (!this.lessor.primary || !leads()) return refusals(queries, notLeader());
    return queries.map((q) => ({
      id: q.id,
      ttl: q.renew ? this.lessor.renew(q.leaseId) : this.lessor.remaining(q.leaseId),
      errorCode: 0,
      errorMessage: "",
    }));
  }
}
