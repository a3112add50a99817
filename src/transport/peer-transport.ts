// The peer transport: three isolated planes per peer pair (DESIGN.md, "The three planes"), on our
// own HTTP/2 + gRPC layer. Each plane has its own listener with that plane's settings and, per
// peer, its own channel (its own HTTP/2 connection). `network.isolation = false` folds all three
// onto the control port and one connection per peer, for the benchmark comparison only.
import type { NetworkSection, PlaneConfig } from "../config/types.ts";
import { GrpcStatus } from "../grpc/status.ts";
import type { H2ClientTls, H2ServerTls } from "../h2/types.ts";
import { type Message, type NodeId, type Plane, planeOf } from "../raft/types.ts";
import type { PbEnvelope } from "./codec.ts";
import { codeText } from "./stream-pipeline.ts";
import { allUndelivered, onlyResponses, packLeases, packMessages, packProposals } from "./envelopes.ts";
import type { PlaneListener } from "./listener.ts";
import { CHUNK_OVERHEAD, defaultBackoff, MAX_SNAPSHOT_CHUNK, messageLimit, type ReconnectBackoff } from "./options.ts";
import { PeerLink, PLANES } from "./peer-link.ts";
import { listenAll, planeListeners } from "./plane-listeners.ts";
import { errorText, IncomingStreams, type ReceiverContext } from "./receiver.ts";
import { encodeEnvelope } from "./services.ts";
import { OwedAcks } from "./owed-acks.ts";
import type { StreamPipeline } from "./stream-pipeline.ts";
import { ReachabilityLog } from "./reachability.ts";
import { pushSnapshot } from "./snapshot-sender.ts";
import {
  type LogFn,
  noopObserver,
  type PeerAddress,
  type PeerLeases,
  type PeerProposals,
  type ProgressFn,
  type SnapshotSource,
  type Transport,
  type TransportHandlers,
  type TransportObserver,
} from "./types.ts";

export interface PeerTransportOptions {
  clusterId: number;
  nodeId: NodeId;
  listen: { control: string; data: string; bulk: string };
  network: NetworkSection;
  handlers: TransportHandlers;
  observer?: TransportObserver;
  log?: LogFn;
  /** Channel reconnect backoff (each step jittered by ±20 %). */
  backoff?: ReconnectBackoff;
  /** Data plane: unacknowledged batches in flight per peer (default 64). */
  dataWindow?: number;
  /** Data plane: batches that may wait behind a full window per peer (default 1024). */
  dataMaxQueued?: number;
  /** Bulk plane: bytes of snapshot content per chunk (default 256 KiB, at most 4 MiB): small
   *  enough that hashing and encoding one chunk never holds the event loop for long. */
  snapshotChunkBytes?: number;
  /** close(): how long open calls get before the listeners are cut (default 2000 ms). */
  shutdownTimeoutMs?: number;
  /** While a peer stays unreachable on a plane, repeat the warning this often (default 30 s). */
  unreachableRepeatMs?: number;
  /** Mutual TLS on the planes (`[tls.peer]`): each listener's (by its name, for log lines) and
   *  the channels'. Absent: plaintext. */
  tls?: { listener(name: string): H2ServerTls | undefined; dial: H2ClientTls };
}

export class PeerTransport implements Transport {
  private readonly observer: TransportObserver;
  private readonly log: LogFn;
  private readonly backoff: ReconnectBackoff;
  private listeners = new Map<Plane, PlaneListener>();
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly incoming = new IncomingStreams();
  private readonly owedAcks = new OwedAcks();
  private known = new Set<NodeId>();
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private bulkSlots: number;
  private readonly bulkWaiters: (() => void)[] = [];
  private readonly loggedUnknown = new Set<NodeId>();
  private readonly reachability: ReachabilityLog;
  /** The largest message each plane sends (and its listener accepts). */
  private readonly limits: Record<Plane, number>;

  constructor(private readonly o: PeerTransportOptions) {
    this.observer = o.observer ?? noopObserver;
    this.log = o.log ?? (() => {});
    this.reachability = new ReachabilityLog(this.log, o.unreachableRepeatMs);
    this.backoff = o.backoff ?? defaultBackoff;
    this.bulkSlots = o.network.bulk.concurrency_limit;
    const n = o.network;
    this.limits = { control: messageLimit("control", n), data: messageLimit("data", n), bulk: messageLimit("bulk", n) };
    if (!n.isolation) {
      // One connection carries every plane, so each plane may send what any plane may.
      const max = Math.max(this.limits.control, this.limits.data, this.limits.bulk);
      this.limits = { control: max, data: max, bulk: max };
    }
  }

  private cfg(plane: Plane): PlaneConfig {
    return this.o.network[plane];
  }

  private get isolated(): boolean {
    return this.o.network.isolation;
  }

  async start(): Promise<void> {
    const receiver: ReceiverContext = {
      clusterId: this.o.clusterId,
      nodeId: this.o.nodeId,
      isKnownPeer: (id) => this.known.has(id),
      handlers: this.o.handlers,
      observer: this.observer,
      log: this.log,
      streams: this.incoming,
      acks: this.owedAcks,
      onCarriedAck: (plane, from, seq) => {
        const link = this.links.get(from);
        if (link) (plane === "control" ? link.control : link.pipeline).carriedAck(seq);
      },
    };
    const { network, listen, tls } = this.o;
    this.listeners = planeListeners({ network, listen, limits: this.limits, receiver, ...(tls ? { tls } : {}) });
    await listenAll(this.listeners);
    this.log("info", `peer transport listening`, {
      node: this.o.nodeId,
      isolation: this.isolated,
      ports: Object.fromEntries(PLANES.map((p) => [p, this.listeners.get(p)!.port()])),
    });
  }

  /** The port a plane listens on (the shared one when isolation is off). */
  port(plane: Plane): number {
    return this.listeners.get(plane)?.port() ?? 0;
  }

  /** Open inbound HTTP/2 connections on a plane's listener (tests, `status`). */
  inboundConnectionCount(plane: Plane): number {
    return this.listeners.get(plane)?.connectionCount() ?? 0;
  }

  /** Messages (and snapshot chunks) the services on a plane's port delivered since start: tests
   *  check which port a message arrived on. */
  inboundMessages(plane: Plane): number {
    return this.listeners.get(plane)?.messagesIn ?? 0;
  }

  /** Data batches to `peer` sent and not yet acknowledged (bounded by the window). */
  dataInFlight(peer: NodeId): number {
    return this.links.get(peer)?.pipeline.inFlight() ?? 0;
  }

  /** Control batches sent to `peer` and not acknowledged yet. */
  controlInFlight(peer: NodeId): number {
    return this.links.get(peer)?.control.inFlight() ?? 0;
  }

  /** Whether this node's outgoing channel on `plane` to `peer` is connected. */
  isConnected(peer: NodeId, plane: Plane): boolean {
    return this.links.get(peer)?.isConnected(plane) ?? false;
  }

  setPeers(peers: PeerAddress[]): void {
    this.known = new Set(peers.map((p) => p.id));
    const wanted = new Map(peers.filter((p) => p.id !== this.o.nodeId).map((p) => [p.id, p]));
    for (const [id, link] of this.links) {
      const want = wanted.get(id);
      if (!want || !sameAddress(want, link.addr)) this.dropLink(id, link);
    }
    for (const [id, addr] of wanted) {
      if (this.links.has(id)) continue;
      this.links.set(id, new PeerLink(addr, {
        network: this.o.network,
        backoff: this.backoff,
        observer: this.observer,
        reachability: this.reachability,
        dataWindow: this.o.dataWindow ?? 64,
        dataMaxQueued: this.o.dataMaxQueued ?? 1024,
        unreachable: (peer, plane, reason) => this.unreachable(peer, plane, reason),
        ...(this.o.tls ? { tls: this.o.tls.dial } : {}),
      }));
    }
  }

  send(messages: Message[]): void {
    const control = new Map<NodeId, Message[]>();
    const data = new Map<NodeId, Message[]>();
    for (const m of messages) {
      const plane = planeOf(m.type);
      if (plane === "bulk") {
        this.log("error", `message type ${m.type} to ${m.to} belongs on the bulk plane: use sendSnapshot`);
        continue;
      }
      const by = plane === "control" ? control : data;
      const list = by.get(m.to);
      if (list) list.push(m);
      else by.set(m.to, [m]);
    }
    for (const [to, ms] of control) this.sendPlane("control", to, ms);
    for (const [to, ms] of data) this.sendPlane("data", to, ms);
  }

  private linkFor(to: NodeId): PeerLink | undefined {
    const link = this.links.get(to);
    if (!link && !this.loggedUnknown.has(to)) {
      this.loggedUnknown.add(to);
      this.log("warn", `no address for peer ${to}: messages to it are dropped until setPeers names it`);
    }
    if (!link) this.o.handlers.onUnreachable(to);
    return link;
  }

  private envelope(ms: Message[], seq = 0, noAck = false, carriedAck = 0): Uint8Array {
    // The core's Message has the wire message's field names: the encoder reads it as it is.
    // On a stream (seq > 0) this sender takes acks as cumulative (StreamPipeline.onAck), and
    // carried in the peer's own batches.
    const stream = seq > 0;
    return encodeEnvelope({
      clusterId: this.o.clusterId, senderId: this.o.nodeId, messages: ms, seq,
      cumulativeAcks: stream, noAck, takesCarriedAcks: stream, carriedAck,
    });
  }

  /** A batch to `to` on a stream, carrying the ack this node owes `to`'s stream on the plane when
   *  the batch goes on the wire at once (a queued one would hold the ack back past its deadline). */
  private sendOnStream(pipeline: StreamPipeline, plane: "control" | "data", to: NodeId, ms: Message[]): void {
    const noAck = onlyResponses(ms);
    const carried = pipeline.sendsAtOnce(noAck) ? this.owedAcks.take(plane, to) : 0;
    pipeline.send((seq) => this.envelope(ms, seq, noAck, carried), undefined, noAck);
  }

  /** One turn's messages to a peer on a plane, in envelopes within the plane's message limit. */
  private sendPlane(plane: "control" | "data", to: NodeId, ms: Message[]): void {
    const link = this.linkFor(to);
    if (!link) return;
    const { groups, tooLarge } = packMessages(ms, this.limits[plane]);
    for (const t of tooLarge) {
      this.unreachable(to, plane, `a message of type ${t.message.type} is ${t.bytes} bytes, over the ${plane} plane's limit of ` +
        `${this.limits[plane]}: not sent (raise network.${plane}.max_frame_size, or lower raft.max_bytes_per_append)`);
    }
    if (plane === "control" && !link.controlUnary) {
      // Checked at each send rather than by a timer: the leader sends heartbeats every interval,
      // and a timer armed per heartbeat would cost more than the heartbeat.
      link.control.sweep(performance.now());
      for (const g of groups) this.sendOnStream(link.control, "control", to, g);
      return;
    }
    for (const g of groups) {
      if (plane === "control") this.sendControl(link, this.envelope(g));
      else this.sendOnStream(link.pipeline, "data", to, g);
    }
    if (plane === "data" && groups.length > 0) this.armSweeper();
  }

  /** One unary call per control envelope, for a peer that does not serve the control stream. */
  private sendControl(link: PeerLink, buf: Uint8Array): void {
    const to = link.id;
    const t0 = performance.now();
    this.observer.bytes("control", to, "out", buf.length);
    link.sendControl(buf, (s) => {
      const ok = s.code === GrpcStatus.OK;
      this.observer.rpc("control", to, "Send", (performance.now() - t0) / 1000, ok);
      if (link.closed) return;
      if (!ok) this.unreachable(to, "control", codeText(s));
      else this.reachability.succeeded(to, "control");
    });
  }

  sendProposals(to: NodeId, p: PeerProposals, undelivered?: () => void): void {
    this.sendForwarded(to, packProposals(p, this.limits.data), (part) => ({ proposals: part.proposals, answers: part.answers }), undelivered);
  }

  sendLeases(to: NodeId, l: PeerLeases, undelivered?: () => void): void {
    this.sendForwarded(to, packLeases(l, this.limits.data), (part) => ({ leaseQueries: part.queries, leaseAnswers: part.answers }), undelivered);
  }

  /** Envelopes with no Raft message, in order with the peer's appends on its data stream. */
  private sendForwarded<P>(to: NodeId, parts: P[], fields: (part: P) => Partial<PbEnvelope>, undelivered?: () => void): void {
    const link = this.linkFor(to);
    if (!link) return undelivered?.();
    const { clusterId, nodeId } = this.o;
    const lost = allUndelivered(parts.length, undelivered);
    for (const part of parts) {
      link.pipeline.send((seq) => encodeEnvelope({ clusterId, senderId: nodeId, messages: [], seq, cumulativeAcks: true, takesCarriedAcks: true, ...fields(part) }), lost);
    }
    this.armSweeper();
  }

  /** Times out unacknowledged data batches. Runs only while batches are in flight or queued: on
   *  an idle member it would be 10–200 timer wake-ups a second for nothing (~80 µs each on Bun). */
  private armSweeper(): void {
    if (this.sweeper !== undefined) return;
    const sweepMs = Math.max(5, Math.min(100, this.cfg("data").request_timeout_in_ms / 4));
    this.sweeper = setInterval(() => {
      const now = performance.now();
      let busy = false;
      for (const link of this.links.values()) {
        link.pipeline.sweep(now);
        if (link.pipeline.inFlight() > 0 || link.pipeline.queued() > 0) busy = true;
      }
      if (!busy) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, sweepMs);
    this.sweeper.unref?.();
  }

  private unreachable(peer: NodeId, plane: Plane, reason: string): void {
    this.reachability.failed(peer, plane, reason);
    this.o.handlers.onUnreachable(peer);
  }

  async sendSnapshot(m: Message, source: SnapshotSource, onProgress?: ProgressFn): Promise<void> {
    await this.acquireBulk();
    const link = this.links.get(m.to);
    if (!link) {
      this.releaseBulk();
      throw new Error(`cannot send snapshot to peer ${m.to}: no address for it (setPeers)`);
    }
    const t0 = performance.now();
    let ok = false;
    let call: ReturnType<PeerLink["openBulk"]> | undefined;
    try {
      await pushSnapshot({
        clusterId: this.o.clusterId,
        nodeId: this.o.nodeId,
        peer: m.to,
        chunkBytes: Math.max(1024, Math.min(this.o.snapshotChunkBytes ?? 256 << 10, MAX_SNAPSHOT_CHUNK, this.limits.bulk - CHUNK_OVERHEAD)),
        open: () => (call = link.openBulk()),
        observer: this.observer,
      }, m, source, onProgress);
      ok = true;
    } catch (e) {
      this.log("warn", errorText(e), { peer: m.to, plane: "bulk" });
      throw e;
    } finally {
      if (call) link.bulkCalls.delete(call);
      this.observer.rpc("bulk", m.to, "InstallSnapshot", (performance.now() - t0) / 1000, ok);
      this.releaseBulk();
    }
  }

  /** At most bulk `concurrency_limit` outgoing transfers; the rest wait their turn. */
  private acquireBulk(): Promise<void> {
    if (this.bulkSlots > 0) {
      this.bulkSlots--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.bulkWaiters.push(resolve));
  }

  private releaseBulk(): void {
    const next = this.bulkWaiters.shift();
    if (next) next();
    else this.bulkSlots++;
  }

  private dropLink(id: NodeId, link: PeerLink): void {
    link.close();
    this.reachability.forget(id);
    this.links.delete(id);
  }

  async close(): Promise<void> {
    this.incoming.closeAll(`node ${this.o.nodeId} is stopping`);
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const [id, link] of [...this.links]) this.dropLink(id, link);
    const timeout = this.o.shutdownTimeoutMs ?? 2000;
    await Promise.all([...new Set(this.listeners.values())].map((l) => l.close(timeout)));
    this.listeners.clear();
  }
}

function sameAddress(a: PeerAddress, b: PeerAddress): boolean {
  return a.control === b.control && a.data === b.data && a.bulk === b.bulk;
}
