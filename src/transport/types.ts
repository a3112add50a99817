// The transport's contract with the node shell: where peers listen, what arrives, what is observed.
// Both the gRPC transport (peer-transport.ts) and the in-process one (in-process.ts) implement it.
import type { Message, NodeId, Plane } from "../raft/types.ts";

/** A peer's three listening addresses, each "host:port". With isolation off only `control` is used. */
export interface PeerAddress {
  id: NodeId;
  control: string;
  data: string;
  bulk: string;
}

/** Where a received snapshot's bytes go. `commit()` only after the checksum is verified. */
export interface SnapshotSink {
  write(chunk: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  abort(reason: string): Promise<void>;
}

export interface TransportHandlers {
  /** Every control and data message received, in arrival order per peer and plane. */
  onMessage(m: Message): void;
  /** A Snap transfer starts; `m.snapshot` names the snapshot. */
  openSnapshotSink(m: Message): Promise<SnapshotSink>;
  /** The snapshot's checksum was verified and its sink committed. */
  onSnapshotReceived(m: Message): void;
  /** Forwarded client writes or their answers arrived on the data plane (absent: dropped). */
  onProposals?(from: NodeId, p: PeerProposals): void;
  /** Lease questions for the leader's lessor or its answers arrived on the data plane (absent: dropped). */
  onLeases?(from: NodeId, l: PeerLeases): void;
  /** A send failed or a stream broke: the core should go back to probing this peer. */
  onUnreachable(peer: NodeId): void;
}

/** A follower's client writes for the leader to propose, as encoded entries (etcd's MsgProp). */
export interface ForwardedProposal {
  id: number;
  requests: Uint8Array[];
}

/** The leader's answer: accepted at firstIndex.. in term, or refused (errorCode != 0). */
export interface ProposalAnswer {
  id: number;
  firstIndex: number;
  term: number;
  errorCode: number;
  errorMessage: string;
}

export interface PeerProposals {
  proposals: ForwardedProposal[];
  answers: ProposalAnswer[];
}

/** A follower's question for the leader's lessor, which alone holds lease deadlines: renew (a
 *  keep-alive) or only read the remaining TTL. Both are idempotent: asking twice is harmless. */
export interface LeaseQuery {
  id: number;
  leaseId: number;
  renew: boolean;
}

/** The leader's answer: renew gives the granted TTL (0: unknown or expired), a read the seconds
 *  left (-1: unknown); or refused (errorCode != 0: the gRPC status and message the client gets). */
export interface LeaseAnswer {
  id: number;
  ttl: number;
  errorCode: number;
  errorMessage: string;
}

export interface PeerLeases {
  queries: LeaseQuery[];
  answers: LeaseAnswer[];
}

/** Why the server side of a plane turned incoming traffic away. */
export type RefusalReason = "foreign_cluster" | "unknown_sender" | "concurrency_limit" | "bad_snapshot";

/** Plugged in by the metrics part; the transport itself depends on no metrics library.
 *  `rpc`, `bytes` out and `connection` are the client side (this node calling a peer);
 *  `received`, `bytes` in and `refused` are the server side (a peer calling this node). */
export interface TransportObserver {
  rpc(plane: Plane, peer: NodeId, method: string, seconds: number, ok: boolean): void;
  bytes(plane: Plane, peer: NodeId, direction: "in" | "out", n: number): void;
  connection(plane: Plane, peer: NodeId, up: boolean): void;
  /** Messages (or snapshot chunks) a peer delivered to this node on a plane. */
  received(plane: Plane, peer: NodeId, messages: number): void;
  /** A call refused on this node's side; the sender's id is not a label (a stranger picks it). */
  refused(plane: Plane, reason: RefusalReason): void;
}

export type { LogFn, LogLevel } from "../log/log.ts";

/** The bytes of a snapshot to push: streamed, never held in memory whole by the transport. */
export interface SnapshotSource {
  totalBytes: number;
  chunks: () => AsyncIterable<Uint8Array>;
}

export type ProgressFn = (sent: number, total: number) => void;

/** Who a transport carries messages for, and where it hands what arrives. */
export interface TransportIdentity {
  clusterId: number;
  nodeId: NodeId;
  handlers: TransportHandlers;
}

/** What the node needs from any transport. */
export interface Transport {
  start(): Promise<void>;
  setPeers(peers: PeerAddress[]): void;
  send(messages: Message[]): void;
  /** Forwarded writes or answers to one peer, on the data plane in order with its appends.
   *  `undelivered`: called if they were dropped and certainly never reached the peer. */
  sendProposals(to: NodeId, p: PeerProposals, undelivered?: () => void): void;
  /** Lease questions or answers to one peer, on the data plane; `undelivered` as for proposals. */
  sendLeases(to: NodeId, l: PeerLeases, undelivered?: () => void): void;
  sendSnapshot(m: Message, source: SnapshotSource, onProgress?: ProgressFn): Promise<void>;
  /** A link to the peer on the plane is up now (etcd adds a voter only when its peers reach it). */
  isConnected(peer: NodeId, plane: Plane): boolean;
  close(): Promise<void>;
}

export const noopObserver: TransportObserver = {
  rpc() {},
  bytes() {},
  connection() {},
  received() {},
  refused() {},
};
