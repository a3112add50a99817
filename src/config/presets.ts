// The presets of `trireme init`: the tuning guide's three deployment configurations and its
// network tables, value for value, each value with the guide's reason. Keys the guide does not
// give keep the schema's defaults.
import { formatAddress } from "./address.ts";
import type { LeafPath, PathValue } from "./key-spec.ts";
import { defaultConfig, PLANES, setPath } from "./schema.ts";
import { CERT_FILES } from "../tls/names.ts";
import type { Config, InitialState, PeerConfig, PlaneName } from "./types.ts";

export const DEPLOYMENT_PRESETS = ["single", "cloud-3", "prod-5"] as const;
export type DeploymentPreset = (typeof DEPLOYMENT_PRESETS)[number];
export const NETWORK_PRESETS = ["lan", "wan", "lossy", "unstable"] as const;
export type NetworkPreset = (typeof NETWORK_PRESETS)[number];

export interface Setting<P extends LeafPath = LeafPath> {
  path: P;
  value: PathValue<Config, P>;
  /** Why the preset chose this value: the guide's words where it gives them. */
  reason: string;
}

function set<P extends LeafPath>(path: P, value: PathValue<Config, P>, reason: string): Setting {
  return { path, value, reason } as Setting;
}

export interface Preset {
  title: string;
  /** The guide's description of the environment. */
  summary: string;
  settings: readonly Setting[];
}

const MiB = 1_048_576;

function planes(
  values: Record<PlaneName, { concurrency_limit: number; max_concurrent_streams?: number; connection_window_size: number }>,
  reason: string,
): Setting[] {
  return PLANES.flatMap((p) => {
    const v = values[p];
    return [
      set(`network.${p}.concurrency_limit`, v.concurrency_limit, reason),
      ...(v.max_concurrent_streams === undefined ? [] : [set(`network.${p}.max_concurrent_streams`, v.max_concurrent_streams, reason)]),
      set(`network.${p}.connection_window_size`, v.connection_window_size, reason),
    ];
  });
}

export const DEPLOYMENTS: Readonly<Record<DeploymentPreset, Preset>> = {
  single: {
    title: "Single Node (Local Dev / Testing)",
    summary: "4 cores, 8 GB, localhost",
    settings: [
      set("raft.persistence.strategy", "MemFirst", 'guide, Single Node: "MemFirst is preferred for developer iteration speed"'),
      set("raft.persistence.flush_policy", { Batch: { threshold: 500, interval_ms: 50 } }, "guide, Single Node"),
      ...planes(
        {
          control: { concurrency_limit: 10, max_concurrent_streams: 64, connection_window_size: 1 * MiB },
          data: { concurrency_limit: 20, max_concurrent_streams: 128, connection_window_size: 2 * MiB },
          bulk: { concurrency_limit: 2, connection_window_size: 8 * MiB },
        },
        'guide, Single Node: "single-node setups focus on low resource usage; bulk window size can be smaller since snapshots are local"',
      ),
      set("network.bulk.request_timeout_in_ms", 10_000, "guide, Single Node: 10s"),
    ],
  },
  "cloud-3": {
    title: "3-Node Public Cloud Cluster (Medium Durability)",
    summary: "4 vCPU / 16 GB (e.g. AWS m6i.large, GCP n2-standard-4), 10 Gbps, balanced throughput and durability",
    settings: [
      set("raft.persistence.strategy", "MemFirst", "guide, 3-Node Public Cloud: balanced throughput and durability"),
      set(
        "raft.persistence.flush_policy",
        { Batch: { threshold: 2000, interval_ms: 200 } },
        'guide, 3-Node Public Cloud: "tuned for high throughput with a reasonable data loss window"',
      ),
      ...planes(
        {
          control: { concurrency_limit: 20, max_concurrent_streams: 128, connection_window_size: 2 * MiB },
          data: { concurrency_limit: 30, max_concurrent_streams: 256, connection_window_size: 4 * MiB },
          bulk: { concurrency_limit: 4, connection_window_size: 32 * MiB },
        },
        'guide, 3-Node Public Cloud: "moderate concurrency and 32MB bulk windows ensure stable snapshot streaming without affecting heartbeats"',
      ),
      set("network.bulk.request_timeout_in_ms", 30_000, "guide, 3-Node Public Cloud: 30s for multi-GB snapshots"),
    ],
  },
  "prod-5": {
    title: "5-Node High-Durability Cluster (Production)",
    summary: "8 vCPU / 32 GB (e.g. AWS m6i.xlarge), 25 Gbps, data integrity over write latency",
    settings: [
      set(
        "raft.persistence.strategy",
        "DiskFirst",
        'guide, 5-Node Production: "Highest durability guarantee"; write throughput is bound by disk latency',
      ),
      set(
        "raft.persistence.flush_policy",
        { Batch: { threshold: 500, interval_ms: 50 } },
        'guide, 5-Node Production: "flush_policy is less critical for DiskFirst" (it gives none; trireme\'s default kept)',
      ),
      ...planes(
        {
          control: { concurrency_limit: 50, max_concurrent_streams: 256, connection_window_size: 4 * MiB },
          data: { concurrency_limit: 80, max_concurrent_streams: 512, connection_window_size: 8 * MiB },
          bulk: { concurrency_limit: 8, connection_window_size: 64 * MiB },
        },
        "guide, 5-Node Production: larger windows and concurrency for 8 vCPU / 25 Gbps",
      ),
      set("network.bulk.request_timeout_in_ms", 60_000, "guide, 5-Node Production: 60s for large snapshots"),
    ],
  },
};

interface NetworkRow {
  title: string;
  note: string;
  tcp_keepalive_in_secs: number;
  http2_keep_alive_interval_in_secs: number;
  http2_keep_alive_timeout_in_secs: number;
  max_frame_size: number;
  /** The guide's ranges, as written, and our pick within each. */
  connect: { range: string; value: number; why: string };
  controlRequest: { range: string; value: number; why: string };
  dataRequest: { range: string; value: number; why: string };
}

/** The guide's "Network Environment Tuning" and "RPC Timeout Guidance" tables. */
export const NETWORK_ROWS: Readonly<Record<NetworkPreset, NetworkRow>> = {
  lan: {
    title: "Local / In-Cluster (LAN)",
    note: "Low latency & stable; defaults are fine",
    tcp_keepalive_in_secs: 60,
    http2_keep_alive_interval_in_secs: 10,
    http2_keep_alive_timeout_in_secs: 5,
    max_frame_size: 16_777_215,
    connect: { range: "50–100", value: 100, why: "the top: a loaded node still connects without a spurious retry" },
    controlRequest: { range: "100–300", value: 100, why: "the bottom: votes and heartbeats are tiny, fail fast and retry" },
    dataRequest: { range: "100–300", value: 200, why: 'the guide\'s Data-plane example, "batch-friendly"' },
  },
  wan: {
    title: "Cross-Region / Stable WAN",
    note: "Slightly longer keep-alive to avoid false disconnects",
    tcp_keepalive_in_secs: 60,
    http2_keep_alive_interval_in_secs: 15,
    http2_keep_alive_timeout_in_secs: 8,
    max_frame_size: 16_777_215,
    connect: { range: "200–500", value: 500, why: "the top: cross-region handshakes take several round trips" },
    controlRequest: { range: "300–1000", value: 300, why: "the bottom: small calls, fail fast and retry" },
    dataRequest: { range: "300–1000", value: 1_000, why: "the top: batches over a higher RTT" },
  },
  lossy: {
    title: "Public Cloud / Moderate Loss",
    note: "Higher interval & timeout for lossy links; larger frame helps batch logs",
    tcp_keepalive_in_secs: 60,
    http2_keep_alive_interval_in_secs: 20,
    http2_keep_alive_timeout_in_secs: 10,
    max_frame_size: 33_554_432,
    connect: { range: "500–1000", value: 1_000, why: "the top: lost SYNs are retransmitted after ~1 s" },
    controlRequest: { range: "1000–5000", value: 1_000, why: "the bottom: small calls, retry rather than wait" },
    dataRequest: { range: "1000–5000", value: 5_000, why: "the top: compensate for packet loss and follower I/O latency" },
  },
  unstable: {
    title: "High Latency / Unstable WAN",
    note: "Longer timeouts prevent spurious drops",
    tcp_keepalive_in_secs: 120,
    http2_keep_alive_interval_in_secs: 30,
    http2_keep_alive_timeout_in_secs: 15,
    max_frame_size: 33_554_432,
    connect: { range: "1000+", value: 2_000, why: "twice the minimum: favor fewer reconnects" },
    controlRequest: { range: "5000+", value: 5_000, why: "the minimum: small calls" },
    dataRequest: { range: "5000+", value: 10_000, why: "twice the minimum: allow large batch replication" },
  },
};

/** Bulk connections get at least the guide's Bulk-plane example value ("slow-start connections"). */
export const BULK_MIN_CONNECT_MS = 1_000;

function networkSettings(name: NetworkPreset): Setting[] {
  const row = NETWORK_ROWS[name];
  const table = `guide, network table, ${row.title}`;
  const rpc = `guide, RPC timeout table, ${row.title}`;
  return PLANES.flatMap((p) => {
    const connect =
      p === "bulk" && row.connect.value < BULK_MIN_CONNECT_MS
        ? set(`network.${p}.connect_timeout_in_ms`, BULK_MIN_CONNECT_MS, `guide, Bulk plane example: "slow-start connections" (${rpc} says ${row.connect.range})`)
        : set(`network.${p}.connect_timeout_in_ms`, row.connect.value, `${rpc}: ${row.connect.range}; we take ${row.connect.value}, ${row.connect.why}`);
    const pick = p === "control" ? row.controlRequest : row.dataRequest;
    const request =
      p === "bulk" // the deployment preset gives the Bulk plane's (much longer) snapshot timeout
        ? []
        : [set(`network.${p}.request_timeout_in_ms`, pick.value, `${rpc}: ${pick.range}; we take ${pick.value}, ${pick.why}`)];
    return [
      set(`network.${p}.tcp_keepalive_in_secs`, row.tcp_keepalive_in_secs, `${table} ("${row.note}")`),
      set(`network.${p}.http2_keep_alive_interval_in_secs`, row.http2_keep_alive_interval_in_secs, table),
      set(`network.${p}.http2_keep_alive_timeout_in_secs`, row.http2_keep_alive_timeout_in_secs, table),
      set(`network.${p}.max_frame_size`, row.max_frame_size, table),
      connect,
      ...request,
    ];
  });
}

export const NETWORKS: Readonly<Record<NetworkPreset, Preset>> = Object.fromEntries(
  NETWORK_PRESETS.map((n) => [n, { title: NETWORK_ROWS[n].title, summary: NETWORK_ROWS[n].note, settings: networkSettings(n) }]),
) as unknown as Record<NetworkPreset, Preset>;

/** One cluster member as `init --peers` describes it. */
export interface Member {
  id: number;
  host: string;
  basePort: number;
}

export interface PresetOptions {
  deployment: DeploymentPreset;
  network: NetworkPreset;
  /** Every member, this node included. */
  members: readonly Member[];
  nodeId: number;
  /** This node's name; others are "node-<id>". */
  name?: string;
  /** Default: "data", or "data/node-<id>" when there are several members. */
  dataDir?: string;
  clusterName?: string;
  /** cluster.token; `trireme init` passes a random one (the committed example files have none). */
  clusterToken?: string;
  /** "existing" for a member added to a running cluster (default "new"). */
  initialState?: InitialState;
  /** TLS on, with `trireme certs`' files in this directory (relative to the config file). */
  tlsDir?: string;
}

export function memberAddresses(m: Member): Pick<PeerConfig, "client_address" | "control_address" | "data_address" | "bulk_address"> {
  return {
    client_address: formatAddress(m.host, m.basePort),
    control_address: formatAddress(m.host, m.basePort + 1),
    data_address: formatAddress(m.host, m.basePort + 2),
    bulk_address: formatAddress(m.host, m.basePort + 3),
  };
}

/** A complete config for one member, and why each preset-chosen key has its value. */
export function presetConfig(o: PresetOptions): { config: Config; reasons: Map<LeafPath, string> } {
  const self = o.members.find((m) => m.id === o.nodeId);
  if (self === undefined) throw new Error(`node id ${o.nodeId} is not among the members (${o.members.map((m) => m.id).join(", ")})`);
  const config = defaultConfig();
  const reasons = new Map<LeafPath, string>();
  for (const s of [...DEPLOYMENTS[o.deployment].settings, ...NETWORKS[o.network].settings]) {
    setPath(config as unknown as Record<string, unknown>, s.path, structuredClone(s.value));
    reasons.set(s.path, s.reason);
  }
  const name = (m: Member) => (m.id === o.nodeId && o.name !== undefined ? o.name : `node-${m.id}`);
  // Members that share a directory (a local cluster from one out-dir) must not share data.
  const dataDir = o.dataDir ?? (o.members.length > 1 ? `data/node-${self.id}` : config.node.data_dir);
  config.node = { id: self.id, name: name(self), data_dir: dataDir, ...memberAddresses(self) };
  config.metrics.address = formatAddress(self.host, self.basePort + 4);
  if (o.clusterName !== undefined) config.cluster.name = o.clusterName;
  if (o.clusterToken !== undefined) config.cluster.token = o.clusterToken;
  if (o.initialState !== undefined) {
    config.cluster.initial_state = o.initialState;
    reasons.set("cluster.initial_state", o.initialState === "existing" ? "init --initial-state existing: this member joins a running cluster" : "init --initial-state new");
  }
  config.cluster.peers = [...o.members].sort((a, b) => a.id - b.id).map((m) => ({ id: m.id, name: name(m), ...memberAddresses(m) }));
  tlsPreset(config, reasons, o, self.id);
  return { config, reasons };
}

/** Networks whose traffic crosses links nobody trusts: `trireme init` turns TLS on for them. */
export const TLS_BY_DEFAULT: readonly NetworkPreset[] = ["wan", "lossy", "unstable"];

function tlsPreset(config: Config, reasons: Map<LeafPath, string>, o: PresetOptions, id: number): void {
  const crossing = TLS_BY_DEFAULT.includes(o.network);
  if (o.tlsDir === undefined) {
    reasons.set("tls.peer.cert_file", crossing
      ? `TLS is off in this file, but the ${o.network} network preset crosses networks nobody trusts: \`trireme init --network ${o.network}\` writes certificates and turns it on (docs/security.md)`
      : "lan: a trusted network, so TLS stays off unless `trireme init --tls` (docs/security.md)");
    return;
  }
  const f = (name: string) => `${o.tlsDir}/${name}`;
  config.tls.client = { cert_file: f(CERT_FILES.member(id)), key_file: f(CERT_FILES.memberKey(id)), trusted_ca_file: f(CERT_FILES.ca), client_cert_auth: true };
  config.tls.peer = { cert_file: f(CERT_FILES.member(id)), key_file: f(CERT_FILES.memberKey(id)), trusted_ca_file: f(CERT_FILES.ca), allowed_cn: "", allowed_hostname: "" };
  const why = crossing
    ? `the ${o.network} network preset crosses networks nobody trusts, so init turned TLS on (certificates from trireme certs in ${o.tlsDir}/; docs/security.md)`
    : `init --tls: certificates from trireme certs in ${o.tlsDir}/ (docs/security.md)`;
  reasons.set("tls.client.cert_file", `${why}; clients need the operator certificate (${f(CERT_FILES.operator)})`);
  reasons.set("tls.client.client_cert_auth", "only clients with a certificate of the cluster CA (the operator's) get in");
  reasons.set("tls.peer.cert_file", `${why}; mutual on every plane`);
}
