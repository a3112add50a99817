// Writes a Config as a complete, commented config.toml: every key, in schema order, each with a
// comment saying what it does and, where a preset chose the value, why.
import { formatFlushPolicy, formatInt } from "./format.ts";
import type { KeySpec, LeafPath } from "./key-spec.ts";
import { getPath, SCHEMA, TABLE_DOCS } from "./schema.ts";
import type { Config, FlushPolicy, PeerConfig } from "./types.ts";

export interface RenderOptions {
  /** Why a preset chose a key's value; rendered as a "preset:" comment line. */
  reasons?: ReadonlyMap<LeafPath, string>;
  /** Comment lines for the top of the file (without "# "). */
  header?: readonly string[];
}

const MiB = 1_048_576;

function renderValue(spec: KeySpec, value: unknown): string {
  if (spec.kind.type === "flush_policy") return formatFlushPolicy(value as FlushPolicy);
  if (typeof value === "number") {
    const size = spec.kind.type === "integer" && spec.kind.unit === "bytes" && value >= MiB && value % MiB === 0 ? `   # ${value / MiB} MiB` : "";
    return formatInt(value) + size;
  }
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

function renderPeers(peers: readonly PeerConfig[]): string[] {
  return peers.flatMap((p) => [
    "[[cluster.peers]]",
    `id = ${p.id}`,
    `name = ${JSON.stringify(p.name)}`,
    `client_address = ${JSON.stringify(p.client_address)}`,
    `control_address = ${JSON.stringify(p.control_address)}`,
    `data_address = ${JSON.stringify(p.data_address)}`,
    `bulk_address = ${JSON.stringify(p.bulk_address)}`,
    "",
  ]);
}

export function renderConfig(config: Config, o: RenderOptions = {}): string {
  const out: string[] = (o.header ?? []).map((l) => (l === "" ? "#" : `# ${l}`));
  let table: string | undefined;
  for (const spec of SCHEMA) {
    const cut = spec.path.lastIndexOf(".");
    const parent = spec.path.slice(0, cut);
    const name = spec.path.slice(cut + 1);
    const value = getPath(config, spec.path);
    const reason = o.reasons?.get(spec.path);
    if (spec.kind.type === "peers") {
      out.push("", `# ${spec.doc}`, ...(reason === undefined ? [] : [`# preset: ${reason}`]), ...renderPeers(value as PeerConfig[]));
      table = undefined; // the next key needs its table header again
      continue;
    }
    if (parent !== table) {
      if (out.length > 0 && out[out.length - 1] !== "") out.push("");
      const doc = TABLE_DOCS[parent];
      if (doc !== undefined) out.push(`# ${doc}`);
      out.push(`[${parent}]`);
      table = parent;
    }
    out.push(`# ${spec.doc}`);
    if (reason !== undefined) out.push(`# preset: ${reason}`);
    out.push(`${name} = ${renderValue(spec, value)}`);
  }
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trim()}\n`;
}
