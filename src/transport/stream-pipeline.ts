// A plane's sender for one peer: a long-lived bidi stream carrying batches of messages (App/AppResp
// on the data plane; votes, heartbeats and the rest on the control plane), each with a sequence
// number, and an application-level window of unacknowledged batches (not write()/drain alone,
// which measured 2–9× slower). Acks must come back in order; anything else, a stream error, or a
// batch left unacknowledged past its deadline tears the stream down, drops what was in flight and
// tells the node so the core goes back to probing this follower. Batches of responses only go
// unacknowledged (Envelope.no_ack): they take no window slot and have no deadline.
import type { CallStatus, ClientCall } from "../grpc/client-call.ts";
import { GrpcStatus } from "../grpc/status.ts";
import type { NodeId, Plane } from "../raft/types.ts";
import type { PbAck } from "./codec.ts";
import type { TransportObserver } from "./types.ts";

export interface PipelineOptions {
  peer: NodeId;
  /** The plane the stream runs on, and the method name the metrics give it. */
  plane: Exclude<Plane, "bulk">;
  method: string;
  /** Batches in flight before further ones wait in the local queue. */
  window: number;
  /** Batches allowed to wait behind a full window; beyond it new batches are dropped. */
  maxQueued: number;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  /** Opens a new stream; `waitForReady` when the channel has no connection yet. */
  open: () => ClientCall<PbAck>;
  /** The stream failed; `code` is its gRPC status when it ended with one. */
  onBroken: (reason: string, code?: number) => void;
  /** A batch went unacknowledged past its deadline: the connection under the stream is likely
   *  dead too (the link replaces it). */
  onStuck?: (reason: string) => void;
  observer: TransportObserver;
}

interface Pending {
  seq: number;
  buf: Uint8Array;
  sentAt: number;
  /** Called if the batch is dropped and certainly never reached the peer. */
  undelivered?: () => void;
  /** Sent with no_ack: the receiver will not acknowledge it. */
  noAck: boolean;
}

export class StreamPipeline {
  private call: ClientCall<PbAck> | undefined;
  private acked = false; // has the current stream acknowledged anything yet?
  private readonly unacked: Pending[] = [];
  private readonly queue: Pending[] = [];
  private nextSeq = 1;
  /** Seqs written on the current call, and the highest acknowledged: what a valid ack may name. */
  private firstSeqOnCall = 0;
  private lastSentSeq = 0;
  private lastAckedSeq = 0;
  private closed = false;

  constructor(private readonly o: PipelineOptions) {}

  /** Queue one encoded batch. `encode(seq)` builds the Envelope bytes for its sequence number;
   *  `noAck` when the envelope says no_ack (the batch is then never waited for). */
  send(encode: (seq: number) => Uint8Array, undelivered?: () => void, noAck = false): void {
    if (this.closed) return undelivered?.();
    if (this.queue.length >= this.o.maxQueued) {
      this.teardown(`data queue to peer ${this.o.peer} is full (${this.o.maxQueued} batches behind a full window)`);
      return undelivered?.();
    }
    const seq = this.nextSeq++;
    this.queue.push({ seq, buf: encode(seq), sentAt: 0, noAck, ...(undelivered ? { undelivered } : {}) });
    this.pump();
  }

  inFlight(): number {
    return this.unacked.length;
  }

  queued(): number {
    return this.queue.length;
  }

  private ensureCall(): ClientCall<PbAck> {
    if (this.call) return this.call;
    const call = this.o.open();
    this.call = call;
    this.acked = false;
    this.firstSeqOnCall = 0;
    call.onMessage = (ack) => this.onAck(call, ack);
    call.onStatus = (s: CallStatus) => {
      if (this.call !== call) return;
      if (s.code === GrpcStatus.OK) return this.teardown(`${this.o.plane} stream to peer ${this.o.peer} was closed by the peer`);
      // A stream that never reached the peer delivered nothing: its batches may be sent elsewhere.
      this.teardown(`${this.o.plane} stream to peer ${this.o.peer} failed: ${codeText(s)}`, s.notSent === true, s.code);
    };
    return call;
  }

  private pump(): void {
    // In order: an unacknowledged batch behind a full window waits like any other.
    while (this.queue.length > 0 && (this.queue[0]!.noAck || this.unacked.length < this.o.window)) {
      const call = this.ensureCall();
      const p = this.queue.shift()!;
      p.sentAt = performance.now();
      if (!p.noAck) this.unacked.push(p);
      if (this.firstSeqOnCall === 0) this.firstSeqOnCall = p.seq;
      this.lastSentSeq = p.seq;
      call.write(p.buf);
      this.o.observer.bytes(this.o.plane, this.o.peer, "out", p.buf.length);
    }
  }

  /** An ack covers every batch up to its seq (this sender marks its batches cumulativeAcks; a
   *  receiver that predates it acks each batch, which is the same thing one at a time). It may name
   *  a no_ack batch (a receiver that predates no_ack acknowledges those too), so it is checked
   *  against what this call sent, in order, rather than against the batches waited for. */
  private onAck(call: ClientCall<PbAck>, ack: PbAck): void {
    if (this.call !== call) return;
    const seq = ack.seq ?? 0;
    const floor = Math.max(this.firstSeqOnCall, this.lastAckedSeq + 1);
    if (this.firstSeqOnCall === 0 || seq < floor || seq > this.lastSentSeq) {
      this.teardown(`${this.o.plane} stream to peer ${this.o.peer}: ack ${seq} is outside the batches sent and not yet acknowledged (${this.firstSeqOnCall === 0 ? "none" : `${floor}..${this.lastSentSeq}`})`);
      return;
    }
    this.lastAckedSeq = seq;
    const now = performance.now();
    while (this.unacked.length > 0 && this.unacked[0]!.seq <= seq) {
      const p = this.unacked.shift()!;
      this.o.observer.rpc(this.o.plane, this.o.peer, this.o.method, (now - p.sentAt) / 1000, true);
    }
    this.acked = true;
    this.pump();
  }

  /** An ack of this stream that the peer carried in one of its own batches (Envelope.carried_ack).
   *  It crossed on another connection, so it may name an earlier call of this pipeline: seqs only
   *  grow, and anything outside what the current call sent and has not had acknowledged is stale. */
  carriedAck(seq: number): void {
    const call = this.call;
    if (!call || this.firstSeqOnCall === 0 || seq < Math.max(this.firstSeqOnCall, this.lastAckedSeq + 1) || seq > this.lastSentSeq) return;
    this.onAck(call, { seq });
  }

  /** Whether a batch sent now goes on the wire at once (nothing queued before it, room in the
   *  window unless it is unacknowledged): only such a batch may carry an ack the peer waits for. */
  sendsAtOnce(noAck: boolean): boolean {
    return !this.closed && this.queue.length === 0 && (noAck || this.unacked.length < this.o.window);
  }

  /** Called periodically: a batch unacknowledged past its deadline means the stream is stuck. */
  sweep(now: number): void {
    const head = this.unacked[0];
    if (!head) return;
    const limit = this.o.requestTimeoutMs + (this.acked ? 0 : this.o.connectTimeoutMs);
    if (now - head.sentAt > limit) {
      this.o.observer.rpc(this.o.plane, this.o.peer, this.o.method, (now - head.sentAt) / 1000, false);
      const reason = `${this.o.plane} stream to peer ${this.o.peer}: batch ${head.seq} not acknowledged within ${limit} ms`;
      this.teardown(reason);
      this.o.onStuck?.(reason);
    }
  }

  private teardown(reason: string, neverConnected = false, code?: number): void {
    const call = this.call;
    this.call = undefined;
    const lost = neverConnected ? this.unacked.concat(this.queue) : this.queue.slice();
    this.unacked.length = 0;
    this.queue.length = 0;
    for (const p of lost) p.undelivered?.();
    call?.cancel(`${this.o.plane} stream to peer ${this.o.peer} torn down: ${reason}`);
    if (!this.closed) this.o.onBroken(reason, code);
  }

  close(): void {
    this.closed = true;
    if (this.call) this.teardown("closed");
  }
}

/** "UNAVAILABLE: details", as grpc-js worded a failed call. */
export function codeText(s: { code: number; details: string }): string {
  const name = Object.entries(GrpcStatus).find(([, v]) => v === s.code)?.[0] ?? `status ${s.code}`;
  return `${name}: ${s.details}`;
}
