// `trireme config check FILE`: validates a config file and prints every key's effective value.
import { ConfigError, effectiveValues, formatWarning, loadConfigDetailed } from "../config/load.ts";
import { formatFlushPolicy, formatInt } from "../config/format.ts";
import type { FlushPolicy } from "../config/types.ts";
import { parse, UsageError, type Command } from "./usage.ts";

const usage = `Usage: trireme config check FILE

Validates FILE and prints every key's effective value, marked "(default)" where the file does not
set it. Warnings go to stderr. Exit status: 0 valid, 1 invalid (the problems on stderr), 2 usage.

Flags:
  -h, --help  show this help`;

function show(path: string, value: unknown): string {
  if (path === "raft.persistence.flush_policy") return formatFlushPolicy(value as FlushPolicy);
  if (typeof value === "number") return formatInt(value);
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

export const configCheckCommand: Command = {
  name: "config check",
  summary: "validate a config file and print its effective values",
  usage,
  async run(argv) {
    const { positionals } = parse(argv, {}, usage, true);
    if (positionals.length !== 1) {
      throw new UsageError(positionals.length === 0 ? "missing FILE" : `one FILE expected; got ${positionals.length}`, usage);
    }
    const file = positionals[0];
    let loaded;
    try {
      loaded = loadConfigDetailed(file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      console.error(err.message);
      return 1;
    }
    for (const w of loaded.warnings) console.error(`warning: ${formatWarning(w)}`);
    const c = loaded.config;
    const self = `cluster.peers[${c.cluster.peers.findIndex((p) => p.id === c.node.id)}].`;
    const rows = effectiveValues(c).map(({ key, path, value }) => {
      const adjusted = loaded.adjusted.get(path);
      const note = loaded.defaulted.has(path)
        ? "(default)"
        : adjusted === undefined || (path === "cluster.peers" && !key.startsWith(self))
          ? ""
          : path === "cluster.peers"
            ? "(derived: this node)"
            : "(adjusted: see the warning)";
      return { left: `${key} = ${show(path, value)}`, note };
    });
    const width = Math.max(...rows.map((r) => r.left.length));
    const n = loaded.warnings.length;
    console.log(`${file}: valid${n === 0 ? "" : ` (${n} warning${n === 1 ? "" : "s"})`}`);
    for (const r of rows) console.log(r.note === "" ? r.left : `${r.left.padEnd(width)}  ${r.note}`);
    return 0;
  },
};
