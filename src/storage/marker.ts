// `trireme-data.json`: which cluster member a data directory belongs to, and its format.
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
  return { format: "trireme-data", version: DATA_FORMAT_VERSION, clusterId: o.clusterId as number, nodeId: o.nodeId as number, created: o.created };
}

export function checkMarker(dir: string, m: DataMarker, clusterId: number, nodeId: number): void {
  const file = join(dir, MARKER_FILE);
  if (m.clusterId !== clusterId) {
    throw new StorageError("foreign-cluster", file, `this data directory belongs to cluster ${m.clusterId}, but the node is configured for cluster ${clusterId}; point node.data_dir at this cluster's directory`);
  }
  if (m.nodeId !== nodeId) {
    throw new StorageError("foreign-node", file, `this data directory belongs to node ${m.nodeId}, but the node is configured as node ${nodeId}`);
  }
}

export async function writeMarker(dir: string, clusterId: number, nodeId: number): Promise<DataMarker> {
  const m: DataMarker = { format: "trireme-data", version: DATA_FORMAT_VERSION, clusterId, nodeId, created: new Date().toISOString() };
  await writeFileDurably(join(dir, MARKER_FILE), join(dir, `.${MARKER_FILE}.tmp`), dir, Buffer.from(JSON.stringify(m, null, 2) + "\n"));
  return m;
}
