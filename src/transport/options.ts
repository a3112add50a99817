// How each `[network.<plane>]` key reaches grpc-js, and what is reported at start-up where grpc-js
// cannot honour a key as such (never silently). docs/configuration.md carries the same table.
import type { ChannelOptions } from "@grpc/grpc-js";
import type { PlaneConfig } from "../config/types.ts";
import type { Plane } from "../raft/types.ts";

/** grpc-js compression algorithm ids (`grpc.default_compression_algorithm`). */
const GZIP = 2;

/** Reconnect backoff of every channel; grpc-js adds ±20 % jitter to each step. */
export interface ReconnectBackoff {
  initialMs: number;
  maxMs: number;
}
export const defaultBackoff: ReconnectBackoff = { initialMs: 100, maxMs: 2000 };

/** A channel that sees no call for this long goes idle and drops its connection; the planes are
 *  pre-warmed on purpose, so keep them open (the heartbeats keep control busy anyway). */
const CLIENT_IDLE_MS = 24 * 3600 * 1000;

export function serverOptions(cfg: PlaneConfig): ChannelOptions {
  return {
    "grpc.max_concurrent_streams": cfg.max_concurrent_streams,
    "grpc.max_receive_message_length": cfg.max_frame_size,
    "grpc.max_send_message_length": cfg.max_frame_size,
    "grpc.keepalive_time_ms": cfg.http2_keep_alive_interval_in_secs * 1000,
    "grpc.keepalive_timeout_ms": cfg.http2_keep_alive_timeout_in_secs * 1000,
  };
}

export function channelOptions(plane: Plane, cfg: PlaneConfig, backoff: ReconnectBackoff, compress: boolean): ChannelOptions {
  const o: ChannelOptions = {
    // Each channel gets its own subchannel pool, so two channels to the same host:port (isolation
    // off aside) never share an HTTP/2 connection; the plane name makes the options distinct too.
    "grpc.use_local_subchannel_pool": 1,
    "trireme.plane": plane,
    "grpc-node.flow_control_window": cfg.connection_window_size,
    "grpc.keepalive_time_ms": cfg.http2_keep_alive_interval_in_secs * 1000,
    "grpc.keepalive_timeout_ms": cfg.http2_keep_alive_timeout_in_secs * 1000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.initial_reconnect_backoff_ms": backoff.initialMs,
    "grpc.max_reconnect_backoff_ms": backoff.maxMs,
    "grpc.max_send_message_length": cfg.max_frame_size,
    "grpc.max_receive_message_length": cfg.max_frame_size,
    "grpc.client_idle_timeout_ms": CLIENT_IDLE_MS,
    "grpc.enable_retries": 0,
  };
  if (compress) o["grpc.default_compression_algorithm"] = GZIP;
  return o;
}

/** Start-up lines saying how keys that grpc-js cannot take literally were applied. */
export function startupNotes(plane: Plane, cfg: PlaneConfig, serverWindowApplied: boolean): { level: "info" | "warn"; text: string }[] {
  const lines = [
    `[network.${plane}] max_frame_size = ${cfg.max_frame_size}: grpc-js cannot set the HTTP/2 ` +
    `SETTINGS_MAX_FRAME_SIZE (frames stay 16384 bytes); applied as the largest gRPC message this ` +
    `plane sends and receives (grpc.max_send_message_length / grpc.max_receive_message_length)`,
    serverWindowApplied
      ? `[network.${plane}] connection_window_size = ${cfg.connection_window_size}: applied to this node's ` +
        `outgoing ${plane} connections (grpc-node.flow_control_window) and to its ${plane} listener (stream and ` +
        `connection receive window, through a hook on grpc-js's HTTP/2 server: grpc-js has no option for it)`
      : `[network.${plane}] connection_window_size = ${cfg.connection_window_size}: applied to this node's ` +
        `outgoing ${plane} connections only (grpc-node.flow_control_window); this grpc-js offers no way to set a ` +
        `server's receive window, so this node's ${plane} listener advertises the HTTP/2 default (65535)`,
    `[network.${plane}] tcp_keepalive_in_secs = ${cfg.tcp_keepalive_in_secs}: applied with ` +
    `socket.setKeepAlive on both ends (grpc-js has no option for it)`,
  ];
  return lines.map((text, i) => ({ level: i === 1 && !serverWindowApplied ? "warn" : "info", text }));
}
