// config.toml → a validated Config. Every problem in the file is collected and reported at once,
// each naming the file, the line when it can be found, the key, what it got and what it expected.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import { keyLines, lineOf } from "./lines.ts";
import { RULES } from "./rules.ts";
import { resolveTlsFiles } from "./tls-keys.ts";
import { resolveAuthFiles } from "./auth-keys.ts";
import type { LeafPath } from "./key-spec.ts";
import { fillDefaults, getPath, SCHEMA, selfAsPeer, setPath, specOf, TABLES } from "./schema.ts";
import { closest } from "./suggest.ts";
import type { Config } from "./types.ts";
import { checkValue, isTable } from "./validate.ts";
import { describeType, show } from "./format.ts";

export interface ConfigProblem {
  file: string;
  line?: number;
  /** Dotted path, e.g. "network.data.connection_window_size" or "cluster.peers[1].id". */
  key: string;
  got: string;
  expected: string;
}

export interface ConfigWarning {
  file: string;
  line?: number;
  key: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    const file = problems[0]?.file ?? "config";
    const n = problems.length;
    super(
      `invalid configuration ${file} (${n} problem${n === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  ${where(p)}: ${p.key}: got ${p.got}; expected ${p.expected}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

function where(p: { file: string; line?: number }): string {
  return p.line === undefined ? p.file : `${p.file}:${p.line}`;
}

export function formatWarning(w: ConfigWarning): string {
  return `${where(w)}: ${w.key}: ${w.message}`;
}

export interface LoadedConfig {
  config: Config;
  warnings: ConfigWarning[];
  /** Keys absent from the file, whose value is the default. */
  defaulted: ReadonlySet<LeafPath>;
  /** Keys whose value trireme completed or changed, with what it did (e.g. this node added to peers). */
  adjusted: ReadonlyMap<string, string>;
}

/** Reads and validates a config file; throws ConfigError listing every problem. */
export function loadConfig(path: string): Config {
  return loadConfigDetailed(path).config;
}

export function loadConfigDetailed(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError([
      { file: path, key: "(file)", got: code === "ENOENT" ? "no such file" : String((err as Error).message), expected: "a readable TOML file" },
    ]);
  }
  return parseConfigDetailed(text, path);
}

/** Validates config text; `fileName` names it in messages and anchors a relative data_dir. */
export function parseConfig(text: string, fileName: string): Config {
  return parseConfigDetailed(text, fileName).config;
}

export function parseConfigDetailed(text: string, fileName: string): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigWarning[] = [];
  let raw: Record<string, unknown>;
  try {
    raw = parse(text, { integersAsBigInt: "asNeeded", unsafeKeyBehaviour: "throw" });
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const first = err.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
    throw new ConfigError([{ file: fileName, line: err.line, key: "(syntax)", got: first, expected: "valid TOML (https://toml.io)" }]);
  }
  const lines = keyLines(text);
  const bad = new Set<string>();
  const report = (key: string, got: string, expected: string) => {
    problems.push({ file: fileName, line: lineOf(lines, key), key, got, expected });
    bad.add(key);
  };

  const values: Record<string, unknown> = {};
  walk(raw, "", values, report);

  const defaulted = fillDefaults(values);
  // Rebuilt in schema order so printed configs read like the docs.
  const ordered: Record<string, unknown> = {};
  for (const spec of SCHEMA) setPath(ordered, spec.path, getPath(values, spec.path));
  const config = ordered as unknown as Config;
  const adjusted = new Map<string, string>();
  if (!defaulted.has("cluster.peers") && !bad.has("cluster.peers") && !config.cluster.peers.some((p) => p.id === config.node.id)) {
    config.cluster.peers.push(selfAsPeer(config));
    config.cluster.peers.sort((a, b) => a.id - b.id);
    adjusted.set("cluster.peers", `node ${config.node.id} (this node) added`);
  }

  resolveTlsFiles(config, dirname(resolve(fileName)));
  resolveAuthFiles(config, dirname(resolve(fileName)));
  const ctx = {
    error: report,
    warn: (key: string, message: string) => warnings.push({ file: fileName, line: lineOf(lines, key), key, message }),
  };
  for (const rule of RULES) {
    const broken = [...bad].some((b) => rule.reads.some((r) => b === r || b.startsWith(`${r}.`) || b.startsWith(`${r}[`)));
    if (broken) continue;
    const before = warnings.length;
    rule.check(config, ctx);
    if (rule.severity === "adjust") for (const w of warnings.slice(before)) adjusted.set(w.key, w.message);
  }
  if (problems.length > 0) {
    // In file order; problems without a line (e.g. a missing key) last.
    throw new ConfigError(problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity)));
  }

  if (!isAbsolute(config.node.data_dir)) config.node.data_dir = resolve(dirname(resolve(fileName)), config.node.data_dir);
  return { config, warnings, defaulted, adjusted };
}

/** Walks a parsed table against the schema: known leaves are checked, known tables recursed
 *  into, anything else is an unknown key with a suggestion. */
function walk(
  table: Record<string, unknown>,
  at: string,
  values: Record<string, unknown>,
  report: (key: string, got: string, expected: string) => void,
): void {
  for (const [name, raw] of Object.entries(table)) {
    const path = at === "" ? name : `${at}.${name}`;
    const spec = specOf(path);
    if (spec !== undefined) {
      const v = checkValue(spec.kind, raw, path, report);
      if (v !== undefined) setPath(values, path, v);
      continue;
    }
    if (TABLES.has(path)) {
      if (isTable(raw)) walk(raw, path, values, report);
      else report(path, `${show(raw)} (${describeType(raw)})`, `a table [${path}]`);
      continue;
    }
    report(path, isTable(raw) ? "an unknown table" : "an unknown key", unknownHint(at, name));
  }
}

function unknownHint(at: string, name: string): string {
  const siblings = TABLES.get(at) ?? [];
  const where = at === "" ? "at the top level" : `in [${at}]`;
  // The right key in the wrong table: point at where it belongs.
  const elsewhere = [...TABLES.entries()].filter(([t, names]) => t !== at && names.includes(name) && specOf(t === "" ? name : `${t}.${name}`));
  if (elsewhere.length > 0) return `a key of ${where}; ${name} belongs in [${elsewhere[0][0]}]`;
  const near = closest(name, siblings);
  const list = siblings.length <= 12 ? `: ${siblings.join(", ")}` : "";
  return `a known key ${where}${near === undefined ? list : ` (did you mean "${near}"?)`}`;
}

/** Every key's effective value in schema order, peers expanded; for `config check`. */
export function effectiveValues(c: Config): { key: string; path: LeafPath; value: unknown }[] {
  const out: { key: string; path: LeafPath; value: unknown }[] = [];
  for (const { path } of SCHEMA) {
    const value = getPath(c, path);
    if (path === "cluster.peers") {
      (value as Config["cluster"]["peers"]).forEach((p, i) => {
        for (const [k, v] of Object.entries(p)) out.push({ key: `cluster.peers[${i}].${k}`, path, value: v });
      });
    } else out.push({ key: path, path, value });
  }
  return out;
}
