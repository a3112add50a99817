// The text `trireme init` writes for one member: a header saying where it came from, then the
// fully rendered config.
import {
  DEPLOYMENT_PRESETS,
  DEPLOYMENTS,
  NETWORK_PRESETS,
  NETWORKS,
  presetConfig,
  TLS_BY_DEFAULT,
  type Member,
  type PresetOptions,
} from "./presets.ts";
import { renderConfig } from "./render.ts";
import { DEFAULT_BASE_PORT, DEFAULT_HOST } from "./schema.ts";

/** The `trireme init` command line that reproduces these options (for the file header). */
export function initCommandLine(o: PresetOptions): string {
  const parts = ["trireme init", `--preset ${o.deployment}`, `--network ${o.network}`];
  const hostPort = (m: Member) => {
    const host = m.host.includes(":") ? `[${m.host}]` : m.host;
    return m.basePort === DEFAULT_BASE_PORT ? host : `${host}:${m.basePort}`;
  };
  if (o.members.length > 1) {
    parts.push(`--node-id ${o.nodeId}`, `--peers ${o.members.map((m) => `${m.id}=${hostPort(m)}`).join(",")}`);
  } else {
    const m = o.members[0];
    if (m.id !== 1) parts.push(`--node-id ${m.id}`);
    if (m.host !== DEFAULT_HOST || m.basePort !== DEFAULT_BASE_PORT) parts.push(`--host ${hostPort(m)}`);
  }
  if (o.name !== undefined) parts.push(`--name ${o.name}`);
  if (o.dataDir !== undefined) parts.push(`--data-dir ${o.dataDir}`);
  if (o.clusterName !== undefined) parts.push(`--cluster-name ${o.clusterName}`);
  // The token too: the line then writes the other members' files of this cluster.
  if (o.clusterToken !== undefined) parts.push(`--cluster-token ${o.clusterToken}`);
  const tlsDefault = TLS_BY_DEFAULT.includes(o.network);
  if (o.tlsDir !== undefined && !tlsDefault) parts.push("--tls");
  if (o.tlsDir === undefined && tlsDefault) parts.push("--no-tls");
  return parts.join(" ");
}

export function presetFile(o: PresetOptions): string {
  const { config, reasons } = presetConfig(o);
  const d = DEPLOYMENTS[o.deployment];
  const n = NETWORKS[o.network];
  return renderConfig(config, {
    reasons,
    header: [
      `trireme configuration for ${config.node.name} (id ${config.node.id}) of cluster "${config.cluster.name}", ${config.cluster.peers.length} member${config.cluster.peers.length === 1 ? "" : "s"}.`,
      `Written by: ${initCommandLine(o)}`,
      `Deployment preset ${o.deployment}: ${d.title}; ${d.summary}.`,
      `Network preset ${o.network}: ${n.title}; ${n.summary}.`,
      "",
      'Every key is present. "preset:" lines say why the preset chose a value (citing the tuning guide);',
      "other keys have trireme's defaults. Reference: docs/configuration.md. Check: trireme config check FILE",
    ],
  });
}

/** Example members for the committed files in config/: one local node, or 10.0.0.x hosts. */
const EXAMPLE_MEMBERS: Readonly<Record<PresetOptions["deployment"], readonly Member[]>> = {
  single: [{ id: 1, host: DEFAULT_HOST, basePort: DEFAULT_BASE_PORT }],
  "cloud-3": [1, 2, 3].map((id) => ({ id, host: `10.0.0.${id}`, basePort: DEFAULT_BASE_PORT })),
  "prod-5": [1, 2, 3, 4, 5].map((id) => ({ id, host: `10.0.0.${id}`, basePort: DEFAULT_BASE_PORT })),
};

/** The preset files committed under config/ (paths relative to the repository root), as node 1. */
export function committedPresetFiles(): { path: string; text: string }[] {
  return DEPLOYMENT_PRESETS.flatMap((deployment) =>
    NETWORK_PRESETS.map((network) => {
      const members = EXAMPLE_MEMBERS[deployment];
      const text = presetFile({ deployment, network, members, nodeId: 1 });
      return { path: `config/${deployment}.${network}.toml`, text };
    }),
  );
}
