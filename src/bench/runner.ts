// The load loop: `clients` workers, each with exactly one request in flight, spread over `conns`
// connections that are spread over the endpoints; stops after `total` requests or `duration`.
import { KeyGenerator, randomValue } from "./keys.ts";
import { H2KvConnection } from "./h2-client.ts";
import { CallError, KvConnection, type KvClient } from "./kv-client.ts";
import { LatencyRecorder, type LatencySummary } from "./latency.ts";
import type { BenchOptions } from "./options.ts";
import { RateLimiter } from "./rate.ts";

export interface Progress {
  done: number;
  ok: number;
  errors: number;
  elapsedSeconds: number;
  /** 0..1 towards the stop rule. */
  fraction: number;
}

export interface BenchResult {
  options: BenchOptions;
  requests: number;
  ok: number;
  errors: number;
  /** "CODE: message" → count. */
  errorsByCode: Record<string, number>;
  seconds: number;
  opsPerSecond: number;
  latency: LatencySummary;
}

export interface RunHooks {
  onProgress?: (p: Progress) => void;
  /** How often onProgress is called. */
  progressIntervalMs?: number;
}

type Request = (conn: KvClient) => Promise<void>;

/** Builds the request function of the workload; keys and the value are made like etcd's tool. */
export function workload(o: BenchOptions): Request {
  const keys = new KeyGenerator(o.keySize, o.keySpaceSize, o.sequentialKeys);
  const value = randomValue(o.valSize);
  const t = o.timeoutMs;
  switch (o.workload) {
    case "put":
      return (c) => c.put({ key: keys.key(), value }, t);
    case "txn-put":
      return (c) => {
        const success = [];
        for (let i = 0; i < o.txnOps; i++) success.push({ requestPut: { key: keys.key(), value } });
        return c.txn({ success }, t);
      };
    case "range": {
      const serializable = o.consistency === "s";
      if (o.rangeKey !== undefined) {
        const key = Buffer.from(o.rangeKey);
        const rangeEnd = o.rangeEnd === undefined ? undefined : Buffer.from(o.rangeEnd);
        return (c) => c.range({ key, rangeEnd, serializable }, t);
      }
      return (c) => c.range({ key: keys.key(), serializable }, t);
    }
  }
}

export async function runBench(o: BenchOptions, hooks: RunHooks = {}): Promise<BenchResult> {
  // grpc-js only when asked for: the rest of the binary never loads it.
  const grpc = o.client === "grpc-js" ? await import("@grpc/grpc-js") : undefined;
  const conns: KvClient[] = Array.from({ length: o.conns }, (_, i) => {
    const endpoint = o.endpoints[i % o.endpoints.length]!;
    return grpc ? new KvConnection(grpc, endpoint) : new H2KvConnection(endpoint);
  });
  try {
    await Promise.all(conns.map((c) => c.ready(o.dialTimeoutMs)));
    return await drive(o, conns, hooks);
  } finally {
    for (const c of conns) c.close();
  }
}

async function drive(o: BenchOptions, conns: KvClient[], hooks: RunHooks): Promise<BenchResult> {
  const request = workload(o);
  const limiter = new RateLimiter(o.rate);
  const latency = new LatencyRecorder();
  const errorsByCode: Record<string, number> = {};
  let issued = 0;
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = o.stop.kind === "duration" ? start + o.stop.seconds * 1000 : Infinity;
  const total = o.stop.kind === "total" ? o.stop.total : Infinity;

  // Claiming a request before sending keeps --total exact across concurrent clients.
  const claim = (): boolean => {
    if (issued >= total || performance.now() >= deadline) return false;
    issued++;
    return true;
  };

  const client = async (conn: KvClient): Promise<void> => {
    while (claim()) {
      await limiter.wait();
      const t0 = performance.now();
      try {
        await request(conn);
        latency.recordMs(performance.now() - t0);
        ok++;
      } catch (err) {
        errors++;
        const key = err instanceof CallError ? err.message : `client: ${err instanceof Error ? err.message : String(err)}`;
        errorsByCode[key] = (errorsByCode[key] ?? 0) + 1;
      }
    }
  };

  const progress = (): Progress => {
    const elapsed = (performance.now() - start) / 1000;
    const fraction = o.stop.kind === "total" ? (ok + errors) / o.stop.total : Math.min(1, elapsed / o.stop.seconds);
    return { done: ok + errors, ok, errors, elapsedSeconds: elapsed, fraction };
  };
  const timer = hooks.onProgress === undefined ? undefined : setInterval(() => hooks.onProgress!(progress()), hooks.progressIntervalMs ?? 1000);
  try {
    await Promise.all(Array.from({ length: o.clients }, (_, i) => client(conns[i % conns.length]!)));
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
  const seconds = (performance.now() - start) / 1000;
  hooks.onProgress?.(progress());
  return {
    options: o,
    requests: ok + errors,
    ok,
    errors,
    errorsByCode,
    seconds,
    opsPerSecond: seconds > 0 ? ok / seconds : 0,
    latency: latency.summary(),
  };
}
