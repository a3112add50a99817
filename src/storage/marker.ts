// `trireme-data.json`: which cluster member a data directory belongs to, and its format. The
// cluster id is fixed when the directory is made (a bootstrap derives it, a joining member learns
// it from the cluster, a restore makes a new one) and never recomputed from config afterwards;
// the cluster's name and a hash of its token are kept beside it so that the config a member is
// started with can be checked against the directory (src/node/cluster-id.ts).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { StorageError } from "./errors.ts";
import { writeFileDurably } from "./fsync.ts";

export const MARKER_FILE = "trireme-data.json";
export const DATA_FORMAT_VERSION = 1;

export interface DataMarker {
  format: "trireme-data";
  version: number;
  clusterId: number;
  nodeId: number;
  created: string;
  /** The config identity the directory was made with; absent in markers written before it was kept. */
  identity?: ClusterIdentity;
}

/** What in a member's config names its cluster: `[cluster] name` and a hash of `token` (the
 *  token itself stays in the config). */
export interface ClusterIdentity {
  name: string;
  tokenHash: string;
}

/** Reads and validates the marker; undefined when the directory has none. */
export function readMarker(dir: string): DataMarker | undefined {
  const file = join(dir, MARKER_FILE);
  if (!existsSync(file)) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new StorageError("bad-marker", file, `is not valid JSON (${(err as Error).message}); it should hold format, version, clusterId, nodeId, created`);
  }
  const o = v as Record<string, unknown>;
  if (typeof o !== "object" || o === null || o.format !== "trireme-data") {
    throw new StorageError("bad-marker", file, `is not a trireme data marker (expected "format": "trireme-data")`);
  }
  if (o.version !== DATA_FORMAT_VERSION) {
    throw new StorageError("unknown-version", file, `data format version ${JSON.stringify(o.version)}; this trireme reads version ${DATA_FORMAT_VERSION}`);
  }
  if (!Number.isSafeInteger(o.clusterId) || !Number.isSafeInteger(o.nodeId) || typeof o.created !== "string") {
    throw new StorageError("bad-marker", file, "clusterId and nodeId must be integers and created a string");
  }
  const m: DataMarker = { format: "trireme-data", version: DATA_FORMAT_VERSION, clusterId: o.clusterId as number, nodeId: o.nodeId as number, created: o.created };
  if (o.identity !== undefined) {
    const id = o.identity as Record<string, unknown>;
    if (typeof id !== "object" || id === null || typeof id.name !== "string" || typeof id.tokenHash !== "string") {
      throw new StorageError("bad-marker", file, 'identity must be {"name": string, "tokenHash": string}');
    }
    m.identity = { name: id.name, tokenHash: id.tokenHash };
  }
  return m;
}

export function checkMarker(dir: string, m: DataMarker, clusterId: number, nodeId: number): void {
  const file = join(dir, MARKER_FILE);
  if (m.clusterId !== clusterId) {
    throw new StorageError(
      "foreign-cluster",
      file,
      `this data directory belongs to cluster ${hexId(m.clusterId)}, but the node is configured for cluster ${hexId(clusterId)}; point node.data_dir at this cluster's directory`,
    );
  }
  if (m.nodeId !== nodeId) {
    throw new StorageError("foreign-node", file, `this data directory belongs to node ${m.nodeId}, but the node is configured as node ${nodeId}`);
  }
}

/** Refuses a config whose cluster name or token is not the one this directory was made with.
 *  `configClusterId` is the id that config gives a cluster it bootstraps, named in the message
 *  beside the directory's own. A marker from before identities were kept is not checked here. */
export function checkIdentity(dir: string, m: DataMarker, identity: ClusterIdentity, configClusterId: number): void {
  if (m.identity === undefined) return;
  const sameName = m.identity.name === identity.name;
  if (sameName && m.identity.tokenHash === identity.tokenHash) return;
  const what = sameName
    ? `cluster.token differs (the directory's token hashes to ${m.identity.tokenHash}, the config's to ${identity.tokenHash})`
    : `cluster.name differs (the directory's is ${JSON.stringify(m.identity.name)}, the config's ${JSON.stringify(identity.name)})`;
  throw new StorageError(
    "foreign-cluster",
    dir,
    `this data directory belongs to cluster ${hexId(m.clusterId)}, but the config is for another cluster (${hexId(configClusterId)} at bootstrap): ` +
      `${what}. Refusing to start: it would mix two clusters' data. Start it with the config of cluster ${hexId(m.clusterId)}, or point node.data_dir at this cluster's directory`,
  );
}

/** An id both ways etcdctl prints it: decimal (`endpoint status -w json`) and hex (`member add`, logs). */
export function hexId(id: number): string {
  return `${id} (0x${id.toString(16)})`;
}

export async function writeMarker(dir: string, clusterId: number, nodeId: number, identity?: ClusterIdentity): Promise<DataMarker> {
  const m: DataMarker = { format: "trireme-data", version: DATA_FORMAT_VERSION, clusterId, nodeId, created: new Date().toISOString(), ...(identity ? { identity } : {}) };
  await writeFileDurably(join(dir, MARKER_FILE), join(dir, `.${MARKER_FILE}.tmp`), dir, Buffer.from(JSON.stringify(m, null, 2) + "\n"));
  return m;
}
