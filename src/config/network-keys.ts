// The `[network.control]`, `[network.data]` and `[network.bulk]` keys: the tuning guide's
// per-plane settings, one list with a default per plane. Kept beside schema.ts, which makes one
// key per plane of each (`network.<plane>.<key>`) in SCHEMA.
import { int, type Kind } from "./key-spec.ts";
import type { PlaneConfig, PlaneName } from "./types.ts";

const MiB = 1_048_576;

export const PLANES: readonly PlaneName[] = ["control", "data", "bulk"];

export interface PlaneKeySpec {
  key: keyof PlaneConfig;
  kind: Kind;
  /** Defaults per plane; they are the `single` deployment on a `lan` (see presets.ts for why). */
  defaults: Record<PlaneName, number>;
  doc: string;
}

/** The tuning guide's per-plane keys, in the guide's order. */
export const PLANE_KEYS: readonly PlaneKeySpec[] = [
  {
    key: "concurrency_limit",
    kind: int(1, 1_000_000),
    defaults: { control: 10, data: 20, bulk: 2 },
    doc: "Most calls this plane's server handles at once; beyond it calls fail fast with RESOURCE_EXHAUSTED.",
  },
  {
    key: "max_concurrent_streams",
    kind: int(1, 2_147_483_647),
    defaults: { control: 64, data: 128, bulk: 16 },
    doc: "HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS this plane's server advertises to each peer connection.",
  },
  {
    key: "connection_window_size",
    kind: int(65_535, 2_147_483_647, "bytes", "HTTP/2 allows 65_535 to 2^31−1"),
    defaults: { control: 1 * MiB, data: 2 * MiB, bulk: 8 * MiB },
    doc: "HTTP/2 flow-control window of this plane's connections: bytes in flight before the receiver must ack.",
  },
  {
    key: "request_timeout_in_ms",
    kind: int(1, 3_600_000, "ms"),
    defaults: { control: 100, data: 200, bulk: 10_000 },
    doc: "Deadline of one call on this plane; a call that misses it fails and is retried by Raft.",
  },
  {
    key: "connect_timeout_in_ms",
    kind: int(1, 600_000, "ms"),
    defaults: { control: 100, data: 100, bulk: 1_000 },
    doc: "Deadline for opening this plane's connection to a peer (TCP + HTTP/2 + gRPC handshake).",
  },
  {
    key: "tcp_keepalive_in_secs",
    kind: int(1, 86_400, "s"),
    defaults: { control: 60, data: 60, bulk: 60 },
    doc: "TCP keep-alive probe interval on this plane's sockets; finds peers that vanished without a FIN.",
  },
  {
    key: "http2_keep_alive_interval_in_secs",
    kind: int(1, 86_400, "s"),
    defaults: { control: 10, data: 10, bulk: 10 },
    doc: "Interval between HTTP/2 PINGs on an idle or busy connection of this plane.",
  },
  {
    key: "http2_keep_alive_timeout_in_secs",
    kind: int(1, 86_400, "s"),
    defaults: { control: 5, data: 5, bulk: 5 },
    doc: "How long a PING may go unanswered before the connection is declared dead and reopened.",
  },
  {
    key: "max_frame_size",
    kind: int(16_384, 2_147_483_647, "bytes", "at least HTTP/2's 16_384"),
    defaults: { control: 16_777_215, data: 16_777_215, bulk: 16_777_215 },
    doc: "HTTP/2 SETTINGS_MAX_FRAME_SIZE of this plane, bytes (above HTTP/2's 16_777_215 it is advertised as 16_777_215, with a start-up warning); an append or a single entry must not exceed the data plane's value.",
  },
];
