// Every trireme metric: name, type, help text and labels in one table, so the registry, the docs
// (docs/metrics.md) and the tests cannot drift apart. Process metrics (process_*, nodejs_*) come
// from prom-client's collectDefaultMetrics and are not listed here.

export type MetricType = "gauge" | "counter" | "histogram";

export interface MetricDefinition {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly string[];
  /** Histogram bucket upper bounds. */
  buckets?: readonly number[];
}

// Latencies on this class of machine run from ~40 µs (loopback hop) to seconds (a stalled disk).
const SECONDS_FINE = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const SECONDS_SNAPSHOT = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const ENTRIES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];
// etcd's own WAL fsync buckets (prometheus.ExponentialBuckets(0.001, 2, 14)), so its dashboards'
// histogram_quantile queries read the same way.
const ETCD_FSYNC = Array.from({ length: 14 }, (_, i) => 0.001 * 2 ** i);

// etcd's peer round-trip buckets (prometheus.ExponentialBuckets(0.0001, 2, 16)) and
// go-grpc-prometheus's handling-time buckets (prometheus.DefBuckets), which etcd enables.
const ETCD_PEER_RTT = Array.from({ length: 16 }, (_, i) => 0.0001 * 2 ** i);
const PROM_DEFAULT = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function def(name: string, type: MetricType, help: string, labels: readonly string[] = [], buckets?: readonly number[]): MetricDefinition {
  return buckets === undefined ? { name, type, help, labels } : { name, type, help, labels, buckets };
}

export const M = {
  raftTerm: def("trireme_raft_term", "gauge", "Current Raft term of this node."),
  raftIsLeader: def("trireme_raft_is_leader", "gauge", "1 if this node is the leader of the current term, else 0."),
  raftHasLeader: def("trireme_raft_has_leader", "gauge", "1 if this node knows a leader for the current term, else 0."),
  raftLeaderChanges: def("trireme_raft_leader_changes_total", "counter", "Times this node has seen the leader change (including to no leader)."),
  raftDivergences: def("trireme_raft_divergences_total", "counter", "Times this node found its committed log contradicted by the leader (MemFirst lost acknowledged entries on a majority) and rebuilt from the leader's snapshot."),
  raftCommitIndex: def("trireme_raft_commit_index", "gauge", "Highest log index known to be committed."),
  raftAppliedIndex: def("trireme_raft_applied_index", "gauge", "Highest log index applied to the key-value state machine."),
  logLastIndex: def("trireme_log_last_index", "gauge", "Index of the last entry in this node's log, in memory or on disk."),
  logDurableIndex: def("trireme_log_durable_index", "gauge", "Highest log index known to be on disk (fsynced)."),
  logFlushLagEntries: def("trireme_log_flush_lag_entries", "gauge", "Entries appended but not yet on disk (last index minus durable index)."),
  logFlushLagSeconds: def("trireme_log_flush_lag_seconds", "gauge", "Age in seconds of the oldest entry not yet on disk; 0 when everything is flushed."),
  storageFsyncDuration: def("trireme_storage_fsync_duration_seconds", "histogram", "Duration of one log write transaction including its fsync.", [], SECONDS_FINE),
  eventLoopLag: def("trireme_event_loop_lag_seconds", "histogram", "How late each Raft tick fired after its deadline: the time the event loop was busy when heartbeats and election timers were due.", [], SECONDS_FINE),
  storageFlushBatchEntries: def("trireme_storage_flush_batch_entries", "histogram", "Entries written per log write transaction (group commit size).", [], ENTRIES),
  planeRpcDuration: def("trireme_plane_rpc_duration_seconds", "histogram", "Duration of peer RPCs by plane, peer and method (successful and failed).", ["plane", "peer", "method"], SECONDS_FINE),
  planeRpcErrors: def("trireme_plane_rpc_errors_total", "counter", "Failed peer RPCs by plane, peer and method.", ["plane", "peer", "method"]),
  planeBytes: def("trireme_plane_bytes_total", "counter", "Bytes exchanged with peers by plane, peer and direction (in, out).", ["plane", "peer", "direction"]),
  planeMessagesReceived: def("trireme_plane_messages_received_total", "counter", "Raft messages (and snapshot chunks on bulk) peers delivered to this node, by plane and sender: the server side of the planes.", ["plane", "peer"]),
  planeRefused: def("trireme_plane_refused_total", "counter", "Incoming peer calls this node refused, by plane and reason: foreign_cluster, unknown_sender, concurrency_limit, bad_snapshot (checksum, size or offset wrong).", ["plane", "reason"]),
  planeConnectionUp: def("trireme_plane_connection_up", "gauge", "1 while the connection to a peer on a plane is up, else 0.", ["plane", "peer"]),
  proposalsPending: def("trireme_proposals_pending", "gauge", "Client proposals accepted and not yet applied or failed."),
  snapshotCount: def("trireme_snapshot_total", "counter", "Snapshots by operation: taken (local), sent (to a follower), received (from the leader).", ["operation"]),
  snapshotDuration: def("trireme_snapshot_duration_seconds", "histogram", "Duration of snapshot operations: taken, sent, received.", ["operation"], SECONDS_SNAPSHOT),
  snapshotBytes: def("trireme_snapshot_bytes_total", "counter", "Snapshot bytes by operation: taken, sent, received.", ["operation"]),
  snapshotTransferProgress: def("trireme_snapshot_transfer_progress_ratio", "gauge", "Progress (0..1) of each snapshot transfer under way, by peer and direction; absent when none.", ["peer", "direction"]),
  snapshotTransferBytes: def("trireme_snapshot_transfer_bytes", "gauge", "Bytes moved so far by each snapshot transfer under way, by peer and direction.", ["peer", "direction"]),
  kvKeys: def("trireme_kv_keys", "gauge", "Live keys in the key-value store."),
  kvIndexKeys: def("trireme_kv_index_keys", "gauge", "Keys in the kv store's in-memory index (deleted ones too while history holds their versions)."),
  kvIndexBytes: def("trireme_kv_index_bytes", "gauge", "Memory the kv store's in-memory key index takes, bytes (an estimate)."),
  kvRevision: def("trireme_kv_revision", "gauge", "Current revision of the key-value store."),
  // The space quota (node/quota.ts) and the replicated alarms (kv/alarms.ts).
  etcdQuotaBackendBytes: def("etcd_server_quota_backend_bytes", "gauge", "Current backend storage quota size in bytes."),
  quotaUsedBytes: def("trireme_quota_used_bytes", "gauge", "Bytes the space quota counts on this member: kv.db, the Raft log in use and the snapshots."),
  alarmNoSpace: def("trireme_alarm_nospace", "gauge", "Members with the NOSPACE alarm raised (writes that grow the store are refused while it is above 0)."),
  alarmCorrupt: def("trireme_alarm_corrupt", "gauge", "Members with the CORRUPT alarm raised (every write is refused while it is above 0)."),
  leases: def("trireme_leases", "gauge", "Leases in the key-value store (granted and not revoked)."),
  watchStreams: def("trireme_watch_streams", "gauge", "Open Watch streams of this member's clients."),
  watchers: def("trireme_watchers", "gauge", "Watchers on this member's Watch streams."),
  // etcd's names for the same facts, so etcd's dashboards and alerts work unchanged.
  etcdHasLeader: def("etcd_server_has_leader", "gauge", "Whether or not a leader exists. 1 is existence, 0 is not."),
  etcdIsLeader: def("etcd_server_is_leader", "gauge", "Whether or not this member is a leader. 1 if is, 0 otherwise."),
  etcdLeaderChanges: def("etcd_server_leader_changes_seen_total", "counter", "The number of leader changes seen."),
  etcdProposalsFailed: def("etcd_server_proposals_failed_total", "counter", "The total number of failed proposals seen."),
  etcdProposalsPending: def("etcd_server_proposals_pending", "gauge", "The current number of pending proposals to commit."),
  // etcd declares these two gauges; they only grow, so a counter is what they are (and what
  // promtool's lint accepts for a _total name), and PromQL reads them the same either way.
  etcdProposalsCommitted: def("etcd_server_proposals_committed_total", "counter", "The total number of consensus proposals committed."),
  etcdProposalsApplied: def("etcd_server_proposals_applied_total", "counter", "The total number of consensus proposals applied."),
  etcdWalFsync: def("etcd_disk_wal_fsync_duration_seconds", "histogram", "The latency distributions of fsync called by WAL.", [], ETCD_FSYNC),
  etcdBackendCommit: def("etcd_disk_backend_commit_duration_seconds", "histogram", "The latency distributions of commit called by backend.", [], ETCD_FSYNC),
  etcdKeys: def("etcd_debugging_mvcc_keys_total", "gauge", "Total number of keys."),
  etcdDbSize: def("etcd_mvcc_db_total_size_in_bytes", "gauge", "Total size of the underlying database physically allocated in bytes."),
  grpcHandled: def("grpc_server_handled_total", "counter", "Total number of RPCs completed on the server, regardless of success or failure.", ["grpc_type", "grpc_service", "grpc_method", "grpc_code"]),
  grpcStarted: def("grpc_server_started_total", "counter", "Total number of RPCs started on the server.", ["grpc_type", "grpc_service", "grpc_method"]),
  grpcHandling: def("grpc_server_handling_seconds", "histogram", "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.", ["grpc_type", "grpc_service", "grpc_method"], PROM_DEFAULT),
  etcdPeerSentBytes: def("etcd_network_peer_sent_bytes_total", "counter", "The total number of bytes sent to peers.", ["To"]),
  etcdPeerReceivedBytes: def("etcd_network_peer_received_bytes_total", "counter", "The total number of bytes received from peers.", ["From"]),
  etcdPeerSentFailures: def("etcd_network_peer_sent_failures_total", "counter", "The total number of send failures from peers.", ["To"]),
  etcdClientReceivedBytes: def("etcd_network_client_grpc_received_bytes_total", "counter", "The total number of bytes received from grpc clients."),
  etcdClientSentBytes: def("etcd_network_client_grpc_sent_bytes_total", "counter", "The total number of bytes sent to grpc clients."),
  etcdPeerRtt: def("etcd_network_peer_round_trip_time_seconds", "histogram", "Round-Trip-Time histogram between peers", ["To"], ETCD_PEER_RTT),
  etcdDbSizeInUse: def("etcd_mvcc_db_total_size_in_use_in_bytes", "gauge", "Total size of the underlying database logically in use in bytes."),
} as const satisfies Record<string, MetricDefinition>;

export const ALL_METRICS: readonly MetricDefinition[] = Object.values(M);
