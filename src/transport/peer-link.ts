// Everything this node keeps for one peer: a channel per plane (one HTTP/2 connection each, or
// one shared when isolation is off), their state for the observer and the reachability log, the
// control and data streams, and the snapshot pushes in flight (cancelled when the link goes).
import type { NetworkSection, PlaneConfig } from "../config/types.ts";
import { type ChannelState, GrpcChannel } from "../grpc/channel.ts";
import { type CallStatus, ClientCall, type ClientCallOptions } from "../grpc/client-call.ts";
import type { H2ClientTls } from "../h2/types.ts";
import type { NodeId, Plane } from "../raft/types.ts";
import type { PbAck } from "./codec.ts";
import { StreamPipeline } from "./stream-pipeline.ts";
import { splitHostPort } from "./listener.ts";
import { channelOptions, mergedPlane, type ReconnectBackoff } from "./options.ts";
import type { ReachabilityLog } from "./reachability.ts";
import { BULK_INSTALL, CONTROL_SEND, CONTROL_STREAM, DATA_APPEND, decodeAck } from "./services.ts";
import { GrpcStatus } from "../grpc/status.ts";
import type { PeerAddress, TransportObserver } from "./types.ts";

export const PLANES: readonly Plane[] = ["control", "data", "bulk"];
/** Acks carry a sequence number (and at most a short error text). */
const MAX_ACK_BYTES = 64 * 1024;

export interface LinkDeps {
  network: NetworkSection;
  backoff: ReconnectBackoff;
  observer: TransportObserver;
  reachability: ReachabilityLog;
  dataWindow: number;
  dataMaxQueued: number;
  /** A call or stream to the peer failed on a plane. */
  unreachable(peer: NodeId, plane: Plane, reason: string): void;
  /** Mutual TLS on every plane's channel (`[tls.peer]`); absent: plaintext. */
  tls?: H2ClientTls;
}

export class PeerLink {
  readonly id: NodeId;
  /** Distinct channels: one per plane, or only "control" when isolation is off. */
  private readonly channels = new Map<Plane, GrpcChannel>();
  private readonly up = new Map<Plane, boolean>();
  readonly pipeline: StreamPipeline;
  /** Votes, heartbeats and the other control messages: a long-lived stream like the data plane's
   *  (a heartbeat is then one DATA frame each way, not a call with three header blocks). */
  readonly control: StreamPipeline;
  /** The peer does not serve the control stream (an older member): control messages go as one
   *  unary call each, as that member expects. */
  controlUnary = false;
  /** Snapshot pushes in progress: cancelled when the link goes (closing a channel lets them run). */
  readonly bulkCalls = new Set<ClientCall<PbAck>>();
  closed = false;

  constructor(readonly addr: PeerAddress, private readonly d: LinkDeps) {
    this.id = addr.id;
    const isolated = d.network.isolation;
    const open = (plane: Plane, cfg: PlaneConfig, address: string, planes: readonly Plane[]) => {
      const target = splitHostPort(address, `peer ${addr.id} ${plane}`);
      // Pre-warmed (the guide's operational advice): the channel dials now and redials whenever
      // its connection is lost, so a plane is connected before the first message needs it.
      const ch = new GrpcChannel(channelOptions(plane, cfg, target, d.backoff, (s) => this.onState(planes, s), d.tls));
      this.channels.set(plane, ch);
      ch.connect();
    };
    if (isolated) for (const p of PLANES) open(p, d.network[p], addr[p], [p]);
    else open("control", mergedPlane(d.network), addr.control, PLANES);
    const dataCfg = d.network.data;
    const controlCfg = d.network.control;
    this.control = new StreamPipeline({
      peer: addr.id,
      plane: "control",
      method: "Stream",
      window: d.dataWindow,
      maxQueued: d.dataMaxQueued,
      requestTimeoutMs: controlCfg.request_timeout_in_ms,
      connectTimeoutMs: controlCfg.connect_timeout_in_ms,
      open: () => new ClientCall(this.channel("control"), CONTROL_STREAM, decodeAck, this.callOptions("control", false)),
      onBroken: (reason, code) => {
        if (code === GrpcStatus.UNIMPLEMENTED) this.controlUnary = true;
        d.unreachable(addr.id, "control", reason);
      },
      onStuck: (reason) => this.channel("control").reconnect(reason),
      observer: d.observer,
    });
    this.pipeline = new StreamPipeline({
      peer: addr.id,
      plane: "data",
      method: "Append",
      window: d.dataWindow,
      maxQueued: d.dataMaxQueued,
      requestTimeoutMs: dataCfg.request_timeout_in_ms,
      connectTimeoutMs: dataCfg.connect_timeout_in_ms,
      open: () => this.openData(),
      onBroken: (reason) => d.unreachable(addr.id, "data", reason),
      onStuck: (reason) => this.channel("data").reconnect(reason),
      observer: d.observer,
    });
  }

  private channel(plane: Plane): GrpcChannel {
    return this.channels.get(this.d.network.isolation ? plane : "control")!;
  }

  private onState(planes: readonly Plane[], s: ChannelState): void {
    if (this.closed) return;
    const up = s === "ready";
    for (const p of planes) {
      if ((this.up.get(p) ?? false) === up) continue;
      this.up.set(p, up);
      this.d.observer.connection(p, this.id, up);
      if (up) this.d.reachability.succeeded(this.id, p);
    }
  }

  isConnected(plane: Plane): boolean {
    return this.up.get(plane) ?? false;
  }

  /** A call made while the plane's channel is still connecting waits for it, with
   *  connect_timeout_in_ms added to its deadline; once known down, calls fail fast. */
  private callOptions(plane: Plane, withDeadline: boolean): ClientCallOptions {
    const c = this.d.network[plane];
    const s = this.channel(plane).state;
    const waitForReady = s === "idle" || s === "connecting";
    const budget = Date.now() + c.request_timeout_in_ms + (waitForReady ? c.connect_timeout_in_ms : 0);
    return {
      waitForReady,
      ...(withDeadline ? { deadline: budget } : { readyDeadline: budget }),
      maxReceiveMessageBytes: MAX_ACK_BYTES,
    };
  }

  /** One control-plane call; `done` gets its final status. */
  sendControl(envelope: Uint8Array, done: (s: CallStatus) => void): void {
    const call = new ClientCall(this.channel("control"), CONTROL_SEND, decodeAck, this.callOptions("control", true));
    call.onStatus = done;
    call.write(envelope);
    call.end();
  }

  /** The data plane's long-lived stream: no deadline (the pipeline times out its batches). */
  private openData(): ClientCall<PbAck> {
    return new ClientCall(this.channel("data"), DATA_APPEND, decodeAck, this.callOptions("data", false));
  }

  /** An InstallSnapshot call, gzip-compressed, tracked until it ends. */
  openBulk(): ClientCall<PbAck> {
    const call = new ClientCall(this.channel("bulk"), BULK_INSTALL, decodeAck, { ...this.callOptions("bulk", true), compress: true });
    this.bulkCalls.add(call);
    return call;
  }

  close(): void {
    this.closed = true;
    this.control.close();
    this.pipeline.close();
    for (const call of this.bulkCalls) call.cancel(`peer ${this.id} left this node's peer list`);
    this.bulkCalls.clear();
    for (const ch of this.channels.values()) ch.close();
    for (const p of PLANES) if (this.up.get(p)) this.d.observer.connection(p, this.id, false);
  }
}
