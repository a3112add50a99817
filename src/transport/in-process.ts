// A transport with the PeerTransport's shape that moves messages between nodes of one process:
// for node-level tests and the simulator. Delivery is asynchronous (never re-entrant into the
// sender), ordered per sender→receiver pair, and subject to the same admission rules (cluster id,
// known sender). Links can be cut to model partitions; a cut or stopped peer is reported through
// onUnreachable, as the gRPC transport does.
import { type Message, type NodeId, planeOf } from "../raft/types.ts";
import type { PeerAddress, PeerLeases, PeerProposals, ProgressFn, SnapshotSource, Transport, TransportHandlers, TransportIdentity } from "./types.ts";

export class InProcessNetwork {
  private readonly nodes = new Map<NodeId, InProcessTransport>();
  private readonly cut = new Set<string>();

  /** Creates a node's transport on this network. */
  transport(opts: TransportIdentity): InProcessTransport {
    return new InProcessTransport(this, opts.clusterId, opts.nodeId, opts.handlers);
  }

  /** Drop everything between `a` and `b` (both directions) until `heal`. */
  partition(a: NodeId, b: NodeId): void {
    this.cut.add(`${a}-${b}`).add(`${b}-${a}`);
  }

  heal(a: NodeId, b: NodeId): void {
    this.cut.delete(`${a}-${b}`);
    this.cut.delete(`${b}-${a}`);
  }

  /** @internal */
  register(t: InProcessTransport): void {
    this.nodes.set(t.nodeId, t);
  }

  /** @internal */
  unregister(t: InProcessTransport): void {
    if (this.nodes.get(t.nodeId) === t) this.nodes.delete(t.nodeId);
  }

  /** @internal The receiving transport, or why it cannot be reached. */
  route(from: NodeId, to: NodeId): InProcessTransport | string {
    if (this.cut.has(`${from}-${to}`)) return `link ${from}->${to} is partitioned`;
    return this.nodes.get(to) ?? `peer ${to} is not running`;
  }
}

export class InProcessTransport implements Transport {
  private known = new Set<NodeId>();
  private running = false;

  constructor(
    private readonly net: InProcessNetwork,
    readonly clusterId: number,
    readonly nodeId: NodeId,
    private readonly handlers: TransportHandlers,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    this.net.register(this);
  }

  setPeers(peers: PeerAddress[]): void {
    this.known = new Set(peers.map((p) => p.id));
  }

  /** Why the receiver refuses a sender, or undefined when it is admitted. */
  private refusal(clusterId: number, from: NodeId): string | undefined {
    if (clusterId !== this.clusterId) {
      return `sender ${from} belongs to cluster ${clusterId}, but node ${this.nodeId} is in cluster ${this.clusterId}`;
    }
    if (!this.known.has(from)) return `sender ${from} is not a member of cluster ${this.clusterId} known to node ${this.nodeId}`;
    return undefined;
  }

  send(messages: Message[]): void {
    if (!this.running) return;
    for (const m of messages) {
      if (planeOf(m.type) === "bulk") continue; // snapshots go through sendSnapshot
      const dest = this.net.route(this.nodeId, m.to);
      const copy = structuredClone(m); // the receiver must not share the sender's objects
      setImmediate(() => {
        if (!this.running) return;
        if (typeof dest === "string" || !dest.running || dest.refusal(this.clusterId, this.nodeId)) {
          this.handlers.onUnreachable(m.to);
          return;
        }
        dest.handlers.onMessage(copy);
      });
    }
  }

  sendProposals(to: NodeId, p: PeerProposals, undelivered?: () => void): void {
    this.sendData(to, structuredClone(p), (dest, copy) => dest.handlers.onProposals?.(this.nodeId, copy), undelivered);
  }

  sendLeases(to: NodeId, l: PeerLeases, undelivered?: () => void): void {
    this.sendData(to, structuredClone(l), (dest, copy) => dest.handlers.onLeases?.(this.nodeId, copy), undelivered);
  }

  /** A data-plane payload other than Raft messages: delivered later, or reported undelivered. */
  private sendData<T>(to: NodeId, copy: T, deliver: (dest: InProcessTransport, copy: T) => void, undelivered?: () => void): void {
    if (!this.running) return undelivered?.();
    const dest = this.net.route(this.nodeId, to);
    setImmediate(() => {
      if (!this.running) return;
      if (typeof dest === "string" || !dest.running || dest.refusal(this.clusterId, this.nodeId)) {
        this.handlers.onUnreachable(to);
        undelivered?.();
        return;
      }
      deliver(dest, copy);
    });
  }

  isConnected(peer: NodeId): boolean {
    return this.running && this.known.has(peer) && this.net.route(this.nodeId, peer) instanceof InProcessTransport;
  }

  async sendSnapshot(m: Message, source: SnapshotSource, onProgress?: ProgressFn): Promise<void> {
    const dest = this.net.route(this.nodeId, m.to);
    if (typeof dest === "string") throw new Error(`snapshot to peer ${m.to} failed: ${dest}`);
    const refused = dest.refusal(this.clusterId, this.nodeId);
    if (refused) throw new Error(`snapshot to peer ${m.to} failed: ${refused}`);
    const header = structuredClone(m);
    const sink = await dest.handlers.openSnapshotSink(header);
    let offset = 0;
    try {
      for await (const chunk of source.chunks()) {
        if (!dest.running || typeof this.net.route(this.nodeId, m.to) === "string") {
          throw new Error(`snapshot to peer ${m.to} failed: the peer went away after ${offset} bytes`);
        }
        await sink.write(Uint8Array.from(chunk));
        offset += chunk.length;
        onProgress?.(offset, source.totalBytes);
      }
      if (offset !== source.totalBytes) {
        throw new Error(`snapshot to peer ${m.to}: source yielded ${offset} bytes, declared ${source.totalBytes}`);
      }
    } catch (e) {
      await sink.abort(e instanceof Error ? e.message : String(e));
      throw e;
    }
    await sink.commit();
    dest.handlers.onSnapshotReceived(header);
  }

  async close(): Promise<void> {
    this.running = false;
    this.net.unregister(this);
  }
}
