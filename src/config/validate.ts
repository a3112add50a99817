// Checks one key's raw TOML value against its Kind from the schema. Each problem is reported
// with the key's full path, what was found and what was expected; nothing is coerced.
import { parseAddress } from "./address.ts";
import { describeType, formatInt, show } from "./format.ts";
import type { Kind } from "./key-spec.ts";
import { PEER_KEYS } from "./schema.ts";
import { closest } from "./suggest.ts";
import type { FlushPolicy, PeerConfig } from "./types.ts";

export type Report = (key: string, got: string, expected: string) => void;

const MAX_EXACT = Number.MAX_SAFE_INTEGER;

export function isTable(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  // smol-toml's TomlDate is an object too; a table never has toISOString.
  return typeof (v as { toISOString?: unknown }).toISOString !== "function";
}

export function describeKind(kind: Kind): string {
  switch (kind.type) {
    case "integer": {
      const unit = kind.unit === undefined ? "" : ` (${kind.unit})`;
      const range =
        kind.max >= MAX_EXACT ? `an integer ≥ ${formatInt(kind.min)}` : `an integer from ${formatInt(kind.min)} to ${formatInt(kind.max)}`;
      return range + unit + (kind.note === undefined ? "" : `; ${kind.note}`);
    }
    case "boolean":
      return "true or false";
    case "string":
      return "a non-empty string";
    case "enum":
      return `one of ${kind.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "address":
      return 'a "host:port" string, e.g. "10.0.0.1:2380" or "[::1]:2380"';
    case "path":
      return "a directory path (relative to this file)";
    case "flush_policy":
      return '"Immediate" or { Batch = { threshold = N, interval_ms = N } }';
    case "peers":
      return "an array of tables: [[cluster.peers]] with id and the four addresses";
    case "optional":
      return `${kind.what}, or "" for none`;
  }
}

/** The checked value, or undefined after reporting why `raw` is not one. */
export function checkValue(kind: Kind, raw: unknown, path: string, report: Report): unknown {
  const mismatch = () => {
    report(path, `${show(raw)} (${describeType(raw)})`, describeKind(kind));
    return undefined;
  };
  switch (kind.type) {
    case "integer":
      if (typeof raw === "bigint") {
        report(path, `${formatInt(raw)} (above 2^53−1, the largest integer trireme reads exactly)`, describeKind(kind));
        return undefined;
      }
      if (typeof raw !== "number" || !Number.isInteger(raw)) return mismatch();
      if (raw < kind.min || raw > kind.max) {
        report(path, formatInt(raw), describeKind(kind));
        return undefined;
      }
      return raw;
    case "boolean":
      return typeof raw === "boolean" ? raw : mismatch();
    case "string":
    case "path":
      return typeof raw === "string" && raw.trim() !== "" ? raw : mismatch();
    case "enum": {
      if (typeof raw !== "string") return mismatch();
      if (kind.values.includes(raw)) return raw;
      const near = closest(raw, kind.values);
      report(path, show(raw), describeKind(kind) + (near === undefined ? "" : ` (did you mean "${near}"?)`));
      return undefined;
    }
    case "address": {
      if (typeof raw !== "string") return mismatch();
      const parsed = parseAddress(raw);
      if (typeof parsed === "string") {
        report(path, `${show(raw)} (${parsed})`, describeKind(kind));
        return undefined;
      }
      return raw;
    }
    case "flush_policy":
      return checkFlushPolicy(raw, path, report);
    case "peers":
      return checkPeers(raw, path, report);
    case "optional":
      return typeof raw === "string" ? raw.trim() : mismatch();
  }
}

function checkFlushPolicy(raw: unknown, path: string, report: Report): FlushPolicy | undefined {
  const expected = describeKind({ type: "flush_policy" });
  if (typeof raw === "string") {
    if (raw === "Immediate") return raw;
    const near = closest(raw, ["Immediate", "Batch"]);
    const hint =
      near === "Batch"
        ? " (Batch needs its parameters: { Batch = { threshold = 1000, interval_ms = 100 } })"
        : near === undefined
          ? ""
          : ` (did you mean "${near}"?)`;
    report(path, show(raw), expected + hint);
    return undefined;
  }
  if (!isTable(raw)) {
    report(path, `${show(raw)} (${describeType(raw)})`, expected);
    return undefined;
  }
  const keys = Object.keys(raw);
  if (keys.length !== 1 || keys[0] !== "Batch") {
    const stray = keys.find((k) => k !== "Batch");
    const near = stray === undefined ? undefined : closest(stray, ["Batch"]);
    report(
      stray === undefined ? path : `${path}.${stray}`,
      show(raw),
      `a table with the single key Batch${near === undefined ? "" : ` (did you mean "Batch"?)`}, i.e. ${expected}`,
    );
    return undefined;
  }
  const batch = raw.Batch;
  if (!isTable(batch)) {
    report(`${path}.Batch`, `${show(batch)} (${describeType(batch)})`, "a table { threshold = N, interval_ms = N }");
    return undefined;
  }
  let ok = true;
  for (const k of Object.keys(batch)) {
    if (k !== "threshold" && k !== "interval_ms") {
      const near = closest(k, ["threshold", "interval_ms"]);
      report(`${path}.Batch.${k}`, "an unknown key", `threshold and interval_ms only${near === undefined ? "" : ` (did you mean "${near}"?)`}`);
      ok = false;
    }
  }
  const field = (name: "threshold" | "interval_ms", what: string): number | undefined => {
    if (batch[name] === undefined) {
      report(`${path}.Batch.${name}`, "nothing (missing)", `${what}: an integer ≥ 1`);
      return undefined;
    }
    const unit = name === "interval_ms" ? "ms" : "entries";
    return checkValue({ type: "integer", min: 1, max: 100_000_000, unit }, batch[name], `${path}.Batch.${name}`, report) as
      | number
      | undefined;
  };
  const threshold = field("threshold", "pending entries that trigger a flush");
  const interval_ms = field("interval_ms", "longest wait before pending entries are flushed");
  if (!ok || threshold === undefined || interval_ms === undefined) return undefined;
  return { Batch: { threshold, interval_ms } };
}

function checkPeers(raw: unknown, path: string, report: Report): PeerConfig[] | undefined {
  if (!Array.isArray(raw)) {
    report(path, `${show(raw)} (${describeType(raw)})`, describeKind({ type: "peers" }));
    return undefined;
  }
  const peers: PeerConfig[] = [];
  let ok = true;
  raw.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    if (!isTable(entry)) {
      report(at, `${show(entry)} (${describeType(entry)})`, "a table with id and the four addresses");
      ok = false;
      return;
    }
    const known = PEER_KEYS.map((k) => k.key as string);
    for (const k of Object.keys(entry)) {
      if (!known.includes(k)) {
        const near = closest(k, known);
        report(`${at}.${k}`, "an unknown key", `one of ${known.join(", ")}${near === undefined ? "" : ` (did you mean "${near}"?)`}`);
        ok = false;
      }
    }
    const peer: Record<string, unknown> = {};
    for (const spec of PEER_KEYS) {
      const value = entry[spec.key];
      if (value === undefined) {
        if (spec.key === "name" && typeof entry.id === "number") peer.name = `node-${entry.id}`;
        if (spec.required) {
          report(`${at}.${spec.key}`, "nothing (missing)", describeKind(spec.kind));
          ok = false;
        }
        continue;
      }
      const checked = checkValue(spec.kind, value, `${at}.${spec.key}`, report);
      if (checked === undefined) ok = false;
      else peer[spec.key] = checked;
    }
    peers.push(peer as unknown as PeerConfig);
  });
  return ok ? peers : undefined;
}
