// How values are written back to a user: in TOML syntax, integers grouped like the tuning guide.
import type { FlushPolicy } from "./types.ts";

/** 1048576 → "1_048_576"; numbers below 10_000 stay plain, as the guide writes them. */
export function formatInt(n: number | bigint): string {
  const s = String(n);
  const neg = s.startsWith("-");
  const digits = neg ? s.slice(1) : s;
  if (digits.length <= 4 || !/^\d+$/.test(digits)) return s;
  return (neg ? "-" : "") + digits.replace(/\B(?=(\d{3})+(?!\d))/g, "_");
}

export function formatFlushPolicy(p: FlushPolicy): string {
  return p === "Immediate"
    ? '"Immediate"'
    : `{ Batch = { threshold = ${formatInt(p.Batch.threshold)}, interval_ms = ${formatInt(p.Batch.interval_ms)} } }`;
}

/** A TOML-ish rendering of any parsed value, short enough for one message line. */
export function show(v: unknown): string {
  let s: string;
  if (typeof v === "string") s = JSON.stringify(v);
  else if (typeof v === "number") s = Number.isInteger(v) ? formatInt(v) : String(v);
  else if (typeof v === "bigint") s = formatInt(v);
  else if (typeof v === "boolean") s = String(v);
  else if (v === undefined) s = "nothing";
  else if (Array.isArray(v)) s = `[${v.map(show).join(", ")}]`;
  else if (v instanceof Date || (typeof v === "object" && v !== null && typeof (v as { toISOString?: unknown }).toISOString === "function")) {
    s = String(v);
  } else if (typeof v === "object" && v !== null) {
    s = `{ ${Object.entries(v)
      .map(([k, x]) => `${k} = ${show(x)}`)
      .join(", ")} }`;
  } else s = String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** "a string", "an integer", ... for type-mismatch messages. */
export function describeType(v: unknown): string {
  if (typeof v === "string") return "a string";
  if (typeof v === "bigint") return "an integer";
  if (typeof v === "number") return Number.isInteger(v) ? "an integer" : "a number with a fraction";
  if (typeof v === "boolean") return "a boolean";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object" && v !== null && typeof (v as { toISOString?: unknown }).toISOString === "function") return "a date";
  if (typeof v === "object" && v !== null) return "a table";
  return typeof v;
}
