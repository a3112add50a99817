// What describes one key of config.toml: its dotted path in Config, its kind (the value's type and
// bounds) and its default, typed so a default cannot disagree with the field it fills. schema.ts's
// table and the section files beside it (network-keys.ts, tls-keys.ts, ...) are written in it.
import type { Config } from "./types.ts";

/** Every leaf of Config as a dotted TOML path. Arrays (peers) and FlushPolicy are leaves. */
type Leaves<T> = {
  [K in keyof T & string]: T[K] extends readonly unknown[] ? K : [T[K]] extends [object] ? `${K}.${Leaves<T[K]>}` : K;
}[keyof T & string];
export type LeafPath = Leaves<Config>;

/** The value type at a dotted path of Config. */
export type PathValue<T, P extends string> = P extends `${infer H}.${infer R}`
  ? H extends keyof T
    ? PathValue<T[H], R>
    : never
  : P extends keyof T
    ? T[P]
    : never;

export type Kind =
  | { type: "integer"; min: number; max: number; unit?: "ms" | "s" | "bytes" | "entries"; note?: string }
  | { type: "boolean" }
  | { type: "string" }
  | { type: "enum"; values: readonly string[] }
  /** "host:port": IPv4, a DNS name or [IPv6], port 1–65535. */
  | { type: "address" }
  /** A directory; relative paths resolve against the config file's directory. */
  | { type: "path" }
  /** `"Immediate"` or `{ Batch = { threshold, interval_ms } }`. */
  | { type: "flush_policy" }
  /** `[[cluster.peers]]`: an array of tables described by PEER_KEYS. */
  | { type: "peers" }
  /** A string that may be empty ("" = none): a file relative to the config file, or a name. */
  | { type: "optional"; what: string };

/** A default computed from the rest of the config (e.g. a name from the id). */
export interface DerivedDefault<V> {
  /** How the docs and `config check` describe it. */
  derived: string;
  from(config: Config): V;
}

export interface KeySpec<P extends LeafPath = LeafPath> {
  path: P;
  kind: Kind;
  default: PathValue<Config, P> | DerivedDefault<PathValue<Config, P>>;
  /** One line: what the key does. */
  doc: string;
}

export function key<P extends LeafPath>(
  path: P,
  kind: Kind,
  def: PathValue<Config, P> | DerivedDefault<PathValue<Config, P>>,
  doc: string,
): KeySpec<P> {
  return { path, kind, default: def, doc };
}

export function isDerived<V>(d: V | DerivedDefault<V>): d is DerivedDefault<V> {
  return typeof d === "object" && d !== null && "derived" in d && "from" in d;
}

/** An integer kind with its bounds, unit and a note for the docs. */
export const int = (min: number, max: number, unit?: "ms" | "s" | "bytes" | "entries", note?: string): Kind => ({
  type: "integer",
  min,
  max,
  ...(unit === undefined ? {} : { unit }),
  ...(note === undefined ? {} : { note }),
});
