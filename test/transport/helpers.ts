// Shared fixtures for the transport tests: a network section, a recording node, bounded polling.
import { createHash } from "node:crypto";
import * as net from "node:net";
import type { NetworkSection, PlaneConfig } from "../../src/config/types.ts";
import { type Message, MessageType, type NodeId, type Plane } from "../../src/raft/types.ts";
import { PeerTransport, type PeerTransportOptions } from "../../src/transport/peer-transport.ts";
import type { PeerAddress, RefusalReason, SnapshotSink, TransportHandlers, TransportObserver } from "../../src/transport/types.ts";

export function plane(over: Partial<PlaneConfig> = {}): PlaneConfig {
  return {
    concurrency_limit: 64,
    max_concurrent_streams: 128,
    connection_window_size: 4 << 20,
    request_timeout_in_ms: 2000,
    connect_timeout_in_ms: 1000,
    tcp_keepalive_in_secs: 60,
    http2_keep_alive_interval_in_secs: 60,
    http2_keep_alive_timeout_in_secs: 20,
    max_frame_size: 16_777_215,
    ...over,
  };
}

export function network(over: Partial<{ isolation: boolean; control: Partial<PlaneConfig>; data: Partial<PlaneConfig>; bulk: Partial<PlaneConfig> }> = {}): NetworkSection {
  return {
    isolation: over.isolation ?? true,
    control: plane(over.control),
    data: plane(over.data),
    bulk: plane({ concurrency_limit: 4, request_timeout_in_ms: 60_000, ...over.bulk }),
  };
}

/** Ports are handed out from a per-file block inside the transport range 21000–21999. */
export function portAllocator(base: number, size = 100): () => number {
  let next = base;
  return () => {
    if (next >= base + size) throw new Error(`test port block ${base}+${size} exhausted`);
    return next++;
  };
}

export function addressOf(id: NodeId, port: () => number): PeerAddress {
  return { id, control: `127.0.0.1:${port()}`, data: `127.0.0.1:${port()}`, bulk: `127.0.0.1:${port()}` };
}

export interface MemorySink extends SnapshotSink {
  bytes: number;
  /** SHA-256 of everything written, computed by the test, independent of the transport's check. */
  sha256(): string;
  chunks: Uint8Array[];
  keep: boolean;
  state: "open" | "committed" | "aborted";
  reason?: string;
  meta: Message;
}

/** A node's handlers that record everything they are told. */
export class Recorder implements TransportHandlers {
  messages: Message[] = [];
  unreachable: NodeId[] = [];
  sinks: MemorySink[] = [];
  received: Message[] = [];
  /** Keep snapshot bytes in memory (small tests) or only count them (the 64 MiB test). */
  keepBytes = true;
  /** Lets a test hold a transfer open at its start. */
  gate: Promise<void> | undefined;

  onMessage(m: Message): void {
    this.messages.push(m);
  }
  async openSnapshotSink(m: Message): Promise<SnapshotSink> {
    const hash = createHash("sha256");
    const sink: MemorySink = {
      bytes: 0,
      sha256: () => hash.copy().digest("hex"),
      chunks: [],
      keep: this.keepBytes,
      state: "open",
      meta: m,
      async write(c) {
        sink.bytes += c.length;
        hash.update(c);
        if (sink.keep) sink.chunks.push(Uint8Array.from(c));
      },
      async commit() {
        sink.state = "committed";
      },
      async abort(reason) {
        sink.state = "aborted";
        sink.reason = reason;
      },
    };
    this.sinks.push(sink);
    if (this.gate) await this.gate;
    return sink;
  }
  onSnapshotReceived(m: Message): void {
    this.received.push(m);
  }
  onUnreachable(peer: NodeId): void {
    this.unreachable.push(peer);
  }
}

/** Records the server side of the observer: messages delivered and calls refused, per plane. */
export class ServerSideObserver implements TransportObserver {
  readonly delivered: Record<Plane, number> = { control: 0, data: 0, bulk: 0 };
  readonly refusals: string[] = [];
  rpc() {}
  bytes() {}
  connection() {}
  received(plane: Plane, _peer: NodeId, n: number) {
    this.delivered[plane] += n;
  }
  refused(plane: Plane, reason: RefusalReason) {
    this.refusals.push(`${plane}/${reason}`);
  }
  count(entry: string): number {
    return this.refusals.filter((r) => r === entry).length;
  }
}

export interface TestNode {
  id: NodeId;
  addr: PeerAddress;
  rec: Recorder;
  t: PeerTransport;
}

export async function startNode(
  id: NodeId,
  addr: PeerAddress,
  opts: Partial<PeerTransportOptions> & { clusterId?: number } = {},
): Promise<TestNode> {
  const rec = new Recorder();
  const t = new PeerTransport({
    clusterId: opts.clusterId ?? 7,
    nodeId: id,
    listen: { control: addr.control, data: addr.data, bulk: addr.bulk },
    network: opts.network ?? network(),
    handlers: opts.handlers ?? rec,
    backoff: opts.backoff ?? { initialMs: 50, maxMs: 300 },
    shutdownTimeoutMs: opts.shutdownTimeoutMs ?? 500,
    ...opts,
  });
  await t.start();
  return { id, addr, rec, t };
}

export function msg(type: MessageType, from: NodeId, to: NodeId, over: Partial<Message> = {}): Message {
  return {
    type,
    from,
    to,
    term: 3,
    logTerm: 2,
    index: 10,
    entries: [],
    commit: 9,
    reject: false,
    rejectHint: 0,
    rejectHintTerm: 0,
    context: 0,
    ...over,
  };
}

/** Polls `cond` every 5 ms until it holds or `ms` pass; throws naming what was awaited. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A TCP relay that counts the bytes it forwards toward `target`: what really crossed the wire. */
export class CountingProxy {
  bytesToTarget = 0;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  constructor(readonly listenPort: number, targetPort: number) {
    this.server = net.createServer((inbound) => {
      const outbound = net.connect(targetPort, "127.0.0.1");
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => {
          this.sockets.delete(s);
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.on("data", (d: Buffer) => {
        this.bytesToTarget += d.length;
      });
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
  }
  listen(): Promise<void> {
    return new Promise((r) => this.server.listen(this.listenPort, "127.0.0.1", () => r()));
  }
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}
