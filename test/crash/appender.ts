// A child process for the crash tests: appends under load and prints on stdout exactly what its
// persistence strategy allows it to acknowledge, until it is killed with SIGKILL.
//
//   bun test/crash/appender.ts DIR STRATEGY GENERATION SEED [THRESHOLD INTERVAL_MS MAX_BUFFERED]
//
// Lines (only complete lines count; the parent ignores a line cut by the kill):
//   ready <first> <last>            opened; the log holds first..last
//   ack <lo> <hi> <term>            DiskFirst: lo..hi are durable with this term
//   app <lo> <hi> <term>            MemFirst: lo..hi are in the buffer (acknowledged to a client)
//   durable <index>                 MemFirst: the store reported durableIndex
//   hs <term> <vote>                hard state saved (save() resolved)
// Terms are generation*100 + n, where n grows at each suffix truncation, like a new leader.
import { openDataDir } from "../../src/storage/index.ts";
import type { PersistenceConfig } from "../../src/config/types.ts";
import type { Entry } from "../../src/raft/types.ts";
import { payload } from "../storage/helpers.ts";

const [dir, strategy, genArg, seedArg, thresholdArg, intervalArg, maxArg] = process.argv.slice(2);
if (dir === undefined || (strategy !== "DiskFirst" && strategy !== "MemFirst")) {
  console.error("usage: appender.ts DIR DiskFirst|MemFirst GENERATION SEED [THRESHOLD INTERVAL_MS MAX_BUFFERED]");
  process.exit(2);
}
const generation = Number(genArg);
let seed = Number(seedArg) >>> 0 || 1;
function random(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

const persistence: PersistenceConfig =
  strategy === "DiskFirst"
    ? { strategy, flush_policy: "Immediate", max_buffered_entries: 100_000 }
    : {
        strategy,
        flush_policy: { Batch: { threshold: Number(thresholdArg ?? 100), interval_ms: Number(intervalArg ?? 10) } },
        max_buffered_entries: Number(maxArg ?? 200),
      };

let out: string[] = [];
function print(line: string): void {
  if (out.length === 0) setImmediate(flushOut);
  out.push(line);
}
function flushOut(): void {
  const s = out.join("");
  out = [];
  process.stdout.write(s);
}

const d = await openDataDir({ dir, clusterId: 1, nodeId: 1, persistence });
const log = d.log;
let term = generation * 100;
print(`ready ${log.firstIndex()} ${log.lastIndex()}\n`);

function make(lo: number, n: number): Entry[] {
  const es: Entry[] = [];
  for (let i = 0; i < n; i++) es.push({ index: lo + i, term, type: 0, data: payload(lo + i, term) });
  return es;
}

/** Sometimes replace the unacknowledged suffix (a new leader's entries), as Raft does. */
function startIndex(): number {
  const durable = log.durableIndex;
  const last = log.lastIndex();
  if (last > durable + 1 && random() < 0.01 && term < generation * 100 + 99) {
    term++;
    return durable + 1 + Math.floor(random() * (last - durable));
  }
  return last + 1;
}

let compactedUpTo = 0;
function maybeCompact(durable: number): void {
  if (durable - compactedUpTo > 3000) {
    compactedUpTo = durable - 1000;
    log.compactPrefix(compactedUpTo);
  }
}

if (strategy === "DiskFirst") {
  const waiting = new Map<number, (() => void)[]>();
  log.onDurable((durable) => {
    for (const [hi, ws] of waiting) {
      if (hi <= durable) {
        waiting.delete(hi);
        ws.forEach((w) => w());
      }
    }
    maybeCompact(durable);
  });
  const durableAt = (hi: number): Promise<void> =>
    log.durableIndex >= hi ? Promise.resolve() : new Promise((r) => waiting.set(hi, [...(waiting.get(hi) ?? []), r]));
  const appender = async (): Promise<void> => {
    for (;;) {
      const lo = startIndex();
      const es = make(lo, 1 + Math.floor(random() * 10));
      const t = term;
      await log.append(es);
      const hi = es[es.length - 1]!.index;
      await durableAt(hi);
      // Acknowledge only if these entries were not replaced by a later truncation meanwhile.
      if (log.lastIndex() >= hi && log.term(lo) === t && log.term(hi) === t) print(`ack ${lo} ${hi} ${t}\n`);
    }
  };
  for (let i = 0; i < 16; i++) void appender();
} else {
  log.onDurable((durable) => {
    print(`durable ${durable}\n`);
    maybeCompact(durable);
  });
  void (async () => {
    for (;;) {
      const lo = startIndex();
      const es = make(lo, 1 + Math.floor(random() * 10));
      await log.append(es);
      print(`app ${lo} ${es[es.length - 1]!.index} ${term}\n`);
      await new Promise((r) => setImmediate(r));
    }
  })();
}

// Hard state: a new term (and vote) every few milliseconds, reported only once saved.
void (async () => {
  for (let k = 1; ; k++) {
    const hs = { term: generation * 100_000 + k, vote: k % 5 };
    await d.hardState.save(hs);
    print(`hs ${hs.term} ${hs.vote}\n`);
    await new Promise((r) => setTimeout(r, 1 + Math.floor(random() * 5)));
  }
})();
