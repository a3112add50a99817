// How each `[network.<plane>]` key reaches our HTTP/2 + gRPC layer, the largest message each plane
// takes, and the start-up lines that say so. docs/configuration.md carries the same table
// (src/config/mechanisms.ts).
import type { NetworkSection, PlaneConfig } from "../config/types.ts";
import type { ChannelOptions } from "../grpc/channel.ts";
import type { GrpcServerOptions } from "../grpc/server.ts";
import type { H2ClientOptions, H2ClientTls, H2ServerTls, H2Settings } from "../h2/types.ts";
import type { Plane } from "../raft/types.ts";

/** Reconnect backoff of every channel; each step is jittered by ±20 %. */
export interface ReconnectBackoff {
  initialMs: number;
  maxMs: number;
}
export const defaultBackoff: ReconnectBackoff = { initialMs: 100, maxMs: 2000 };

/** A member's reconnect backoff: attempts at most one heartbeat interval apart, so a peer that
 *  comes back (a healed partition, a restart) is dialled within one heartbeat interval plus
 *  one connect timeout, and hears the leader's next heartbeat. A longer cap (2 s before) left a
 *  healed member without a leader for up to the cap, and its election timer could fire first.
 *  etcd's rafthttp redials every 100 ms. An attempt costs a SYN (and its connect timeout). */
export function memberBackoff(heartbeatIntervalMs: number): ReconnectBackoff {
  return { initialMs: Math.min(100, heartbeatIntervalMs), maxMs: heartbeatIntervalMs };
}

/** HTTP/2's bounds on SETTINGS_MAX_FRAME_SIZE (RFC 9113 §6.5.2). */
export const MIN_FRAME = 16_384;
export const MAX_FRAME = 16_777_215;

const MiB = 1 << 20;
/** etcd's rafthttp reads at most 64 MiB per peer message; a data-plane message may be as large. */
const DATA_MESSAGE_FLOOR = 64 * MiB;
/** Room for protobuf framing around a data-plane payload (about 40 bytes per entry). */
const DATA_OVERHEAD = 1 * MiB;
/** Votes, heartbeats, TimeoutNow and ReadIndex are tens of bytes each; a turn's worth of them to
 *  one peer is split into envelopes of at most this (see envelopes.ts). */
const CONTROL_MESSAGE_BYTES = 1 * MiB;
/** Snapshot content per chunk is capped at this, whatever snapshotChunkBytes asks. */
export const MAX_SNAPSHOT_CHUNK = 4 * MiB;
/** A chunk's header fields (the Snap message with its membership, offsets, checksum). */
export const CHUNK_OVERHEAD = 64 * 1024;

/** The largest gRPC message a plane sends and accepts (after gzip on the bulk plane). Not
 *  max_frame_size any more: that is now the HTTP/2 frame size.
 *  - data: one App message carries at most raft.max_bytes_per_append of entries (or one larger
 *    entry of at most limits.max_request_bytes), a proposal batch at most limits.max_request_bytes;
 *    config validation keeps both ≤ network.data.max_frame_size, so that value plus framing bounds
 *    every legitimate message, and never below etcd's 64 MiB;
 *  - control: CONTROL_MESSAGE_BYTES; bulk: one chunk and its header. */
export function messageLimit(plane: Plane, n: NetworkSection): number {
  if (plane === "control") return CONTROL_MESSAGE_BYTES;
  if (plane === "bulk") return MAX_SNAPSHOT_CHUNK + CHUNK_OVERHEAD;
  return Math.max(DATA_MESSAGE_FLOOR, n.data.max_frame_size + DATA_OVERHEAD);
}

/** max_frame_size as HTTP/2 can carry it. Below 16,384 is refused (config validation refuses it
 *  first); above 16,777,215 (the guide's 32 MiB rows) is clamped, and startupNotes says so. */
export function frameSize(plane: Plane, cfg: PlaneConfig): number {
  if (!Number.isInteger(cfg.max_frame_size) || cfg.max_frame_size < MIN_FRAME) {
    throw new Error(`[network.${plane}] max_frame_size = ${cfg.max_frame_size}: expected an integer of at least ${MIN_FRAME} (HTTP/2's smallest SETTINGS_MAX_FRAME_SIZE)`);
  }
  return Math.min(cfg.max_frame_size, MAX_FRAME);
}

/** The HTTP/2 side of a plane: the same on the listener and on this node's channels, so both
 *  directions of a connection run with the plane's frame size and windows. */
function h2Of(plane: Plane, cfg: PlaneConfig): { settings: Partial<H2Settings>; connectionWindowSize: number; keepaliveIntervalMs: number; keepaliveTimeoutMs: number } {
  return {
    settings: {
      maxConcurrentStreams: cfg.max_concurrent_streams,
      initialWindowSize: cfg.connection_window_size,
      maxFrameSize: frameSize(plane, cfg),
    },
    connectionWindowSize: cfg.connection_window_size,
    keepaliveIntervalMs: cfg.http2_keep_alive_interval_in_secs * 1000,
    keepaliveTimeoutMs: cfg.http2_keep_alive_timeout_in_secs * 1000,
  };
}

/** Isolation off: one port and one connection carry every plane, with the largest of each value. */
export function mergedPlane(n: NetworkSection): PlaneConfig {
  const planes = [n.control, n.data, n.bulk];
  const max = (k: keyof PlaneConfig) => Math.max(...planes.map((p) => p[k]));
  return {
    ...n.control,
    concurrency_limit: max("concurrency_limit"),
    max_concurrent_streams: max("max_concurrent_streams"),
    connection_window_size: max("connection_window_size"),
    max_frame_size: Math.min(max("max_frame_size"), MAX_FRAME),
  };
}

/** `tls`: mutual TLS on the plane (`[tls.peer]`); absent: plaintext. */
export function listenerOptions(plane: Plane, cfg: PlaneConfig, maxMessageBytes: number, tls?: H2ServerTls): GrpcServerOptions {
  return { maxReceiveMessageBytes: maxMessageBytes, h2: { ...h2Of(plane, cfg), ...(tls ? { tls } : {}) } };
}

/** The least time a peer gets for the TLS handshake and its SETTINGS once TCP connected. */
const HANDSHAKE_FLOOR_MS = 2000;

export function channelOptions(
  plane: Plane,
  cfg: PlaneConfig,
  target: { host: string; port: number },
  backoff: ReconnectBackoff,
  onState: ChannelOptions["onState"],
  tls?: H2ClientTls,
): ChannelOptions {
  // connect_timeout_in_ms bounds the TCP connect, so a dial into a cut network fails fast and is
  // retried (at most a heartbeat interval later) instead of waiting out the kernel's SYN
  // retries (1 s, 3 s, ...); the handshake past it waits for the peer's runtime, which a busy
  // event loop can hold longer than that.
  const h2: Omit<H2ClientOptions, "host" | "port"> = {
    ...h2Of(plane, cfg),
    connectTimeoutMs: cfg.connect_timeout_in_ms,
    handshakeTimeoutMs: Math.max(HANDSHAKE_FLOOR_MS, cfg.connect_timeout_in_ms),
    ...(tls ? { tls } : {}),
  };
  return { ...target, h2, backoff, tcpKeepAliveMs: cfg.tcp_keepalive_in_secs * 1000, onState };
}

/** Start-up lines saying how each key that is more than a number on the wire was applied: at
 *  debug level (nine lines at every start that an operator rarely needs), but a clamped value
 *  warns. */
export function startupNotes(plane: Plane, cfg: PlaneConfig, maxMessageBytes: number): { level: "debug" | "warn"; text: string }[] {
  const frame = frameSize(plane, cfg);
  const clamped = frame !== cfg.max_frame_size;
  return [
    {
      level: clamped ? "warn" : "debug",
      text: `[network.${plane}] max_frame_size = ${cfg.max_frame_size}: ` +
        (clamped ? `above HTTP/2's largest frame, so SETTINGS_MAX_FRAME_SIZE = ${frame} is advertised` : `advertised as SETTINGS_MAX_FRAME_SIZE`) +
        ` by this plane's listener and channels; the largest ${plane} message is ${maxMessageBytes} bytes, independent of the frame size`,
    },
    {
      level: "debug",
      text: `[network.${plane}] connection_window_size = ${cfg.connection_window_size}: advertised as SETTINGS_INITIAL_WINDOW_SIZE ` +
        `and opened as the connection window by this plane's listener and channels`,
    },
    {
      level: "debug",
      text: `[network.${plane}] tcp_keepalive_in_secs = ${cfg.tcp_keepalive_in_secs}: SO_KEEPALIVE on this plane's outgoing ` +
        `sockets and on accepted ones (from their first call); http2_keep_alive_interval_in_secs = ` +
        `${cfg.http2_keep_alive_interval_in_secs} / _timeout_in_secs = ${cfg.http2_keep_alive_timeout_in_secs}: PING after that much ` +
        `silence from the peer, both ways, and the connection dropped when no ACK comes in time`,
    },
  ];
}
