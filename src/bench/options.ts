// `trireme bench` settings, with etcd `benchmark`'s knobs and defaults where they make sense,
// checked in one place so the CLI only parses flags and the runner only runs.

export type Workload = "put" | "range" | "txn-put";
export const WORKLOADS: readonly Workload[] = ["put", "range", "txn-put"];

/** "h2": gRPC framed by hand over node:http2 (lean, the default); "grpc-js": @grpc/grpc-js. */
export type ClientKind = "h2" | "grpc-js";

export type StopRule = { kind: "total"; total: number } | { kind: "duration"; seconds: number };

export interface BenchOptions {
  workload: Workload;
  /** "host:port" each; connections are spread round-robin over them. */
  endpoints: string[];
  /** gRPC connections (separate HTTP/2 connections, one TCP socket each). */
  conns: number;
  /** Concurrent clients; each has exactly one request in flight. Client i uses connection i % conns. */
  clients: number;
  stop: StopRule;
  keySize: number;
  valSize: number;
  sequentialKeys: boolean;
  keySpaceSize: number;
  /** Range only: "l" linearizable, "s" serializable. */
  consistency: "l" | "s";
  /** Range only: a fixed key (and optional range end); when absent each range reads a generated key. */
  rangeKey: string | undefined;
  rangeEnd: string | undefined;
  /** txn-put only: puts per transaction. */
  txnOps: number;
  /** Requests per second across all clients; 0 means unlimited. */
  rate: number;
  /** Per-request deadline. */
  timeoutMs: number;
  /** How long to wait for every connection to come up before giving up. */
  dialTimeoutMs: number;
  json: boolean;
  client: ClientKind;
}

/** Flag values as `util.parseArgs` returns them (strings and booleans). */
export interface RawBenchFlags {
  endpoints?: string;
  conns?: string;
  clients?: string;
  total?: string;
  duration?: string;
  "key-size"?: string;
  "val-size"?: string;
  "sequential-keys"?: boolean;
  "key-space-size"?: string;
  consistency?: string;
  "txn-ops"?: string;
  rate?: string;
  timeout?: string;
  "dial-timeout"?: string;
  json?: boolean;
  client?: string;
}

export const DEFAULTS = {
  endpoints: "127.0.0.1:2379",
  conns: 1,
  clients: 1,
  total: 10_000,
  keySize: 8,
  valSize: 256,
  // etcd's benchmark defaults to a key space of 1 (one key overwritten); a new key per put is the
  // convention the design asks for, so the default space is large.
  keySpaceSize: 1_000_000,
  txnOps: 1,
  timeoutSeconds: 10,
  dialTimeoutSeconds: 5,
} as const;

/** Turns parsed flags and positionals into options, or a message naming the bad flag. */
export function resolveOptions(flags: RawBenchFlags, positionals: string[]): BenchOptions | string {
  const [workload, ...rest] = positionals;
  if (workload === undefined) return `missing subcommand: one of ${WORKLOADS.join(", ")}`;
  if (!(WORKLOADS as readonly string[]).includes(workload)) {
    return `unknown subcommand "${workload}": expected one of ${WORKLOADS.join(", ")}`;
  }
  const w = workload as Workload;
  if (w !== "range" && rest.length > 0) return `${w} takes no arguments, got "${rest.join(" ")}"`;
  if (w === "range" && rest.length > 2) return `range takes at most a key and a range end, got "${rest.join(" ")}"`;

  const endpoints = (flags.endpoints ?? DEFAULTS.endpoints)
    .split(",")
    .map((e) => e.trim().replace(/^https?:\/\//, ""))
    .filter((e) => e.length > 0);
  if (endpoints.length === 0) return "--endpoints: expected a comma-separated list of host:port";
  for (const e of endpoints) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(e)) return `--endpoints: "${e}" is not host:port`;
  }

  const int = (name: keyof RawBenchFlags, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number | string => {
    const text = flags[name];
    if (text === undefined) return def;
    if (typeof text !== "string" || !/^\d+$/.test(text)) return `--${name}: expected a whole number, got "${String(text)}"`;
    const n = Number(text);
    if (n < min || n > max) return `--${name}: expected ${min}..${max}, got ${n}`;
    return n;
  };
  const conns = int("conns", DEFAULTS.conns, 1, 1000);
  const clients = int("clients", DEFAULTS.clients, 1, 100_000);
  const keySize = int("key-size", DEFAULTS.keySize, 1, 1 << 20);
  const valSize = int("val-size", DEFAULTS.valSize, 0, 64 << 20);
  const keySpaceSize = int("key-space-size", DEFAULTS.keySpaceSize, 1);
  const txnOps = int("txn-ops", DEFAULTS.txnOps, 1, 10_000);
  const rate = int("rate", 0, 0);
  for (const v of [conns, clients, keySize, valSize, keySpaceSize, txnOps, rate]) if (typeof v === "string") return v;

  const timeout = seconds(flags.timeout, "--timeout", DEFAULTS.timeoutSeconds);
  if (typeof timeout === "string") return timeout;
  const dialTimeout = seconds(flags["dial-timeout"], "--dial-timeout", DEFAULTS.dialTimeoutSeconds);
  if (typeof dialTimeout === "string") return dialTimeout;

  let stop: StopRule;
  if (flags.total !== undefined && flags.duration !== undefined) return "--total and --duration exclude each other: give one";
  if (flags.duration !== undefined) {
    const s = seconds(flags.duration, "--duration", 0);
    if (typeof s === "string") return s;
    stop = { kind: "duration", seconds: s };
  } else {
    const total = int("total", DEFAULTS.total, 1);
    if (typeof total === "string") return total;
    stop = { kind: "total", total };
  }

  const client = flags.client ?? "h2";
  if (client !== "h2" && client !== "grpc-js") return `--client: expected "h2" or "grpc-js", got "${client}"`;

  const consistency = flags.consistency ?? "l";
  if (consistency !== "l" && consistency !== "s") return `--consistency: expected "l" (linearizable) or "s" (serializable), got "${consistency}"`;
  if (flags.consistency !== undefined && w !== "range") return "--consistency applies to range only";
  if (flags["txn-ops"] !== undefined && w !== "txn-put") return "--txn-ops applies to txn-put only";

  const ks = keySpaceSize as number;
  const need = varintLength(ks - 1);
  if ((keySize as number) < need) return `--key-size ${String(keySize)} is too small for --key-space-size ${ks} (keys need ${need} bytes)`;

  return {
    workload: w,
    endpoints,
    conns: conns as number,
    clients: clients as number,
    stop,
    keySize: keySize as number,
    valSize: valSize as number,
    sequentialKeys: flags["sequential-keys"] ?? false,
    keySpaceSize: ks,
    consistency,
    rangeKey: w === "range" ? rest[0] : undefined,
    rangeEnd: w === "range" ? rest[1] : undefined,
    txnOps: txnOps as number,
    rate: rate as number,
    timeoutMs: Math.round(timeout * 1000),
    dialTimeoutMs: Math.round(dialTimeout * 1000),
    json: flags.json ?? false,
    client,
  };
}

/** "10", "2.5", "30s", "500ms", "2m" → seconds (> 0). */
function seconds(text: string | undefined, flag: string, def: number): number | string {
  if (text === undefined) return def;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (m === null) return `${flag}: expected a duration such as 30, 30s, 500ms or 2m, got "${text}"`;
  const n = Number(m[1]) * (m[2] === "ms" ? 0.001 : m[2] === "m" ? 60 : 1);
  if (!(n > 0)) return `${flag}: expected a duration above zero, got "${text}"`;
  return n;
}

/** Bytes of Go's binary.PutVarint (zig-zag) for a non-negative n, as etcd's benchmark keys use. */
export function varintLength(n: number): number {
  let u = n * 2;
  let len = 1;
  while (u >= 128) {
    u = Math.floor(u / 128);
    len++;
  }
  return len;
}
