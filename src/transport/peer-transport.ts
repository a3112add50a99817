// The gRPC transport: three isolated planes per peer pair (DESIGN.md, "The three planes").
// Each plane has its own listener (grpc-js Server) with that plane's options and, per peer, its
// own channel (its own HTTP/2 connection). `network.isolation = false` folds all three onto the
// control port and one channel per peer, for the benchmark comparison only.
import * as grpc from "@grpc/grpc-js";
import type { NetworkSection, PlaneConfig } from "../config/types.ts";
import { type Message, type NodeId, type Plane, planeOf } from "../raft/types.ts";
import { toPb } from "./codec.ts";
import { DataPipeline } from "./data-pipeline.ts";
import { PlaneListener } from "./listener.ts";
import { channelOptions, defaultBackoff, type ReconnectBackoff, serverOptions, startupNotes } from "./options.ts";
import { Admission, bulkImpl, ConcurrencyLimit, controlImpl, dataImpl, errorText, type ReceiverContext } from "./receiver.ts";
import {
  BulkClientCtor,
  type BulkClient,
  bulkService,
  ControlClientCtor,
  type ControlClient,
  controlService,
  DataClientCtor,
  type DataClient,
  dataService,
  encodeEnvelope,
} from "./services.ts";
import { ReachabilityLog } from "./reachability.ts";
import { pushSnapshot } from "./snapshot-sender.ts";
import { KeepAliveInsecureCredentials } from "./tcp-keepalive.ts";
import {
  type LogFn,
  noopObserver,
  type PeerAddress,
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
  /** Channel reconnect backoff (grpc-js jitters each step by ±20 %). */
  backoff?: ReconnectBackoff;
  /** Data plane: unacknowledged batches in flight per peer (default 64). */
  dataWindow?: number;
  /** Data plane: batches that may wait behind a full window per peer (default 1024). */
  dataMaxQueued?: number;
  /** Bulk plane: bytes of snapshot content per chunk (default 256 KiB, capped by max_frame_size): small
   *  enough that hashing and encoding one chunk never holds the event loop for long. */
  snapshotChunkBytes?: number;
  /** close(): how long open calls get before the listeners are cut (default 2000 ms). */
  shutdownTimeoutMs?: number;
  /** While a peer stays unreachable on a plane, repeat the warning this often (default 30 s). */
  unreachableRepeatMs?: number;
}

const PLANES: readonly Plane[] = ["control", "data", "bulk"];
/** Room for the chunk's header fields around its data, so a full chunk fits max_frame_size. */
const CHUNK_OVERHEAD = 4096;

interface PeerLink {
  addr: PeerAddress;
  control: ControlClient;
  data: DataClient;
  bulk: BulkClient;
  pipeline: DataPipeline;
  /** Distinct channels (one when isolation is off). */
  channels: Map<Plane, grpc.Channel>;
  up: Map<Plane, boolean>;
  /** Snapshot pushes in progress: cancelled when the link goes (closing a channel does not). */
  bulkCalls: Set<grpc.ClientWritableStream<Buffer>>;
  closed: boolean;
}

export class PeerTransport implements Transport {
  private readonly observer: TransportObserver;
  private readonly log: LogFn;
  private readonly backoff: ReconnectBackoff;
  private readonly listeners = new Map<Plane, PlaneListener>();
  private readonly links = new Map<NodeId, PeerLink>();
  private known = new Set<NodeId>();
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private bulkSlots: number;
  private readonly bulkWaiters: (() => void)[] = [];
  private readonly loggedUnknown = new Set<NodeId>();
  private readonly reachability: ReachabilityLog;

  constructor(private readonly o: PeerTransportOptions) {
    this.observer = o.observer ?? noopObserver;
    this.log = o.log ?? (() => {});
    this.reachability = new ReachabilityLog(this.log, o.unreachableRepeatMs);
    this.backoff = o.backoff ?? defaultBackoff;
    this.bulkSlots = o.network.bulk.concurrency_limit;
  }

  private cfg(plane: Plane): PlaneConfig {
    return this.o.network[plane];
  }

  private get isolated(): boolean {
    return this.o.network.isolation;
  }

  async start(): Promise<void> {
    const ctx: ReceiverContext = {
      clusterId: this.o.clusterId,
      nodeId: this.o.nodeId,
      isKnownPeer: (id) => this.known.has(id),
      handlers: this.o.handlers,
      observer: this.observer,
      log: this.log,
    };
    const admission = new Admission(ctx);
    const limits = {
      control: new ConcurrencyLimit("control", this.cfg("control").concurrency_limit, this.observer),
      data: new ConcurrencyLimit("data", this.cfg("data").concurrency_limit, this.observer),
      bulk: new ConcurrencyLimit("bulk", this.cfg("bulk").concurrency_limit, this.observer),
    };
    const serve = (l: PlaneListener, plane: Plane) => {
      if (plane === "control") l.server.addService(controlService, controlImpl(ctx, admission, limits.control, l));
      else if (plane === "data") l.server.addService(dataService, dataImpl(ctx, admission, limits.data, l));
      else l.server.addService(bulkService, bulkImpl(ctx, admission, limits.bulk, l));
    };
    if (this.isolated) {
      for (const plane of PLANES) {
        const c = this.cfg(plane);
        const l = new PlaneListener(plane, this.o.listen[plane], serverOptions(c), c.tcp_keepalive_in_secs * 1000, c.connection_window_size);
        serve(l, plane);
        this.listeners.set(plane, l);
      }
    } else {
      this.log("warn", "network.isolation = false: control, data and bulk share one port and one connection per peer " +
        "(benchmark comparison only; heartbeats can queue behind snapshots)");
      const merged = mergedServerOptions(this.o.network);
      const window = Math.max(...PLANES.map((p) => this.cfg(p).connection_window_size));
      const l = new PlaneListener("shared", this.o.listen.control, merged, this.cfg("control").tcp_keepalive_in_secs * 1000, window);
      for (const plane of PLANES) serve(l, plane);
      for (const plane of PLANES) this.listeners.set(plane, l);
    }
    for (const plane of PLANES) {
      const applied = this.listeners.get(plane)!.receiveWindowApplied;
      for (const note of startupNotes(plane, this.cfg(plane), applied)) this.log(note.level, note.text);
    }
    const started = new Set<PlaneListener>();
    try {
      for (const l of new Set(this.listeners.values())) {
        await l.listen();
        started.add(l);
      }
    } catch (e) {
      for (const l of started) await l.close(0);
      throw e;
    }
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

  /** Remote "host:port" of every inbound connection on a plane's listener (tests, `status`). */
  inboundConnections(plane: Plane): string[] {
    return this.listeners.get(plane)?.remotes() ?? [];
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

  /** Whether this node's outgoing channel on `plane` to `peer` is connected. */
  isConnected(peer: NodeId, plane: Plane): boolean {
    return this.links.get(peer)?.up.get(plane) ?? false;
  }

  setPeers(peers: PeerAddress[]): void {
    this.known = new Set(peers.map((p) => p.id));
    const wanted = new Map(peers.filter((p) => p.id !== this.o.nodeId).map((p) => [p.id, p]));
    for (const [id, link] of this.links) {
      const want = wanted.get(id);
      if (!want || !sameAddress(want, link.addr)) this.dropLink(id, link);
    }
    for (const [id, addr] of wanted) if (!this.links.has(id)) this.links.set(id, this.createLink(addr));
  }

  private createLink(addr: PeerAddress): PeerLink {
    const creds = (plane: Plane) => new KeepAliveInsecureCredentials(this.cfg(plane).tcp_keepalive_in_secs * 1000);
    let control: ControlClient, data: DataClient, bulk: BulkClient;
    const channels = new Map<Plane, grpc.Channel>();
    if (this.isolated) {
      control = new ControlClientCtor(addr.control, creds("control"), channelOptions("control", this.cfg("control"), this.backoff, false));
      data = new DataClientCtor(addr.data, creds("data"), channelOptions("data", this.cfg("data"), this.backoff, false));
      bulk = new BulkClientCtor(addr.bulk, creds("bulk"), channelOptions("bulk", this.cfg("bulk"), this.backoff, true));
      channels.set("control", control.getChannel() as grpc.Channel);
      channels.set("data", data.getChannel() as grpc.Channel);
      channels.set("bulk", bulk.getChannel() as grpc.Channel);
    } else {
      const shared = { ...channelOptions("control", this.cfg("control"), this.backoff, false), ...sharedLimits(this.o.network) };
      control = new ControlClientCtor(addr.control, creds("control"), shared);
      const channelOverride = control.getChannel() as grpc.Channel;
      data = new DataClientCtor(addr.control, creds("control"), { channelOverride });
      bulk = new BulkClientCtor(addr.control, creds("control"), { channelOverride });
      channels.set("control", channelOverride);
    }
    const id = addr.id;
    const link: PeerLink = {
      addr,
      control,
      data,
      bulk,
      channels,
      up: new Map(),
      bulkCalls: new Set(),
      closed: false,
      pipeline: new DataPipeline({
        peer: id,
        window: this.o.dataWindow ?? 64,
        maxQueued: this.o.dataMaxQueued ?? 1024,
        requestTimeoutMs: this.cfg("data").request_timeout_in_ms,
        connectTimeoutMs: this.cfg("data").connect_timeout_in_ms,
        open: () => data.Append(this.metadata(link, "data"), {}),
        onBroken: (reason) => this.unreachable(id, "data", reason),
        observer: this.observer,
      }),
    };
    // Pre-warm every plane now (the guide's operational advice) and keep watching it.
    for (const [plane, ch] of channels) this.watch(link, plane, ch);
    return link;
  }

  /** Tracks a channel's state for the observer and reconnects it whenever it falls idle, so a
   *  plane is connected before the first message needs it. */
  private watch(link: PeerLink, plane: Plane, ch: grpc.Channel): void {
    const planes = this.isolated ? [plane] : PLANES;
    const step = () => {
      if (link.closed) return;
      const s = ch.getConnectivityState(true);
      if (s === grpc.connectivityState.SHUTDOWN) return;
      const up = s === grpc.connectivityState.READY;
      if ((link.up.get(plane) ?? false) !== up) {
        for (const p of planes) {
          link.up.set(p, up);
          this.observer.connection(p, link.addr.id, up);
          if (up) this.reachability.succeeded(link.addr.id, p);
        }
      }
      ch.watchConnectivityState(s, Date.now() + 3_600_000, step);
    };
    step();
  }

  /** First call on a channel without a connection waits for it (connect_timeout_in_ms is part of
   *  its deadline); once connected, calls fail fast while the peer is down. */
  private metadata(link: PeerLink, plane: Plane): grpc.Metadata {
    const ch = link.channels.get(this.isolated ? plane : "control")!;
    const s = ch.getConnectivityState(false);
    const waiting = s === grpc.connectivityState.IDLE || s === grpc.connectivityState.CONNECTING;
    return new grpc.Metadata({ waitForReady: waiting });
  }

  private deadline(link: PeerLink, plane: Plane, md: grpc.Metadata): number {
    const c = this.cfg(plane);
    return Date.now() + c.request_timeout_in_ms + (md.getOptions().waitForReady ? c.connect_timeout_in_ms : 0);
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
    for (const [to, ms] of control) this.sendControl(to, ms);
    for (const [to, ms] of data) this.sendData(to, ms);
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

  private envelope(ms: Message[], seq = 0): Buffer {
    return encodeEnvelope({ clusterId: this.o.clusterId, senderId: this.o.nodeId, messages: ms.map(toPb), seq });
  }

  private sendControl(to: NodeId, ms: Message[]): void {
    const link = this.linkFor(to);
    if (!link) return;
    const buf = this.envelope(ms);
    const md = this.metadata(link, "control");
    const t0 = performance.now();
    this.observer.bytes("control", to, "out", buf.length);
    link.control.Send(buf, md, { deadline: this.deadline(link, "control", md) }, (err) => {
      this.observer.rpc("control", to, "Send", (performance.now() - t0) / 1000, !err);
      if (link.closed) return;
      if (err) this.unreachable(to, "control", err.message);
      else this.reachability.succeeded(to, "control");
    });
  }

  sendProposals(to: NodeId, p: PeerProposals, undelivered?: () => void): void {
    const link = this.linkFor(to);
    if (!link) return undelivered?.();
    const { clusterId, nodeId } = this.o;
    link.pipeline.send((seq) => encodeEnvelope({ clusterId, senderId: nodeId, messages: [], seq, proposals: p.proposals, answers: p.answers }), undelivered);
    this.armSweeper();
  }

  private sendData(to: NodeId, ms: Message[]): void {
    const link = this.linkFor(to);
    if (!link) return;
    link.pipeline.send((seq) => this.envelope(ms, seq));
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
    try {
      const cfg = this.cfg("bulk");
      await pushSnapshot({
        clusterId: this.o.clusterId,
        nodeId: this.o.nodeId,
        peer: m.to,
        chunkBytes: Math.max(1024, Math.min(this.o.snapshotChunkBytes ?? 256 << 10, cfg.max_frame_size - CHUNK_OVERHEAD)),
        open: (cb) => {
          const md = this.metadata(link, "bulk");
          const call = link.bulk.InstallSnapshot(md, { deadline: this.deadline(link, "bulk", md) }, (err, ack) => {
            link.bulkCalls.delete(call);
            cb(err, ack);
          });
          link.bulkCalls.add(call);
          return call;
        },
        observer: this.observer,
      }, m, source, onProgress);
      ok = true;
    } catch (e) {
      this.log("warn", errorText(e), { peer: m.to, plane: "bulk" });
      throw e;
    } finally {
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
    link.closed = true;
    link.pipeline.close();
    for (const call of link.bulkCalls) call.cancel();
    link.control.close();
    link.data.close();
    link.bulk.close();
    for (const plane of PLANES) if (link.up.get(plane)) this.observer.connection(plane, id, false);
    this.reachability.forget(id);
    this.links.delete(id);
  }

  async close(): Promise<void> {
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

/** Isolation off: one channel must carry every plane's messages, so it takes the largest limits. */
function sharedLimits(n: NetworkSection): grpc.ChannelOptions {
  const max = Math.max(n.control.max_frame_size, n.data.max_frame_size, n.bulk.max_frame_size);
  return {
    "grpc.max_send_message_length": max,
    "grpc.max_receive_message_length": max,
    "grpc-node.flow_control_window": Math.max(n.control.connection_window_size, n.data.connection_window_size, n.bulk.connection_window_size),
  };
}

function mergedServerOptions(n: NetworkSection): grpc.ChannelOptions {
  return {
    ...serverOptions(n.control),
    ...sharedLimits(n),
    "grpc.max_concurrent_streams": Math.max(n.control.max_concurrent_streams, n.data.max_concurrent_streams, n.bulk.max_concurrent_streams),
  };
}
