// The leader's linearizable reads (ReadIndex, Raft thesis §6.4): a read waits until the leader has
// committed an entry of its own term, then records the commit index and is served once a quorum has
// answered a heartbeat sent after the read arrived (proof that no newer leader existed meanwhile).

import type { NodeId } from "./types.ts";

export interface ReadRequest {
  /** Who asked: the leader itself for a local read, or the follower that forwarded it. */
  from: NodeId;
  requestId: number;
}

interface Round {
  ctx: number;
  index: number;
  requests: ReadRequest[];
  acks: Set<NodeId>;
}

export class LeaderReads {
  /** Waiting for the first commit of the leader's term. */
  private awaitingCommit: ReadRequest[] = [];
  /** Ready to start a heartbeat round (one round per Ready batches them). */
  private unsent: ReadRequest[] = [];
  private rounds: Round[] = [];

  waitForCommit(req: ReadRequest): void {
    this.awaitingCommit.push(req);
  }
  takeAwaitingCommit(): ReadRequest[] {
    const out = this.awaitingCommit;
    this.awaitingCommit = [];
    return out;
  }
  enqueue(req: ReadRequest): void {
    this.unsent.push(req);
  }
  hasUnsent(): boolean {
    return this.unsent.length > 0;
  }

  /** Starts a round for every unsent read at read index `index`; its heartbeat carries `ctx`. */
  startRound(ctx: number, index: number, self: NodeId): void {
    this.rounds.push({ ctx, index, requests: this.unsent, acks: new Set([self]) });
    this.unsent = [];
  }

  /** The newest round's context, carried by regular heartbeats so a lost one is retried. */
  latestCtx(): number {
    return this.rounds.length > 0 ? this.rounds[this.rounds.length - 1].ctx : 0;
  }

  /** Records `from`'s answer to round `ctx`; once a quorum confirmed it, that round and every older
   *  one are released (leadership was confirmed after all of them arrived). */
  ack(ctx: number, from: NodeId, isQuorum: (acks: ReadonlySet<NodeId>) => boolean): { req: ReadRequest; index: number }[] {
    const at = this.rounds.findIndex((r) => r.ctx === ctx);
    if (at < 0) return [];
    const round = this.rounds[at];
    round.acks.add(from);
    if (!isQuorum(round.acks)) return [];
    const released = this.rounds.splice(0, at + 1);
    return released.flatMap((r) => r.requests.map((req) => ({ req, index: r.index })));
  }

  /** Every request still waiting (leadership is lost: they must be failed). */
  drain(): ReadRequest[] {
    const out = [...this.awaitingCommit, ...this.unsent, ...this.rounds.flatMap((r) => r.requests)];
    this.awaitingCommit = [];
    this.unsent = [];
    this.rounds = [];
    return out;
  }
}
