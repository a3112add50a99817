// Linearizable reads (Raft thesis §6.4), all of them: the ReadIndex entry point, the leader's
// read-only queue (heartbeat rounds), lease reads, and the follower's forwarded reads.
//
// ReadIndex: a read waits until the leader has committed an entry of its own term, then records the
// commit index and is served once a quorum has answered a heartbeat sent after the read arrived
// (proof that no newer leader existed meanwhile). Lease read: while a quorum acknowledged a
// heartbeat recently enough that none of them can have voted for another leader, no round is needed.

import { emptyMessage } from "./message.ts";
import { hasQuorum, majorityValue } from "./quorum.ts";
import type { RaftState } from "./state.ts";
import { MessageType, Role, type Message, type NodeId } from "./types.ts";

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

/** The leader's read-only queue. */
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
  ack(ctx: number, from: NodeId, voters: readonly NodeId[]): { req: ReadRequest; index: number }[] {
    const at = this.rounds.findIndex((r) => r.ctx === ctx);
    if (at < 0) return [];
    const round = this.rounds[at];
    round.acks.add(from);
    if (!hasQuorum(voters, round.acks)) return [];
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

/** A linearizable read of `requestId`: served by the leader, forwarded by a follower that knows
 *  one, dropped otherwise. */
export function readIndex(r: RaftState, requestId: number): void {
  if (r.role === Role.Leader) {
    leaderRead(r, { from: r.id, requestId });
  } else if (r.leader !== 0) {
    r.forwardedReads.add(requestId);
    r.send({ ...emptyMessage(MessageType.ReadIndex, r.id, r.leader, r.term), context: requestId });
  } else {
    r.droppedReads.push(requestId);
  }
}

export function leaderRead(r: RaftState, req: ReadRequest): void {
  if (!r.committedOwnTerm()) {
    // Our commit index may lag the true one until an entry of our term commits (§6.4 step 1).
    r.reads.waitForCommit(req);
  } else if (r.conf.voters.length === 1 && r.conf.voters[0] === r.id) {
    serveRead(r, req, r.log.committed);
  } else if (r.cfg.leaseRead && leaseValid(r)) {
    serveRead(r, req, r.log.committed);
  } else {
    r.reads.enqueue(req);
  }
}

/** The first entry of the leader's term committed: the reads that waited for it proceed. */
export function releaseAwaitingCommit(r: RaftState): void {
  for (const req of r.reads.takeAwaitingCommit()) leaderRead(r, req);
}

/** With check-quorum, followers that answered a heartbeat sent at tick t refuse to vote until an
 *  election timeout after they received it; one tick of margin covers unaligned tick phases. */
function leaseValid(r: RaftState): boolean {
  if (!r.cfg.checkQuorum || r.leadTransferee !== 0 || r.timeoutNowSent) return false;
  const t = majorityValue(r.conf.voters, (id) =>
    id === r.id ? r.ticks : (r.repl.progress.get(id)?.lastAckTick ?? -Infinity));
  return r.ticks - t < r.cfg.electionTicks - 1;
}

/** Starts one heartbeat round for every read that arrived since the last Ready. */
export function startReadRound(r: RaftState): void {
  if (!r.reads.hasUnsent()) return;
  const ctx = ++r.readCtxSeq;
  r.reads.startRound(ctx, r.log.committed, r.id);
  r.repl.broadcastHeartbeat(ctx, r.ticks);
}

/** A heartbeat answer at the leader confirms the read rounds it carries. */
export function ackReadRound(r: RaftState, m: Message): void {
  if (m.context === 0) return;
  const released = r.reads.ack(m.context, m.from, r.conf.voters);
  for (const x of released) serveRead(r, x.req, x.index);
}

function serveRead(r: RaftState, req: ReadRequest, index: number): void {
  if (req.from === r.id) r.readStates.push({ requestId: req.requestId, index });
  else r.send({ ...emptyMessage(MessageType.ReadIndexResp, r.id, req.from, r.term), index, context: req.requestId });
}

export function failRead(r: RaftState, req: ReadRequest): void {
  if (req.from === r.id) r.droppedReads.push(req.requestId);
  else r.send({ ...emptyMessage(MessageType.ReadIndexResp, r.id, req.from, r.term), context: req.requestId, reject: true });
}

/** A ReadIndex that reached a node that does not lead: the sender should ask again elsewhere. */
export function refuseRead(r: RaftState, m: Message): void {
  r.send({ ...emptyMessage(MessageType.ReadIndexResp, r.id, m.from, r.term), context: m.context, reject: true });
}

/** The leader's answer to a read this follower forwarded. */
export function handleReadIndexResp(r: RaftState, m: Message): void {
  if (!r.forwardedReads.delete(m.context)) return;
  if (m.reject) r.droppedReads.push(m.context);
  else r.readStates.push({ requestId: m.context, index: m.index });
}

/** The leader changed: a read forwarded to the old one may never be answered, so fail it now. */
export function dropForwardedReads(r: RaftState): void {
  for (const id of r.forwardedReads) r.droppedReads.push(id);
  r.forwardedReads.clear();
}
