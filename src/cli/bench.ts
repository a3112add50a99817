// `trireme bench put|range|txn-put`: load against any etcd v3 endpoint (trireme or etcd itself).
import { formatText, progressLine, resolveOptions, runBench, toJson, DEFAULTS, type RawBenchFlags } from "../bench/index.ts";
import { parse, UsageError, type Command } from "./usage.ts";

const USAGE = `Usage: trireme bench <put|range|txn-put> [flags]
       trireme bench range [KEY [RANGE_END]] [flags]

Drives an etcd v3 API endpoint (trireme or etcd) with etcd benchmark's workloads and prints
throughput and latency percentiles (HDR histogram).

Subcommands:
  put        one Put per request, key from the key space, ${DEFAULTS.valSize}-byte value by default
  range      one Range per request; a fixed KEY [RANGE_END], or a generated key when none is given
  txn-put    one Txn per request with --txn-ops puts

Flags:
  --endpoints LIST       comma-separated host:port (default ${DEFAULTS.endpoints}); conns go round-robin
  --conns N              gRPC connections (default ${DEFAULTS.conns})
  --clients N            concurrent clients, one request in flight each (default ${DEFAULTS.clients})
  --total N              stop after N requests (default ${DEFAULTS.total})
  --duration D           stop after D (e.g. 30, 30s, 500ms, 2m) instead of --total
  --key-size N           key bytes (default ${DEFAULTS.keySize})
  --val-size N           value bytes (default ${DEFAULTS.valSize})
  --sequential-keys      key i % key-space-size instead of random keys
  --key-space-size N     number of distinct keys (default ${DEFAULTS.keySpaceSize})
  --consistency l|s      range: linearizable (default) or serializable
  --txn-ops N            txn-put: puts per transaction (default ${DEFAULTS.txnOps})
  --rate N               limit to N requests/s over all clients (default 0: no limit)
  --timeout D            per-request deadline (default ${DEFAULTS.timeoutSeconds}s)
  --dial-timeout D       wait this long for every connection before giving up (default ${DEFAULTS.dialTimeoutSeconds}s)
  --client h2|grpc-js    gRPC client: h2 (default) frames gRPC over node:http2 and costs ~half
                         the CPU per request of grpc-js, which matters when the bench shares
                         cores with the cluster; grpc-js is the project's gRPC library
  --json                 print the report as JSON on stdout
  -h, --help             show this help

Progress goes to stderr: a live bar on a terminal, a line every few seconds otherwise.
Exit status: 0 when at least one request succeeded, 1 when none did or an endpoint is
unreachable, 2 for bad flags.`;

const FLAGS = {
  endpoints: { type: "string" },
  conns: { type: "string" },
  clients: { type: "string" },
  total: { type: "string" },
  duration: { type: "string" },
  "key-size": { type: "string" },
  "val-size": { type: "string" },
  "sequential-keys": { type: "boolean" },
  "key-space-size": { type: "string" },
  consistency: { type: "string" },
  "txn-ops": { type: "string" },
  rate: { type: "string" },
  timeout: { type: "string" },
  "dial-timeout": { type: "string" },
  json: { type: "boolean" },
  client: { type: "string" },
} as const;

export interface BenchIo {
  out: (text: string) => void;
  /** Raw writes to stderr (progress redraws in place on a TTY). */
  err: (text: string) => void;
  tty: boolean;
}

const processIo: BenchIo = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(text),
  tty: process.stderr.isTTY === true,
};

/** Runs `trireme bench ARGV`; throws UsageError for bad flags (the caller prints usage, exits 2). */
export async function runBenchCli(argv: string[], io: BenchIo = processIo): Promise<number> {
  const { values, positionals } = parse(argv, FLAGS, USAGE, true);
  const options = resolveOptions(values as RawBenchFlags, positionals);
  if (typeof options === "string") throw new UsageError(options, USAGE);

  let drawn = false;
  const onProgress = (p: Parameters<typeof progressLine>[0]) => {
    if (io.tty) {
      io.err(`\r${progressLine(p, true)}\u001b[K`);
      drawn = true;
    } else {
      io.err(`${progressLine(p, false)}\n`);
    }
  };
  let result;
  try {
    result = await runBench(options, { onProgress, progressIntervalMs: io.tty ? 200 : 5000 });
  } catch (err) {
    if (drawn) io.err("\n");
    io.err(`trireme bench: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (drawn) io.err("\n");
  io.out(options.json ? JSON.stringify(toJson(result)) : formatText(result));
  return result.ok > 0 ? 0 : 1;
}

export const benchCommand: Command = {
  name: "bench",
  summary: "load-test an etcd v3 endpoint (trireme or etcd): put, range, txn-put",
  usage: USAGE,
  run: (argv) => runBenchCli(argv),
};
