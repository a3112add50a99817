// How each [network.*] key takes effect in the transport (our own HTTP/2 + gRPC layer, src/h2 and
// src/grpc). The transport owns this column: it states the mechanism it implements (an HTTP/2
// setting, a socket option, a limit in its handlers), and docs/configuration.md is regenerated.
import type { PlaneConfig } from "./types.ts";

export const NETWORK_KEY_MECHANISMS: Readonly<Record<keyof PlaneConfig, string>> = {
  concurrency_limit:
    "A counter in the plane's server handlers (src/transport/receiver.ts): a call beyond the limit is answered " +
    "`RESOURCE_EXHAUSTED` naming the plane and the limit; a data stream or snapshot transfer holds its slot while open. " +
    "On the bulk plane it also caps this node's outgoing snapshot transfers (extra ones wait their turn).",
  max_concurrent_streams:
    "HTTP/2 `SETTINGS_MAX_CONCURRENT_STREAMS` in the SETTINGS frame of the plane's listener (streams beyond it are " +
    "refused with `REFUSED_STREAM`) and of this node's channels. Read back from the wire in test/transport/options.test.ts.",
  connection_window_size:
    "HTTP/2 `SETTINGS_INITIAL_WINDOW_SIZE` (each stream's receive window) and the connection's receive window (a " +
    "`WINDOW_UPDATE` on stream 0 right after SETTINGS), on the plane's listener and on this node's channels, so both " +
    "directions of a connection run with it. Read back from the wire in test/transport/options.test.ts.",
  request_timeout_in_ms:
    "Deadline of each control call and of each whole snapshot transfer; on the data stream, how long a batch may stay " +
    "unacknowledged before the stream is torn down and the peer reported unreachable.",
  connect_timeout_in_ms:
    "Added to the deadline of calls made while the plane's channel is still connecting; those calls wait for the " +
    "connection (wait-for-ready). Once the peer is known down, calls fail fast with `UNAVAILABLE`.",
  tcp_keepalive_in_secs:
    "`SO_KEEPALIVE` with this idle time on both ends: on this node's outgoing sockets when they connect, on accepted " +
    "sockets at their connection's first call. Checked with `ss` in test/transport/options.test.ts.",
  http2_keep_alive_interval_in_secs:
    "HTTP/2 `PING` after this much silence from the peer, sent by the plane's listener and by this node's channels " +
    "(pre-warmed idle connections are probed too).",
  http2_keep_alive_timeout_in_secs:
    "A `PING` not acknowledged within this closes the connection (a channel then redials).",
  max_frame_size:
    "HTTP/2 `SETTINGS_MAX_FRAME_SIZE` of the plane's listener and channels: the largest frame each accepts. HTTP/2 " +
    "allows at most 16_777_215, so a larger value (the guide's 32 MiB rows) is advertised as 16_777_215, with a " +
    "start-up warning. It no longer limits messages: the data plane takes messages up to max(64 MiB, this value + " +
    "1 MiB) (an append of `raft.max_bytes_per_append` or one entry of `limits.max_request_bytes` with its framing, " +
    "both ≤ this value), the control plane 1 MiB, the bulk plane one snapshot chunk (≤ 4 MiB) and its header.",
};
