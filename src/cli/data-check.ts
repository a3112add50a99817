// `trireme data check DIR`: what a data directory holds, read-only; exit 1 when anything is wrong.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { checkKvFile, type KvCheckReport } from "../kv/integrity.ts";
import { KV_FILE, repairAdvice } from "../node/repair.ts";
import { inspectDataDir, type DataDirReport } from "../storage/index.ts";
import { UsageError, parse, type Command } from "./usage.ts";

const usage = `Usage: trireme data check [--json] DIR

Reports what a trireme data directory holds: the marker (cluster and node id), the hard state,
the log's first and last index (every entry's checksum checked), every snapshot with its index,
term, size and checksum, and the kv store (SQLite's full integrity_check and every history row's
checksum). Reads only; nothing is repaired or changed. Exit status 1 when a problem is found.

Flags:
  --json      print the report as JSON
  -h, --help  show this help`;

type Report = DataDirReport & { kv?: KvCheckReport };

function render(r: Report): string {
  const lines = [`data directory ${r.dir}`];
  if (r.marker) {
    const made = r.marker.identity ? `, made for [cluster] name ${JSON.stringify(r.marker.identity.name)} with a token hashing to ${r.marker.identity.tokenHash}` : "";
    lines.push(`  marker:      format v${r.marker.version}, cluster ${r.marker.clusterId}, node ${r.marker.nodeId}, created ${r.marker.created}${made}`);
  }
  if (r.hardState) lines.push(`  hard state:  term ${r.hardState.term}, vote ${r.hardState.vote}`);
  if (r.log) {
    const span = r.log.entries > 0 ? `${r.log.firstIndex}..${r.log.lastIndex} (${r.log.entries} entries)` : `empty, next index ${r.log.firstIndex}`;
    lines.push(`  log:         ${span}, durable through ${r.log.lastIndex}, ${r.log.bytes} bytes in ${r.log.file}`);
  }
  if (r.snapshots.length === 0) lines.push("  snapshots:   none");
  for (const s of r.snapshots) {
    const kind = s.kind === "marker" ? " (kv.db durable here, no copy)" : s.kind === "image" ? " (image of kv.db)" : "";
    const where = s.index !== undefined ? `index ${s.index}, term ${s.term}${kind}` : "unreadable";
    lines.push(`  snapshot:    ${s.name}: ${where}, ${s.size} bytes, checksum ${s.checksumOk ? "ok" : "BAD"}`);
  }
  if (r.kv) {
    const unchecked = r.kv.uncheckedRows > 0 ? ` (${r.kv.uncheckedRows} more predate checksums)` : "";
    lines.push(`  kv store:    applied index ${r.kv.appliedIndex}, revision ${r.kv.revision}, ${r.kv.checkedRows} history rows checked${unchecked} in ${r.kv.file}`);
  }
  if (r.problems.length === 0) lines.push("no problems found");
  else lines.push(`${r.problems.length} problem(s):`, ...r.problems.map((p) => `  - ${p}`), `to repair: ${repairAdvice(undefined)}`);
  return lines.join("\n");
}

export const dataCheck: Command = {
  name: "data check",
  summary: "report what a data directory holds and whether it is intact",
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { json: { type: "boolean" } }, usage, true);
    if (positionals.length !== 1) throw new UsageError("expected exactly one data directory", usage);
    const dir = positionals[0]!;
    const report: Report = await inspectDataDir(dir);
    if (existsSync(join(dir, KV_FILE))) {
      report.kv = checkKvFile(join(dir, KV_FILE));
      report.problems.push(...report.kv.problems);
    }
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else console.log(render(report));
    return report.problems.length === 0 ? 0 : 1;
  },
};
