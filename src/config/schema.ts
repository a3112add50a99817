// The one table that describes every key of config.toml: its TOML path, kind, default, bounds
// and what it does. Defaults, validation, `trireme init` comments, docs/configuration.md and
// `trireme config check` all read this table, so a key is described once.
import { TLS_KEYS } from "./tls-keys.ts";
import { AUTH_KEYS } from "./auth-keys.ts";
import { CORRUPTION_KEYS } from "./corruption-keys.ts";
import { int, isDerived, key, type DerivedDefault, type Kind, type KeySpec, type LeafPath, type PathValue } from "./key-spec.ts";
import { PLANE_KEYS } from "./network-keys.ts";
import type { Config, PeerConfig, PlaneName } from "./types.ts";

const MAX_INT = Number.MAX_SAFE_INTEGER;
const MiB = 1_048_576;

/** The default ports: client, control, data, bulk and metrics are base, +1, +2, +3, +4. */
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_BASE_PORT = 2379;
export const PORT_OFFSETS = { client: 0, control: 1, data: 2, bulk: 3, metrics: 4 } as const;

export { PLANE_KEYS, PLANES, type PlaneKeySpec } from "./network-keys.ts";

function planeKeys(plane: PlaneName): KeySpec[] {
  return PLANE_KEYS.map((p) => key(`network.${plane}.${p.key}`, p.kind, p.defaults[plane], p.doc));
}

export const ADDRESS_KEYS = ["client_address", "control_address", "data_address", "bulk_address"] as const;
export type AddressKey = (typeof ADDRESS_KEYS)[number];

export function defaultAddress(host: string, basePort: number, which: keyof typeof PORT_OFFSETS): string {
  return `${host}:${basePort + PORT_OFFSETS[which]}`;
}

/** Every key of config.toml, in the order `init` writes them and the docs list them. */
export const SCHEMA: readonly KeySpec[] = [
  key("node.id", int(1, MAX_INT), 1, "This member's id in the cluster: unique, never reused for another member."),
  key(
    "node.name",
    { type: "string" },
    { derived: "node-<id>", from: (c) => `node-${c.node.id}` },
    "Human-readable member name, shown by `members` and in logs.",
  ),
  key(
    "node.data_dir",
    { type: "path" },
    "data",
    "Directory for the log, hard state and snapshots; a relative path is relative to this file.",
  ),
  key(
    "node.client_address",
    { type: "address" },
    defaultAddress(DEFAULT_HOST, DEFAULT_BASE_PORT, "client"),
    "host:port of the etcd v3 gRPC API that clients (etcdctl, etcd client libraries) use.",
  ),
  key(
    "node.control_address",
    { type: "address" },
    defaultAddress(DEFAULT_HOST, DEFAULT_BASE_PORT, "control"),
    "host:port of the Control plane: votes, heartbeats, TimeoutNow, membership traffic.",
  ),
  key(
    "node.data_address",
    { type: "address" },
    defaultAddress(DEFAULT_HOST, DEFAULT_BASE_PORT, "data"),
    "host:port of the Data plane: AppendEntries with log entries, pipelined.",
  ),
  key(
    "node.bulk_address",
    { type: "address" },
    defaultAddress(DEFAULT_HOST, DEFAULT_BASE_PORT, "bulk"),
    "host:port of the Bulk plane: InstallSnapshot streams.",
  ),
  key(
    "cluster.name",
    { type: "string" },
    "trireme",
    "The cluster's name, part of its identity: a data directory made for a cluster of another name is refused at start.",
  ),
  key(
    "cluster.token",
    { type: "string" },
    "trireme-cluster",
    "Like etcd's initial-cluster-token: with the name and the initial members' ids and peer addresses it makes the id a new cluster gets at bootstrap; `trireme init` writes a random one, the same into every member's file. A data directory made with another token is refused at start.",
  ),
  key(
    "cluster.initial_state",
    { type: "enum", values: ["new", "existing"] },
    "new",
    "Like etcd's initial-cluster-state, read only when the data directory is empty: \"new\" bootstraps with `cluster.peers` as the voters; \"existing\" joins a running cluster after `member add` (peers are then only addresses to answer).",
  ),
  key(
    "cluster.peers",
    { type: "peers" },
    { derived: "this node alone", from: (c) => [selfAsPeer(c)] },
    "Every voting member at bootstrap, this node included (added automatically when omitted); with initial_state = \"existing\", the running members to answer until the cluster's own list arrives. Once the data directory holds state, the cluster's membership (snapshots and log) wins over this list.",
  ),
  key("raft.tick_ms", int(1, 1_000, "ms"), 100, "Length of one Raft tick; heartbeat and election timeouts are whole ticks, and request deadlines are checked at ticks. Each tick wakes every member, idle or not: the default, one tick per heartbeat interval, is etcd's."),
  key(
    "raft.heartbeat_interval_ms",
    int(1, 60_000, "ms"),
    100,
    "How often the leader sends heartbeats; keep it near the peers' round-trip time.",
  ),
  key(
    "raft.election_timeout_ms",
    int(1, 600_000, "ms"),
    1_000,
    "A follower that hears no leader for this long (randomized in [t, 2t)) starts an election.",
  ),
  key("raft.pre_vote", { type: "boolean" }, true, "Run a pre-vote first so a partitioned node cannot disrupt the cluster on return."),
  key(
    "raft.check_quorum",
    { type: "boolean" },
    true,
    "A leader that has not heard from a quorum for an election timeout steps down.",
  ),
  key(
    "raft.lease_read",
    { type: "boolean" },
    false,
    "Serve linearizable reads from the leader's lease without a ReadIndex round (needs check_quorum).",
  ),
  key("raft.max_entries_per_append", int(1, 1_000_000, "entries"), 1_024, "Most entries in one AppendEntries."),
  key("raft.max_bytes_per_append", int(1, 2_147_483_647, "bytes"), 1 * MiB, "Most entry bytes in one AppendEntries."),
  key(
    "raft.max_inflight_appends",
    int(1, 100_000),
    64,
    "Pipelining window: unacknowledged AppendEntries per follower before the leader waits.",
  ),
  key(
    "raft.max_inflight_bytes",
    int(1, MAX_INT, "bytes"),
    32 * MiB,
    "Unacknowledged entry bytes per follower before the leader waits.",
  ),
  key(
    "raft.max_uncommitted_bytes",
    int(1, MAX_INT, "bytes"),
    64 * MiB,
    "Proposals are refused while this many bytes of entries are uncommitted (protects memory).",
  ),
  key(
    "raft.snapshot_entries",
    int(1, MAX_INT, "entries"),
    10_000,
    "Every this many applied entries, make kv.db durable, record a snapshot there (kv.db is the snapshot: nothing is copied) and compact the log.",
  ),
  key(
    "raft.snapshot_bytes",
    int(1, MAX_INT, "bytes"),
    64 * MiB,
    "Also snapshot once the entries applied since the last snapshot hold this many bytes, and keep at most this many bytes of entries behind a snapshot: with large values the log held in memory stays bounded, whatever snapshot_entries says.",
  ),
  key(
    "raft.snapshot_catchup_entries",
    int(0, MAX_INT, "entries"),
    5_000,
    "Entries kept behind a snapshot so slightly lagging followers catch up without one.",
  ),
  key("raft.snapshot_keep", int(1, 1_000), 2, "Snapshot files kept in the data directory (markers of where kv.db is durable, and images made for followers)."),
  key(
    "raft.persistence.strategy",
    { type: "enum", values: ["DiskFirst", "MemFirst"] },
    "MemFirst",
    "DiskFirst: count an entry once it is on disk. MemFirst: once in memory, flushed per flush_policy.",
  ),
  key(
    "raft.persistence.flush_policy",
    { type: "flush_policy" },
    { Batch: { threshold: 500, interval_ms: 50 } },
    'When MemFirst writes to disk: "Immediate", or { Batch = { threshold, interval_ms } } (whichever comes first).',
  ),
  key(
    "raft.persistence.max_buffered_entries",
    int(1, 100_000_000, "entries"),
    10_000,
    "MemFirst memory bound: appends wait for the flusher when this many entries are unflushed (under Batch, threshold is the bound when smaller: a crash loses at most that).",
  ),
  key(
    "network.isolation",
    { type: "boolean" },
    true,
    "One connection per plane per peer (the point of the design); false shares one, for benchmarks only.",
  ),
  ...planeKeys("control"),
  ...planeKeys("data"),
  ...planeKeys("bulk"),
  key(
    "limits.max_request_bytes",
    int(1, 2_147_483_647, "bytes"),
    1_572_864,
    "Largest client request accepted (etcd's --max-request-bytes).",
  ),
  key("limits.max_txn_ops", int(1, 1_000_000), 128, "Most operations in one Txn (etcd's --max-txn-ops)."),
  key(
    "limits.quota_backend_bytes",
    int(-1, MAX_INT, "bytes", "0 = etcd's default of 2 GiB, -1 = no quota (etcd: any negative)"),
    0,
    "Space quota (etcd's --quota-backend-bytes): past it (kv.db + the log + snapshots), writes that grow the store get `etcdserver: mvcc: database space exceeded` and the NOSPACE alarm is raised until `etcdctl alarm disarm`.",
  ),
  key(
    "limits.space_reserve_mib",
    int(-1, 1024, undefined, "MiB; -1 = 5 % of the data directory's filesystem, 1 to 64 MiB; 0 = none"),
    -1,
    "Space reserve: a file of this size kept in the data directory and deleted when the disk fills, so the member can stop cleanly and start again (docs/operations.md). 0 leaves a full disk without that room; test clusters use 1.",
  ),
  ...TLS_KEYS,
  ...AUTH_KEYS,
  ...CORRUPTION_KEYS,
  key("metrics.enabled", { type: "boolean" }, true, "Serve /metrics, /health and /ready over HTTP."),
  key(
    "metrics.address",
    { type: "address" },
    defaultAddress(DEFAULT_HOST, DEFAULT_BASE_PORT, "metrics"),
    "host:port of the metrics and health HTTP endpoint.",
  ),
  key(
    "metrics.tls",
    { type: "boolean" },
    false,
    "Serve the metrics address over HTTPS with [tls.client]'s cert_file and key_file, requiring client certificates of its trusted_ca_file when client_cert_auth is on (etcd: an https:// --listen-metrics-urls uses the client TLS flags); false: plain HTTP, bind it to a private address.",
  ),
  key(
    "log.level",
    { type: "enum", values: ["debug", "info", "warn", "error"] },
    "info",
    "Least severe log level written.",
  ),
  key(
    "log.format",
    { type: "enum", values: ["auto", "json", "text"] },
    "auto",
    '"auto": human lines on a terminal, JSON lines otherwise.',
  ),
];

// Compile-time proof that SCHEMA covers every leaf of Config: adding a field to types.ts
// without describing it here fails the type check.
type Described = (typeof SCHEMA)[number]["path"];
type Undescribed = Exclude<LeafPath, Described>;
const _everyKeyDescribed: [Undescribed] extends [never] ? true : Undescribed = true;
void _everyKeyDescribed;

/** The keys of one `[[cluster.peers]]` entry. */
export const PEER_KEYS: readonly { key: keyof PeerConfig; kind: Kind; required: boolean; doc: string }[] = [
  { key: "id", kind: int(1, MAX_INT), required: true, doc: "The member's id (its node.id)." },
  { key: "name", kind: { type: "string" }, required: false, doc: 'The member\'s name; default "node-<id>".' },
  { key: "client_address", kind: { type: "address" }, required: true, doc: "Its node.client_address." },
  { key: "control_address", kind: { type: "address" }, required: true, doc: "Its node.control_address." },
  { key: "data_address", kind: { type: "address" }, required: true, doc: "Its node.data_address." },
  { key: "bulk_address", kind: { type: "address" }, required: true, doc: "Its node.bulk_address." },
];

export function selfAsPeer(c: Config): PeerConfig {
  return {
    id: c.node.id,
    name: c.node.name,
    client_address: c.node.client_address,
    control_address: c.node.control_address,
    data_address: c.node.data_address,
    bulk_address: c.node.bulk_address,
  };
}

const byPath = new Map<string, KeySpec>(SCHEMA.map((s) => [s.path, s]));

export function specOf(path: string): KeySpec | undefined {
  return byPath.get(path);
}

/** Tables of config.toml ("" is the root) and the names directly inside each. */
export const TABLES: ReadonlyMap<string, readonly string[]> = (() => {
  const tables = new Map<string, string[]>([["", []]]);
  for (const spec of SCHEMA) {
    const parts = spec.path.split(".");
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join(".");
      const children = tables.get(parent) ?? [];
      if (!children.includes(parts[i])) children.push(parts[i]);
      tables.set(parent, children);
      if (i < parts.length - 1 && !tables.has(parts.slice(0, i + 1).join("."))) tables.set(parts.slice(0, i + 1).join("."), []);
    }
  }
  return tables;
})();

/** One line per table, for the docs and `init`'s section headers. */
export const TABLE_DOCS: Readonly<Record<string, string>> = {
  node: "This member: identity, data directory and the four addresses it listens on.",
  cluster: "The cluster this member belongs to and its members at bootstrap.",
  raft: "Raft timing, replication flow control and snapshots.",
  "raft.persistence": "How log entries reach the disk (the tuning guide's persistence strategies).",
  network: "Peer transport. Each peer pair uses one HTTP/2 connection per plane, each tuned by its table.",
  "network.control": "Control plane: votes, heartbeats, TimeoutNow. One long-lived stream per peer (a heartbeat is one DATA frame each way), tight deadlines.",
  "network.data": "Data plane: AppendEntries with entries, pipelined. Throughput-optimized.",
  "network.bulk": "Bulk plane: InstallSnapshot, chunked and gzip-compressed. Bandwidth-intensive.",
  limits: "Client request limits (etcd's names).",
  tls: "Transport security (docs/security.md). Relative file names are relative to this file; empty names leave the port plaintext.",
  "tls.client": "TLS on the client port, with etcd's names (--cert-file, --key-file, --trusted-ca-file, --client-cert-auth).",
  "tls.peer": "Mutual TLS on the control, data and bulk planes: every member presents its certificate and checks its peer's against the cluster CA.",
  corruption: "etcd's corruption checks: this member's HashKV compared with its peers' at start and, on the leader, periodically (src/node/corrupt-check.ts).",
  auth: "Authentication (docs/auth.md): the tokens Authenticate issues and the cost of password hashes, with etcd's names. Users, roles and enabling auth are etcdctl's (user, role, auth).",
  metrics: "Prometheus metrics and health checks over HTTP.",
  log: "Logging.",
};

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (typeof next !== "object" || next === null) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/** Typed read of one key. */
export function valueAt<P extends LeafPath>(config: Config, path: P): PathValue<Config, P> {
  return getPath(config, path) as PathValue<Config, P>;
}

/** Fill every key of `partial` that is missing with its default; derived defaults last, since they
 *  read the others. Returns the paths that were filled. */
export function fillDefaults(partial: Record<string, unknown>): Set<LeafPath> {
  const filled = new Set<LeafPath>();
  const derived: KeySpec[] = [];
  for (const spec of SCHEMA) {
    if (getPath(partial, spec.path) !== undefined) continue;
    filled.add(spec.path);
    if (isDerived(spec.default)) derived.push(spec);
    else setPath(partial, spec.path, structuredClone(spec.default));
  }
  for (const spec of derived) {
    const d = spec.default as DerivedDefault<unknown>;
    setPath(partial, spec.path, d.from(partial as unknown as Config));
  }
  return filled;
}

/** The config of a single local node with every default. */
export function defaultConfig(): Config {
  const c: Record<string, unknown> = {};
  fillDefaults(c);
  return c as unknown as Config;
}
