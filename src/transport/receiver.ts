// The server side of the three planes: admission (cluster id, known sender, concurrency limit),
// delivery of control/data messages to the node, and verified snapshot reception.
import { createHash } from "node:crypto";
import type { ServerCall } from "../grpc/call.ts";
import { GrpcStatus, type StatusObject } from "../grpc/status.ts";
import type { ServiceImplementation, UnaryCallback } from "../grpc/types.ts";
import { type Message, MessageType, type NodeId, type Plane } from "../raft/types.ts";
import { fromPb, leasesFromPb, proposalsFromPb, wireSize, type PbAck, type PbChunk, type PbEnvelope } from "./codec.ts";
import { incoming } from "./incoming.ts";
import type { OwedAck, OwedAcks } from "./owed-acks.ts";
import type { LogFn, RefusalReason, SnapshotSink, TransportHandlers, TransportObserver } from "./types.ts";

export interface ReceiverContext {
  clusterId: number;
  nodeId: NodeId;
  isKnownPeer(id: NodeId): boolean;
  handlers: TransportHandlers;
  observer: TransportObserver;
  log: LogFn;
  /** The incoming control and data streams, ended when the transport closes. */
  streams: IncomingStreams;
  /** Acks owed on the incoming streams, which this node's own batches to the peer may carry. */
  acks: OwedAcks;
  /** A peer's batch carried an ack of this node's stream to it on `plane`. */
  onCarriedAck(plane: "control" | "data", from: NodeId, seq: number): void;
}

/** The long-lived incoming streams of this transport. A closing transport ends them at once: a
 *  graceful drain (GOAWAY, streams left to finish) would keep them open for the whole grace
 *  period, acknowledging batches to a node that no longer takes them — a member that rebuilds
 *  in-process would lose what its peers sent in that window without any of them knowing. */
export class IncomingStreams {
  private readonly open = new Set<Call<PbEnvelope>>();
  closed = false;

  add(call: Call<PbEnvelope>): boolean {
    if (this.closed) return false;
    this.open.add(call);
    return true;
  }

  delete(call: Call<PbEnvelope>): void {
    this.open.delete(call);
  }

  closeAll(reason: string): void {
    this.closed = true;
    const status = new StatusError(GrpcStatus.UNAVAILABLE, reason).toStatus();
    for (const call of this.open) call.emit("error", status);
    this.open.clear();
  }
}

export class StatusError extends Error {
  constructor(readonly code: number, details: string, readonly refusal?: RefusalReason) {
    super(details);
  }
  toStatus(): StatusObject {
    return { code: this.code, details: this.message };
  }
}

/** A real cap on handlers in flight on one plane; a stream holds its slot while open. */
export class ConcurrencyLimit {
  private inFlight = 0;
  constructor(readonly plane: Plane, readonly limit: number, private readonly observer: TransportObserver) {}
  tryAcquire(): StatusError | undefined {
    if (this.inFlight >= this.limit) {
      this.observer.refused(this.plane, "concurrency_limit");
      return new StatusError(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `${this.plane} plane of this node is at its concurrency_limit (${this.limit} calls in flight); retry later`,
        "concurrency_limit",
      );
    }
    this.inFlight++;
    return undefined;
  }
  release(): void {
    this.inFlight--;
  }
  current(): number {
    return this.inFlight;
  }
}

/** Refuses foreign clusters and unknown senders with a status that names both ids; logs each
 *  (sender, reason) once so a misconfigured peer cannot flood the log. */
export class Admission {
  private readonly logged = new Set<string>();
  constructor(private readonly ctx: ReceiverContext) {}

  check(plane: Plane, clusterId: number, senderId: number): StatusError | undefined {
    const { ctx } = this;
    let err: StatusError | undefined;
    if (clusterId !== ctx.clusterId) {
      err = new StatusError(
        GrpcStatus.FAILED_PRECONDITION,
        `sender ${senderId} belongs to cluster ${clusterId}, but node ${ctx.nodeId} is in cluster ${ctx.clusterId}: ` +
          `a data directory belongs to the cluster that made it (trireme-data.json); is the sender's data directory, or its address, another cluster's?`,
        "foreign_cluster",
      );
    } else if (!ctx.isKnownPeer(senderId)) {
      err = new StatusError(
        GrpcStatus.PERMISSION_DENIED,
        `sender ${senderId} is not a member of cluster ${ctx.clusterId} known to node ${ctx.nodeId}`,
        "unknown_sender",
      );
    }
    if (err) {
      ctx.observer.refused(plane, err.refusal!);
      const key = `${senderId}/${err.code}`;
      if (!this.logged.has(key)) {
        this.logged.add(key);
        ctx.log("warn", `refused ${plane} traffic: ${err.message}`, { plane, sender: senderId, cluster: clusterId });
      }
    }
    return err;
  }
}

/** One listening port: counts what it delivered (tests check which port a message arrived on). */
export interface PortCounter {
  messagesIn: number;
}

type Call<Req> = ServerCall<Req, PbAck>;

function deliver(ctx: ReceiverContext, plane: Plane, env: PbEnvelope, port: PortCounter): void {
  const from = env.senderId ?? 0;
  const n = env.messages?.length ?? 0;
  port.messagesIn += n;
  ctx.observer.received(plane, from, n);
  ctx.observer.bytes(plane, from, "in", wireSize.get(env) ?? 0);
  for (const p of env.messages ?? []) ctx.handlers.onMessage(fromPb(p));
  if (plane === "data" && ((env.proposals?.length ?? 0) > 0 || (env.answers?.length ?? 0) > 0)) {
    ctx.handlers.onProposals?.(from, proposalsFromPb(env));
  }
  if (plane === "data" && ((env.leaseQueries?.length ?? 0) > 0 || (env.leaseAnswers?.length ?? 0) > 0)) {
    ctx.handlers.onLeases?.(from, leasesFromPb(env));
  }
}

export function controlImpl(ctx: ReceiverContext, admission: Admission, limit: ConcurrencyLimit, port: PortCounter): ServiceImplementation {
  return {
    Send(call: Call<PbEnvelope>, cb: UnaryCallback<PbAck>) {
      const busy = limit.tryAcquire();
      if (busy) return cb(busy.toStatus());
      try {
        const env = call.request;
        const refused = admission.check("control", env.clusterId ?? 0, env.senderId ?? 0);
        if (refused) return cb(refused.toStatus());
        deliver(ctx, "control", env, port);
        cb(null, {});
      } finally {
        limit.release();
      }
    },
    Stream: streamHandler("control", ctx, admission, limit, port),
  };
}

/** Data-plane batches of a sender that takes cumulative acks are acknowledged together: after
 *  this many, or this long after the first unacknowledged one, whichever comes first. Every ack
 *  wakes the leader's event loop; at one client most batches carry a single entry, and acking each
 *  cost more wake-ups than the entries did. The sender's window (64) is far above ACK_EVERY. */
export const ACK_EVERY = 8;
export const ACK_DELAY_MS = 5;

/** Forwarded proposals and lease questions are acknowledged at once: the origin learns sooner
 *  that they reached the leader (what it may requeue if the stream breaks). */
const carriesRequests = (env: PbEnvelope) =>
  (env.proposals?.length ?? 0) > 0 || (env.answers?.length ?? 0) > 0 || (env.leaseQueries?.length ?? 0) > 0 || (env.leaseAnswers?.length ?? 0) > 0;

/** A plane's long-lived stream: every envelope delivered in order and acknowledged by its seq
 *  (on the data plane, for senders that take cumulative acks, several seqs by one ack). */
function streamHandler(plane: "control" | "data", ctx: ReceiverContext, admission: Admission, limit: ConcurrencyLimit, port: PortCounter) {
  return (call: Call<PbEnvelope>) => {
    if (!ctx.streams.add(call)) {
      call.emit("error", new StatusError(GrpcStatus.UNAVAILABLE, `node ${ctx.nodeId} is stopping`).toStatus());
      return;
    }
    const busy = limit.tryAcquire();
    if (busy) {
      ctx.streams.delete(call);
      call.emit("error", busy.toStatus());
      return;
    }
    let released = false;
    const release = () => {
      if (!released) limit.release();
      released = true;
    };
    let refusedOnce = false;
    let pendingSeq = 0;
    let pendingCount = 0;
    let from = 0;
    let ackTimer: ReturnType<typeof setTimeout> | undefined;
    const clearPending = () => {
      if (ackTimer !== undefined) clearTimeout(ackTimer);
      ackTimer = undefined;
      pendingSeq = 0;
      pendingCount = 0;
    };
    const flushAck = () => {
      const seq = pendingSeq;
      clearPending();
      if (seq !== 0 && !call.writableEnded) call.write({ seq });
    };
    const owed: OwedAck & { peerTakesCarried: boolean } = {
      pending: () => pendingSeq,
      carried: clearPending,
      flush: flushAck,
      peerTakesCarried: false,
    };
    call.on("data", (env: PbEnvelope) => {
      if (refusedOnce || ctx.streams.closed) return; // batches already in the pipe after a refusal (or the close) are dropped
      const refused = admission.check(plane, env.clusterId ?? 0, env.senderId ?? 0);
      if (refused) {
        refusedOnce = true;
        release();
        call.emit("error", refused.toStatus());
        return;
      }
      if (from === 0) {
        from = env.senderId ?? 0;
        ctx.acks.register(plane, from, owed);
      }
      owed.peerTakesCarried = env.takesCarriedAcks === true;
      // The ack is what opens the sender's window: it says "delivered to the node", in order.
      // Owed before the handlers run, so an answer they send at once may carry it.
      const acked = env.noAck !== true; // responses only: the sender does not wait for them
      if (acked) {
        pendingSeq = env.seq ?? 0;
        pendingCount++;
      }
      deliver(ctx, plane, env, port);
      if (env.carriedAck) ctx.onCarriedAck(plane, from, env.carriedAck);
      if (!acked || pendingSeq === 0) return;
      if (plane !== "data" || env.cumulativeAcks !== true || carriesRequests(env) || pendingCount >= ACK_EVERY) {
        if (owed.peerTakesCarried) ctx.acks.soon(owed); // this turn's answer to the peer may carry it
        else flushAck();
      } else if (ackTimer === undefined) {
        ackTimer = setTimeout(flushAck, ACK_DELAY_MS);
        ackTimer.unref?.();
      }
    });
    call.on("end", () => {
      flushAck();
      release();
      call.end();
    });
    // "close" follows every end of the call: a status sent, a reset, the connection gone.
    call.on("close", () => {
      clearPending();
      if (from !== 0) ctx.acks.unregister(plane, from, owed);
      release();
      ctx.streams.delete(call);
    });
  };
}

export function dataImpl(ctx: ReceiverContext, admission: Admission, limit: ConcurrencyLimit, port: PortCounter): ServiceImplementation {
  return { Append: streamHandler("data", ctx, admission, limit, port) };
}

export function bulkImpl(ctx: ReceiverContext, admission: Admission, limit: ConcurrencyLimit, port: PortCounter): ServiceImplementation {
  return {
    InstallSnapshot(call: Call<PbChunk>, cb: UnaryCallback<PbAck>) {
      const busy = limit.tryAcquire();
      if (busy) return cb(busy.toStatus());
      receiveSnapshot(ctx, admission, call, port).then(
        () => cb(null, {}),
        (e: unknown) => {
          const s = e instanceof StatusError ? e : new StatusError(GrpcStatus.INTERNAL, errorText(e));
          cb(s.toStatus());
        },
      ).finally(() => limit.release());
    },
  };
}

async function receiveSnapshot(
  ctx: ReceiverContext,
  admission: Admission,
  call: Call<PbChunk>,
  port: PortCounter,
): Promise<void> {
  // A sender that vanishes mid-way cancels the call: the loop below then throws instead of
  // waiting forever for the next chunk.
  const chunks = incoming(call, "the sender cancelled the transfer or its connection broke");
  let sink: SnapshotSink | undefined;
  let snap: Message | undefined;
  let sender = 0;
  let total = 0;
  let received = 0;
  const hash = createHash("sha256");
  try {
    for await (const chunk of chunks) {
      port.messagesIn++;
      if (!sink) {
        sender = chunk.senderId ?? 0;
        const refused = admission.check("bulk", chunk.clusterId ?? 0, sender);
        if (refused) throw refused;
        if (!chunk.message || chunk.message.type !== MessageType.Snap || !chunk.message.snapshot) {
          throw new StatusError(GrpcStatus.INVALID_ARGUMENT, `first snapshot chunk from ${sender} carries no Snap message`);
        }
        total = chunk.totalBytes ?? 0;
        snap = fromPb(chunk.message);
        sink = await ctx.handlers.openSnapshotSink(snap);
      }
      if ((chunk.offset ?? 0) !== received) {
        throw new StatusError(GrpcStatus.DATA_LOSS, `snapshot chunk from ${sender} at offset ${chunk.offset}, expected ${received}`);
      }
      const data = chunk.data ?? new Uint8Array(0);
      ctx.observer.received("bulk", sender, 1);
      if (data.length > 0) {
        hash.update(data);
        received += data.length;
        ctx.observer.bytes("bulk", sender, "in", data.length);
        await sink.write(data);
      }
      if (chunk.last) {
        const digest = hash.digest();
        const want = chunk.checksum ?? new Uint8Array(0);
        if (received !== total) {
          throw new StatusError(GrpcStatus.DATA_LOSS, `snapshot from ${sender}: received ${received} bytes, header said ${total}`);
        }
        if (!digest.equals(want)) {
          throw new StatusError(
            GrpcStatus.DATA_LOSS,
            `snapshot from ${sender}: SHA-256 mismatch (got ${digest.toString("hex")}, sender says ${Buffer.from(want).toString("hex")})`,
          );
        }
        await sink.commit();
        ctx.handlers.onSnapshotReceived(snap!);
        return;
      }
    }
    throw new StatusError(GrpcStatus.DATA_LOSS, `snapshot stream from ${sender} ended before its last chunk (${received}/${total} bytes)`);
  } catch (e) {
    if (e instanceof StatusError && (e.code === GrpcStatus.DATA_LOSS || e.code === GrpcStatus.INVALID_ARGUMENT)) {
      ctx.observer.refused("bulk", "bad_snapshot");
    }
    if (sink) await sink.abort(errorText(e)).catch(() => {});
    ctx.log("warn", `snapshot from ${sender} failed: ${errorText(e)}`, { plane: "bulk", sender });
    throw e instanceof StatusError ? e : new StatusError(GrpcStatus.ABORTED, errorText(e));
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
