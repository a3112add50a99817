// docs/configuration.md, generated from the schema, the rules and the presets (scripts/gen-config.ts
// writes it; test/config fails when the committed file differs).
import { formatFlushPolicy, formatInt } from "./format.ts";
import { NETWORK_KEY_MECHANISMS } from "./mechanisms.ts";
import { MEMBER_SYNTAX } from "./members.ts";
import {
  BULK_MIN_CONNECT_MS,
  DEPLOYMENT_PRESETS,
  DEPLOYMENTS,
  NETWORK_PRESETS,
  NETWORK_ROWS,
  NETWORKS,
  type Preset,
} from "./presets.ts";
import { KEEPALIVE_RATIO, RULES } from "./rules.ts";
import { isDerived, type KeySpec } from "./key-spec.ts";
import { PEER_KEYS, PLANE_KEYS, SCHEMA, TABLE_DOCS } from "./schema.ts";
import type { FlushPolicy } from "./types.ts";
import { describeKind } from "./validate.ts";

const cell = (s: string) => s.replace(/\|/g, "\\|");

function value(spec: KeySpec, v: unknown): string {
  if (spec.kind.type === "flush_policy") return `\`${formatFlushPolicy(v as FlushPolicy)}\``;
  if (typeof v === "number") return `\`${formatInt(v)}\``;
  if (typeof v === "string") return `\`${JSON.stringify(v)}\``;
  return `\`${String(v)}\``;
}

function keyTables(): string[] {
  const out: string[] = [];
  let table: string | undefined;
  for (const spec of SCHEMA) {
    const cut = spec.path.lastIndexOf(".");
    const parent = spec.path.slice(0, cut);
    if (parent !== table) {
      table = parent;
      out.push("", `### \`[${parent}]\``, "", TABLE_DOCS[parent] ?? "", "", "| key | type | default | what it does |", "| --- | --- | --- | --- |");
    }
    const def = isDerived(spec.default) ? spec.default.derived : value(spec, spec.default);
    out.push(`| \`${spec.path.slice(cut + 1)}\` | ${cell(describeKind(spec.kind))} | ${cell(def)} | ${cell(spec.doc)} |`);
  }
  out.push(
    "",
    "### `[[cluster.peers]]`",
    "",
    "One table per member. `trireme init --peers` writes them; a member list that omits this node gets it added.",
    "",
    "| key | type | required | what it does |",
    "| --- | --- | --- | --- |",
    ...PEER_KEYS.map((k) => `| \`${k.key}\` | ${cell(describeKind(k.kind))} | ${k.required ? "yes" : "no"} | ${cell(k.doc)} |`),
  );
  return out;
}

function presetTable(names: readonly string[], presets: Readonly<Record<string, Preset>>): string[] {
  const paths = [...new Set(names.flatMap((n) => presets[n].settings.map((s) => s.path)))];
  const spec = (p: string) => SCHEMA.find((s) => s.path === p) as KeySpec;
  return [
    `| key | ${names.join(" | ")} |`,
    `| --- | ${names.map(() => "---").join(" | ")} |`,
    ...paths.map((p) => {
      const values = names.map((n) => {
        const s = presets[n].settings.find((x) => x.path === p);
        return s === undefined ? "(default)" : cell(value(spec(p), s.value));
      });
      return `| \`${p}\` | ${values.join(" | ")} |`;
    }),
  ];
}

export function renderConfigDocs(): string {
  const planeKeyNames = PLANE_KEYS.map((k) => k.key);
  return [
    "# Configuration reference",
    "",
    "<!-- Generated from src/config/ (schema.ts, rules.ts, presets.ts, mechanisms.ts) by",
    "     `node_modules/.bin/bun scripts/gen-config.ts`. Do not edit: test/config fails when this file is stale. -->",
    "",
    "A trireme node reads one TOML file. `trireme init` writes a complete, commented one from two",
    "presets; `trireme config check FILE` validates a file and prints every key's effective value.",
    "",
    "- Every key has a default (below); a file only needs the keys it changes.",
    "- Unknown keys and tables are errors, with a did-you-mean suggestion. Wrong types, out-of-range",
    "  values, integers above 2^53−1 and bad `host:port` addresses are errors. Every problem is",
    "  reported at once, each with the file, the line (found by scanning the text; best effort), the",
    "  key, what it got and what it expected. Nothing is coerced.",
    "- Integers may use TOML's `1_048_576` form. A relative `node.data_dir` is relative to the",
    "  config file's directory, not to the working directory.",
    "",
    "## Keys",
    ...keyTables(),
    "",
    "## `flush_policy` forms",
    "",
    "All three are accepted, as the tuning guide writes them:",
    "",
    "```toml",
    "[raft.persistence]",
    'flush_policy = "Immediate"',
    "# or",
    "flush_policy = { Batch = { threshold = 1000, interval_ms = 100 } }",
    "```",
    "",
    "```toml",
    "[raft.persistence.flush_policy.Batch]",
    "threshold = 1000",
    "interval_ms = 100",
    "```",
    "",
    "A Batch policy flushes when `threshold` entries are pending or `interval_ms` has passed,",
    "whichever comes first; both are required and must be ≥ 1.",
    "",
    "## Cross-key rules",
    "",
    "Errors refuse the file; warnings are printed and the file is used; adjustments change the",
    "value and say so in a warning.",
    "",
    ...RULES.map((r) => `- **${r.severity === "adjust" ? "adjustment" : r.severity}**: ${r.doc}`),
    "",
    "## Keep-alive ratio",
    "",
    'The tuning guide says "Keep-alive interval ≈ 1/3 of timeout", but every row of its own network',
    "table has an interval of about twice the timeout (10/5, 15/8, 20/10, 30/15). Taken literally, an",
    "interval a third of the timeout would send two more PINGs while the first is still allowed to be",
    "unanswered, which is pointless; the tables are the sensible reading (the ack deadline ends before",
    "the next PING is due). trireme therefore reads the guideline as *interval ≈ 3 × timeout* and",
    `warns only outside a factor of two of that: interval / timeout below ${KEEPALIVE_RATIO.min} or above ${KEEPALIVE_RATIO.max}.`,
    "The guide's own presets (ratios 2, 1.875, 2, 2) pass without a warning; a literal 1/3 ratio warns.",
    "",
    "## Presets (`trireme init --preset … --network …`)",
    "",
    "The deployment preset and the network preset each set the keys below, value for value from the",
    "tuning guide; every other key keeps its default. The generated file says, for every key a preset",
    "set, which part of the guide the value comes from.",
    "",
    "### Deployment presets",
    "",
    ...DEPLOYMENT_PRESETS.map((n) => `- \`${n}\`: ${DEPLOYMENTS[n].title}. ${DEPLOYMENTS[n].summary}.`),
    "",
    ...presetTable(DEPLOYMENT_PRESETS, DEPLOYMENTS),
    "",
    "`prod-5` uses DiskFirst, for which the guide gives no flush policy (\"less critical for",
    "DiskFirst\"): trireme's default is kept.",
    "",
    "### Network presets",
    "",
    "Applied to all three planes, except the Bulk plane's `request_timeout_in_ms` (the deployment",
    `preset's snapshot timeout) and its \`connect_timeout_in_ms\`, which is at least ${formatInt(BULK_MIN_CONNECT_MS)} ms (the guide's`,
    'Bulk-plane example: "slow-start connections"). Where the guide gives a range, trireme picks:',
    "",
    "| preset | guide row | connect_timeout_in_ms | control request_timeout_in_ms | data request_timeout_in_ms |",
    "| --- | --- | --- | --- | --- |",
    ...NETWORK_PRESETS.map((n) => {
      const r = NETWORK_ROWS[n];
      const pick = (x: { range: string; value: number; why: string }) => `${formatInt(x.value)} of ${x.range} (${cell(x.why)})`;
      return `| \`${n}\` | ${r.title} | ${pick(r.connect)} | ${pick(r.controlRequest)} | ${pick(r.dataRequest)} |`;
    }),
    "",
    ...presetTable(
      NETWORK_PRESETS,
      Object.fromEntries(
        NETWORK_PRESETS.map((n) => [n, { ...NETWORKS[n], settings: NETWORKS[n].settings.filter((s) => s.path.startsWith("network.data.")) }]),
      ),
    ).map((l) => l.replace("`network.data.", "`network.*.")),
    "",
    "(`network.*.request_timeout_in_ms` above is the Data plane's; the Control plane's is in the",
    "table before.) Raft timings (`raft.heartbeat_interval_ms`, `raft.election_timeout_ms`) are not in",
    "the guide and keep their defaults; on high-latency links raise them so the heartbeat stays",
    "above the peers' round-trip time.",
    "",
    "### `--peers`",
    "",
    `${MEMBER_SYNTAX}.`,
    "",
    "## How each `[network.*]` key takes effect",
    "",
    "A key the stack cannot honour is never silently ignored: it is applied by other means or refused.",
    "",
    "| key | mechanism |",
    "| --- | --- |",
    ...planeKeyNames.map((k) => `| \`${k}\` | ${cell(NETWORK_KEY_MECHANISMS[k])} |`),
    "",
  ].join("\n");
}
