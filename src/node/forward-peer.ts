// Write forwarding as a peer message on the data plane (etcd's MsgProp). A follower batches the
// encoded entries of one loop turn per leader into one Proposal; the leader proposes them and
// answers with the index they got; the follower then waits for ITS OWN apply of that index, so
// a client reading serializably from this member after the answer sees its write, as with etcd.
// The entry's term is checked at apply (WriteQueue): another entry there means the leader changed.
import { decodeInternalRequest } from "../kv/codec.ts";
import { EtcdError, Errors, StatusCode } from "../kv/errors.ts";
import type { ApplyResult, WriteResponse } from "../kv/types.ts";
import type { ProposeResult } from "../raft/types.ts";
import type { PeerProposals, ProposalAnswer } from "../transport/types.ts";
import { proposeRefusal, refusalPasses } from "./propose-errors.ts";
import { FORWARD_LIMIT, QueueBudget, type QueueLimit } from "./queue-budget.ts";

export interface ForwardDeps {
  send(to: number, p: PeerProposals, undelivered?: () => void): void;
  /** The leader's core: proposes the batch as consecutive entries. */
  propose(data: Uint8Array[]): ProposeResult;
  /** Resolves when this member applied the entry at index in term. */
  awaitApplied(index: number, term: number, deadline: number): Promise<WriteResponse>;
  /** This member's id, and its own write path for when it became the leader. */
  self: number;
  proposeHere(data: Uint8Array): Promise<WriteResponse>;
  /** Index this member's state machine has applied. */
  appliedIndex(): number;
  timeoutMs: number;
  /** A batch stays under the leader's request size limit. */
  maxBatchBytes: number;
  /** Writes forwarded and not answered yet, at most (queue-budget.ts). */
  limit?: QueueLimit;
}

interface Waiting {
  data: Uint8Array;
  /** The request id this member chose (InternalRequest.id), 0 if none: when an entry carrying it
   *  is applied here, that apply answers the write, whatever became of the leader's answer. */
  requestId: number;
  deadline: number;
  settled: boolean;
  resolve(r: WriteResponse): void;
  reject(e: Error): void;
}

interface InFlight {
  leader: number;
  waiting: Waiting[];
  /** The transport knows it never reached the leader: safe to send to the next one. */
  undelivered?: boolean;
}

export class ProposalForwarder {
  private nextId = 1;
  private queued = new Map<number, Waiting[]>();
  private readonly inFlight = new Map<number, InFlight>();
  /** Peers' proposals that arrived while leadership was being handed over: proposed when the
   *  transfer ends (here, or refused as "leader changed"), as a client's own writes wait. */
  private held: { from: number; id: number; requests: Uint8Array[]; deadline: number; release(): void }[] = [];
  /** Answers the transport could not deliver (the data channel to that member was down, say
   *  right after it restarted): sent again at the next flush, until the writes' deadline. */
  private unsentAnswers: { to: number; answers: ProposalAnswer[]; deadline: number }[] = [];
  /** Peer messages sent with proposals (tests count them). */
  batchesSent = 0;

  private readonly budget: QueueBudget;
  /** Peers' proposals held during a transfer, at most: a leader must not grow without bound
   *  while leadership moves either. */
  private readonly heldBudget: QueueBudget;

  constructor(private readonly deps: ForwardDeps) {
    this.budget = new QueueBudget(deps.limit ?? FORWARD_LIMIT);
    this.heldBudget = new QueueBudget(deps.limit ?? FORWARD_LIMIT);
  }

  get size(): number {
    let n = 0;
    for (const l of this.queued.values()) n += l.length;
    for (const f of this.inFlight.values()) n += f.waiting.length;
    return n;
  }

  /** Writes waiting for an answer, by the request id this member gave them. */
  private readonly byRequestId = new Map<number, Waiting>();

  /** Queues a write for the leader; it leaves with the others of this turn at `flush`. */
  forward(leader: number, data: Uint8Array, requestId = 0): Promise<WriteResponse> {
    const release = this.budget.admit(data.length);
    if (release instanceof EtcdError) return Promise.reject(release);
    return new Promise((resolve, reject) => {
      let list = this.queued.get(leader);
      if (list === undefined) this.queued.set(leader, (list = []));
      const w: Waiting = { data, requestId, deadline: performance.now() + this.deps.timeoutMs, settled: false, resolve, reject };
      w.resolve = (r) => this.settle(w, () => (release(), resolve(r)));
      w.reject = (e) => this.settle(w, () => (release(), reject(e)));
      if (requestId !== 0) this.byRequestId.set(requestId, w);
      list.push(w);
    });
  }

  private settle(w: Waiting, done: () => void): void {
    if (w.settled) return;
    w.settled = true;
    if (w.requestId !== 0) this.byRequestId.delete(w.requestId);
    done();
  }

  /** This member applied an entry carrying `requestId`: the write it forwarded is answered by
   *  its own apply, as etcd's followers are (the leader's answer may have been lost on the way,
   *  say while the data channel to this member reconnected). */
  appliedRequest(requestId: number, result: ApplyResult | null): void {
    const w = this.byRequestId.get(requestId);
    if (w === undefined) return;
    if (result === null) w.reject(new EtcdError(StatusCode.UNAVAILABLE, "trireme: the forwarded write was applied without its request"));
    else if (result.op === "error") w.reject(result.error);
    else w.resolve(result);
  }

  /** Sends every queued write: one peer message per leader, split only by the size limit. */
  flush(): void {
    if (this.unsentAnswers.length > 0) this.retryAnswers();
    if (this.held.length > 0) this.retryHeld();
    if (this.queued.size === 0) return;
    const queued = this.queued;
    this.queued = new Map();
    for (const [leader, list] of queued) {
      const proposals: PeerProposals["proposals"] = [];
      let batch: Waiting[] = [];
      let bytes = 0;
      const close = () => {
        const id = this.nextId++;
        this.inFlight.set(id, { leader, waiting: batch });
        proposals.push({ id, requests: batch.map((w) => w.data) });
        batch = [];
        bytes = 0;
      };
      for (const w of list) {
        if (w.settled) continue;
        if (batch.length > 0 && bytes + w.data.length > this.deps.maxBatchBytes) close();
        batch.push(w);
        bytes += w.data.length + 8;
      }
      if (batch.length > 0) close();
      if (proposals.length === 0) continue;
      this.batchesSent++;
      const ids = proposals.map((p) => p.id);
      this.deps.send(leader, { proposals, answers: [] }, () => {
        for (const id of ids) {
          const f = this.inFlight.get(id);
          if (f) f.undelivered = true;
        }
      });
    }
  }

  /** A peer's proposals (this member leads) or a leader's answers to ours. */
  received(from: number, p: PeerProposals): void {
    if (p.proposals.length > 0) {
      const answers: ProposalAnswer[] = [];
      for (const prop of p.proposals) {
        const a = this.proposeFor(prop.id, prop.requests) ?? this.hold(from, prop.id, prop.requests);
        if (a !== undefined) answers.push(a);
      }
      if (answers.length > 0) this.sendAnswers(from, answers, performance.now() + this.deps.timeoutMs);
    }
    for (const a of p.answers) this.answered(from, a);
  }

  /** Holds a peer's batch until the transfer ends; undefined, or the refusal when too many are held. */
  private hold(from: number, id: number, requests: Uint8Array[]): ProposalAnswer | undefined {
    const release = this.heldBudget.admit(requests.reduce((n, r) => n + r.length, 0));
    if (release instanceof EtcdError) return refusal(id, release);
    this.held.push({ from, id, requests, deadline: performance.now() + this.deps.timeoutMs, release });
    return undefined;
  }

  private retryHeld(): void {
    const held = this.held;
    this.held = [];
    const now = performance.now();
    for (const h of held) {
      const a = h.deadline <= now ? refusal(h.id, Errors.timeout()) : this.proposeFor(h.id, h.requests);
      if (a === undefined) {
        this.held.push(h);
        continue;
      }
      h.release();
      this.sendAnswers(h.from, [a], h.deadline);
    }
  }

  private sendAnswers(to: number, answers: ProposalAnswer[], deadline: number): void {
    this.deps.send(to, { proposals: [], answers }, () => this.unsentAnswers.push({ to, answers, deadline }));
  }

  private retryAnswers(): void {
    const unsent = this.unsentAnswers;
    this.unsentAnswers = [];
    const now = performance.now();
    for (const u of unsent) if (u.deadline > now) this.sendAnswers(u.to, u.answers, u.deadline);
  }

  /** The answer to a peer's proposal, or undefined while a leadership transfer holds it. */
  private proposeFor(id: number, requests: Uint8Array[]): ProposalAnswer | undefined {
    for (let i = 0; i < requests.length; i++) {
      try {
        decodeInternalRequest(requests[i]); // a peer must not be able to make the log hold garbage
      } catch (err) {
        return refusal(id, new EtcdError(StatusCode.INVALID_ARGUMENT, `trireme: forwarded write ${i}: ${(err as Error).message}`));
      }
    }
    const r = this.deps.propose(requests);
    if (r.ok) return { id, firstIndex: r.firstIndex, term: r.term, errorCode: 0, errorMessage: "" };
    if (refusalPasses(r.error)) return undefined;
    return refusal(id, proposeRefusal(r.error));
  }

  private answered(from: number, a: ProposalAnswer): void {
    const f = this.inFlight.get(a.id);
    if (f === undefined || f.leader !== from) return; // timed out, or failed by a leader change
    this.inFlight.delete(a.id);
    if (a.errorCode !== 0) {
      const e = new EtcdError(a.errorCode as StatusCode, a.errorMessage);
      for (const w of f.waiting) w.reject(e);
      return;
    }
    f.waiting.forEach((w, i) => {
      if (w.settled) return; // answered already by this member's apply of its request id
      const index = a.firstIndex + i;
      // The answer travels ahead of the appends on the same stream, so this is not expected;
      // if it happens the result is gone and the outcome cannot be reported.
      if (index <= this.deps.appliedIndex()) w.reject(Errors.timeout());
      else this.deps.awaitApplied(index, a.term, w.deadline).then(w.resolve, w.reject);
    });
  }

  /** The leader changed: writes it never answered may or may not be in its log; etcd answers
   *  them "leader changed". Writes it answered keep waiting for their entry (checked by term). */
  leaderChanged(leader: number): void {
    for (const [id, f] of this.inFlight) {
      if (f.leader === leader || (f.undelivered && leader === 0)) continue; // kept for the next leader
      this.inFlight.delete(id);
      if (!f.undelivered) {
        for (const w of f.waiting) w.reject(Errors.leaderChanged());
        continue;
      }
      // Never reached the old leader (it had crashed): cannot be applied twice, so it goes to the new one.
      this.requeue(leader, f.waiting);
    }
  }

  /** Fails writes past their deadline. A batch the transport could not deliver (no connection to
   *  the leader yet, a stream that never opened) cannot be in any log, so it goes again to
   *  whoever leads now, at the next flush: waiting for a leader change would leave it to time out
   *  while the leader is up (a member that just restarted). */
  expire(now: number, leader: number): void {
    for (const [id, f] of this.inFlight) {
      if (f.waiting[0].deadline <= now) {
        this.inFlight.delete(id);
        for (const w of f.waiting) w.reject(Errors.timeout());
        continue;
      }
      if (!f.undelivered || leader === 0) continue;
      this.inFlight.delete(id);
      this.requeue(leader, f.waiting);
    }
  }

  private requeue(leader: number, all: Waiting[]): void {
    const waiting = all.filter((w) => !w.settled);
    if (waiting.length === 0) return;
    if (leader === this.deps.self) {
      for (const w of waiting) this.deps.proposeHere(w.data).then(w.resolve, w.reject);
      return;
    }
    let list = this.queued.get(leader);
    if (list === undefined) this.queued.set(leader, (list = []));
    list.push(...waiting);
  }

  /** This member installed a snapshot: a write the leader has not answered may be inside it,
   *  where no apply of its entry will ever be seen here. Its outcome is unknown, which etcd
   *  answers "leader changed"; writes the leader answered wait on their index (WriteQueue). */
  snapshotInstalled(): void {
    for (const f of this.inFlight.values()) for (const w of f.waiting) w.reject(Errors.leaderChanged());
    this.inFlight.clear();
  }

  failAll(err: () => Error): void {
    for (const list of this.queued.values()) for (const w of list) w.reject(err());
    this.queued.clear();
    for (const f of this.inFlight.values()) for (const w of f.waiting) w.reject(err());
    this.inFlight.clear();
    for (const h of this.held) h.release();
    this.held = [];
    this.unsentAnswers = [];
  }
}

function refusal(id: number, e: EtcdError): ProposalAnswer {
  return { id, firstIndex: 0, term: 0, errorCode: e.code, errorMessage: e.message };
}
