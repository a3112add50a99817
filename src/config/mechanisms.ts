// How each [network.*] key takes effect in the transport (grpc-js on Bun). The transport owns
// this column: it replaces each placeholder with the mechanism it implements (a grpc-js option,
// an HTTP/2 setting, a socket call, or a refusal), and docs/configuration.md is regenerated.
import type { PlaneConfig } from "./types.ts";

export const NETWORK_KEY_MECHANISMS: Readonly<Record<keyof PlaneConfig, string>> = {
  concurrency_limit:
    "A counter in the plane's server handlers (src/transport/receiver.ts): a call beyond the limit is answered " +
    "`RESOURCE_EXHAUSTED` naming the plane and the limit; a data stream or snapshot transfer holds its slot while open. " +
    "On the bulk plane it also caps this node's outgoing snapshot transfers (extra ones wait their turn).",
  max_concurrent_streams:
    "`grpc.max_concurrent_streams` on the plane's grpc-js `Server`: advertised as HTTP/2 `SETTINGS_MAX_CONCURRENT_STREAMS` " +
    "(read back from the wire in test/transport/options.test.ts).",
  connection_window_size:
    "`grpc-node.flow_control_window` on this node's outgoing channel of the plane, and the receive window of the " +
    "plane's listener: advertised as HTTP/2 `SETTINGS_INITIAL_WINDOW_SIZE` and set as each session's connection window " +
    "(grpc-js has no server option for it; the transport wraps grpc-js's HTTP/2 server creation, and says so at " +
    "start-up, as a warning if that hook is unavailable). Read back from the wire in test/transport/options.test.ts.",
  request_timeout_in_ms:
    "Deadline of each control call and of each whole snapshot transfer; on the data stream, how long a batch may stay " +
    "unacknowledged before the stream is torn down and the peer reported unreachable.",
  connect_timeout_in_ms:
    "Added to the deadline of calls made while the plane's channel has no connection yet; those calls wait for it " +
    "(`waitForReady` in the call's `Metadata` options). Once connected, calls fail fast while the peer is down.",
  tcp_keepalive_in_secs:
    "`socket.setKeepAlive(true, secs × 1000)` on both ends: on outgoing sockets through the transport's channel " +
    "credentials, on accepted sockets in its own `net.Server` that feeds grpc-js's connection injector (grpc-js has no " +
    "option for TCP keep-alive).",
  http2_keep_alive_interval_in_secs:
    "`grpc.keepalive_time_ms` on the plane's channels (with `grpc.keepalive_permit_without_calls = 1`, so idle " +
    "pre-warmed planes are probed too) and on its server.",
  http2_keep_alive_timeout_in_secs: "`grpc.keepalive_timeout_ms` on the plane's channels and on its server.",
  max_frame_size:
    "grpc-js cannot set HTTP/2 `SETTINGS_MAX_FRAME_SIZE` (frames stay 16384 bytes), so it is applied as the largest " +
    "gRPC message of the plane (`grpc.max_send_message_length` / `grpc.max_receive_message_length` on channels and " +
    "server; snapshot chunks are sized below it); the start-up log says so.",
};
