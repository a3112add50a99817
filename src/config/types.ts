// The shape of a validated config.toml. Field names are the TOML keys, so a key in a file, in
// the docs and in the code reads the same. Defaults, validation and presets live beside this.

export type PlaneName = "control" | "data" | "bulk";

/** `[network.control]`, `[network.data]`, `[network.bulk]`: the tuning guide's keys. */
export interface PlaneConfig {
  /** Max handlers in flight on this plane's server; beyond it calls get RESOURCE_EXHAUSTED. */
  concurrency_limit: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS advertised by this plane's server. */
  max_concurrent_streams: number;
  /** HTTP/2 flow-control window of this plane's client connections, bytes. */
  connection_window_size: number;
  /** Deadline of one call on this plane. */
  request_timeout_in_ms: number;
  /** Deadline for establishing this plane's connection. */
  connect_timeout_in_ms: number;
  /** TCP keep-alive probe interval on this plane's sockets. */
  tcp_keepalive_in_secs: number;
  /** HTTP/2 PING interval. */
  http2_keep_alive_interval_in_secs: number;
  /** How long to wait for a PING ack before the connection is considered dead. */
  http2_keep_alive_timeout_in_secs: number;
  /** HTTP/2 SETTINGS_MAX_FRAME_SIZE of this plane's listener and channels, bytes (clamped to
   *  HTTP/2's 16,777,215); messages have their own per-plane bound (src/transport/options.ts). */
  max_frame_size: number;
}

export type PersistenceStrategy = "DiskFirst" | "MemFirst";

export type FlushPolicy =
  | "Immediate"
  | { Batch: { threshold: number; interval_ms: number } };

export interface PersistenceConfig {
  strategy: PersistenceStrategy;
  flush_policy: FlushPolicy;
  /** MemFirst ring buffer bound: appends wait (backpressure) when this many entries are unflushed. */
  max_buffered_entries: number;
}

export interface RaftSection {
  /** Core tick length; heartbeat and election timeouts are whole numbers of ticks. */
  tick_ms: number;
  heartbeat_interval_ms: number;
  /** Minimum election timeout; the actual one is randomized in [t, 2t). */
  election_timeout_ms: number;
  pre_vote: boolean;
  check_quorum: boolean;
  /** Serve linearizable reads from a leader lease (requires check_quorum). */
  lease_read: boolean;
  max_entries_per_append: number;
  max_bytes_per_append: number;
  max_inflight_appends: number;
  max_inflight_bytes: number;
  max_uncommitted_bytes: number;
  /** Take a snapshot and compact the log every this many applied entries. */
  snapshot_entries: number;
  /** Also snapshot once the entries applied since the last one hold this many bytes. */
  snapshot_bytes: number;
  /** Entries kept behind a snapshot so slightly lagging followers catch up without one. */
  snapshot_catchup_entries: number;
  /** Snapshot files kept in the data directory. */
  snapshot_keep: number;
  persistence: PersistenceConfig;
}

export interface PeerConfig {
  id: number;
  name: string;
  client_address: string;
  control_address: string;
  data_address: string;
  bulk_address: string;
}

export interface NodeSection {
  id: number;
  name: string;
  data_dir: string;
  /** etcd v3 API for clients, "host:port". */
  client_address: string;
  control_address: string;
  data_address: string;
  bulk_address: string;
}

/** etcd's --initial-cluster-state: bootstrap a new cluster, or join one that runs. */
export type InitialState = "new" | "existing";

export interface ClusterSection {
  /** The cluster's name; with `token` and the initial members it makes the id at bootstrap. */
  name: string;
  /** Like etcd's initial-cluster-token (`trireme init` writes a random one): two clusters with
   *  the same name and members still get different ids, and a data directory knows its token. */
  token: string;
  /** "new": the peers are the bootstrap voters. "existing": this member was added with
   *  `member add` and starts with no membership until the leader's snapshot gives it one.
   *  Only read when the data directory is empty. */
  initial_state: InitialState;
  /** Every voting member at bootstrap, this node included. */
  peers: PeerConfig[];
}

export interface NetworkSection {
  /** Benchmark-only switch: route all planes over one shared connection when false. */
  isolation: boolean;
  control: PlaneConfig;
  data: PlaneConfig;
  bulk: PlaneConfig;
}

export interface LimitsSection {
  /** etcd's --max-request-bytes. */
  max_request_bytes: number;
  /** etcd's --max-txn-ops. */
  max_txn_ops: number;
  /** etcd's --quota-backend-bytes: 0 = 2 GiB, negative = no quota. */
  quota_backend_bytes: number;
  /** The full-disk reserve in MiB: -1 = 5 % of the filesystem (1-64 MiB), 0 = none. */
  space_reserve_mib: number;
}

export interface MetricsSection {
  enabled: boolean;
  /** "host:port" of the /metrics, /health, /ready HTTP endpoint. */
  address: string;
  /** HTTPS with `[tls.client]`'s files (etcd: an https:// --listen-metrics-urls). */
  tls: boolean;
}

/** `[tls.client]`: the client port (etcd's --cert-file, --key-file, --trusted-ca-file,
 *  --client-cert-auth). Empty file names: plaintext. */
export interface TlsClientSection {
  cert_file: string;
  key_file: string;
  trusted_ca_file: string;
  client_cert_auth: boolean;
}

/** `[tls.peer]`: the three peer planes, always mutual (etcd's --peer-cert-file, --peer-key-file,
 *  --peer-trusted-ca-file with --peer-client-cert-auth). Empty file names: plaintext. */
export interface TlsPeerSection {
  cert_file: string;
  key_file: string;
  trusted_ca_file: string;
  /** etcd's --peer-cert-allowed-cn: "" accepts any certificate the CA signed. */
  allowed_cn: string;
  /** etcd's --peer-cert-allowed-hostname: a name or IP the peer certificate's SANs must cover; "" any. */
  allowed_hostname: string;
}

/** `[auth]`: etcd's --auth-token (type, and for jwt the key and sign method), --auth-token-ttl,
 *  --bcrypt-cost (src/config/auth-keys.ts). */
/** etcd's corruption checks (src/node/corrupt-check.ts). */
export interface CorruptionSection {
  initial_corrupt_check: boolean;
  /** Seconds between the leader's HashKV comparisons; 0 = off. */
  corrupt_check_time: number;
}

export interface AuthSection {
  token: "simple" | "jwt";
  token_ttl_s: number;
  bcrypt_cost: number;
  jwt_key_file: string;
  jwt_sign_method: "RS256" | "ES256" | "HS256";
}

export interface TlsSection {
  client: TlsClientSection;
  peer: TlsPeerSection;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogSection {
  level: LogLevel;
  /** "auto": human lines on a TTY, JSON lines otherwise. */
  format: "auto" | "json" | "text";
}

export interface Config {
  node: NodeSection;
  cluster: ClusterSection;
  raft: RaftSection;
  network: NetworkSection;
  limits: LimitsSection;
  tls: TlsSection;
  auth: AuthSection;
  corruption: CorruptionSection;
  metrics: MetricsSection;
  log: LogSection;
}
