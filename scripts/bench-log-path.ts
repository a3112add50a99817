// Where a 1-entry log commit's time goes: the real writer worker (src/storage/writer.ts) driven
// directly, one batch at a time after an idle pause, each phase timed from the instants the
// worker reports (performance.timeOrigin + now(), comparable across threads). Beside it the
// floor: a 4 KiB write + fdatasync on this thread, appending to a file and overwriting one.
// Numbers only, never pass/fail.
//
//   bun scripts/bench-log-path.ts [--count 2000] [--idle-ms 1] [--entries 1] [--dir /tmp/x]
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { Entry } from "../src/raft/types.ts";
import { createLogDb } from "../src/storage/log-db.ts";
import { packBatch, type CommitTiming } from "../src/storage/protocol.ts";
import { defaultDriver } from "../src/storage/sqlite.ts";
import { WriterClient } from "../src/storage/writer.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "2000" },
    "idle-ms": { type: "string", default: "1" },
    entries: { type: "string", default: "1" },
    dir: { type: "string" },
  },
});
const COUNT = Number(values.count);
const IDLE_MS = Number(values["idle-ms"]);
const ENTRIES = Number(values.entries);
const base = values.dir ?? mkdtempSync(join(tmpdir(), "trireme-bench-log-path-"));
const now = (): number => performance.timeOrigin + performance.now();
const pause = (): Promise<void> => new Promise((r) => (IDLE_MS > 0 ? setTimeout(r, IDLE_MS) : setImmediate(r)));

type Phases = Record<string, number[]>;

function printTable(title: string, phases: Phases): void {
  const q = (xs: number[], p: number): string => {
    const s = Float64Array.from(xs).sort();
    return s.length === 0 ? "-" : Math.round(s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]! * 1000).toString();
  };
  console.log(`\n${title}\n\n| phase | p50 µs | p90 µs | p99 µs |\n| --- | ---: | ---: | ---: |`);
  for (const [name, xs] of Object.entries(phases)) console.log(`| ${name} | ${q(xs, 50)} | ${q(xs, 90)} | ${q(xs, 99)} |`);
}

async function floor(): Promise<void> {
  const page = new Uint8Array(4096 + 24).fill(7);
  const phases: Phases = { "append to a growing file": [], "overwrite a written file": [] };
  for (const [name, overwrite] of [["append to a growing file", false], ["overwrite a written file", true]] as const) {
    const file = join(base, `floor-${overwrite ? "overwrite" : "append"}`);
    const fd = openSync(file, "w");
    const room = 8 << 20;
    if (overwrite) {
      const mib = new Uint8Array(1 << 20);
      for (let off = 0; off < room; off += mib.byteLength) writeSync(fd, mib, 0, mib.byteLength, off);
      fdatasyncSync(fd);
    }
    let off = 0;
    for (let i = 0; i < COUNT; i++) {
      await pause();
      const t0 = performance.now();
      writeSync(fd, page, 0, page.byteLength, off);
      fdatasyncSync(fd);
      phases[name]!.push(performance.now() - t0);
      off = overwrite ? (off + page.byteLength) % (room - page.byteLength) : off + page.byteLength;
    }
    closeSync(fd);
  }
  printTable(`Floor: ${4096 + 24}-byte write + fdatasync on the main thread, ${IDLE_MS} ms idle before each`, phases);
}

async function writerPath(): Promise<void> {
  const dir = join(base, "writer");
  rmSync(dir, { recursive: true, force: true });
  const { mkdirSync } = await import("node:fs");
  mkdirSync(dir, { recursive: true });
  const db = join(dir, "log.db");
  createLogDb(db, { clusterId: 1, nodeId: 1 }, defaultDriver);
  let resolveDone: ((t: { at: number; timing: CommitTiming }) => void) | undefined;
  let failure: string | undefined;
  const w = await WriterClient.start(db, defaultDriver, {
    done: (_seq, _ms, timing) => resolveDone?.({ at: now(), timing }),
    failed: (m) => (failure = m),
  });
  const phases: Phases = {
    "main: pack + postMessage + notify": [],
    "hop to the worker (sent → taken off the channel)": [],
    "SQLite BEGIN + DELETE + INSERT": [],
    "COMMIT (WAL write + fsync)": [],
    "hop back (COMMIT returned → main thread's handler)": [],
    "total (append → durable known on the main thread)": [],
  };
  const data = new Uint8Array(256).fill(0x61);
  let index = 0;
  for (let i = 1; i <= COUNT && failure === undefined; i++) {
    await pause();
    const entries: Entry[] = [];
    for (let k = 0; k < ENTRIES; k++) entries.push({ index: ++index, term: 1, type: 0, data });
    const done = new Promise<{ at: number; timing: CommitTiming }>((r) => (resolveDone = r));
    const t0 = now();
    const { message, transfer } = packBatch(i, entries, undefined, undefined);
    w.send(message, transfer);
    const sent = now();
    const { at, timing } = await done;
    phases["main: pack + postMessage + notify"]!.push(sent - t0);
    phases["hop to the worker (sent → taken off the channel)"]!.push(timing.taken - sent);
    phases["SQLite BEGIN + DELETE + INSERT"]!.push(timing.commitStart - timing.taken);
    phases["COMMIT (WAL write + fsync)"]!.push(timing.end - timing.commitStart);
    phases["hop back (COMMIT returned → main thread's handler)"]!.push(at - timing.end);
    phases["total (append → durable known on the main thread)"]!.push(at - t0);
  }
  await w.close();
  if (failure !== undefined) throw new Error(failure);
  printTable(`The writer worker, ${ENTRIES} × 256-byte entr${ENTRIES === 1 ? "y" : "ies"} per commit, ${IDLE_MS} ms idle before each, ${COUNT} commits`, phases);
}

console.log(`${new Date().toISOString()}, ${COUNT} samples per row`);
await floor();
await writerPath();
if (values.dir === undefined) rmSync(base, { recursive: true, force: true });
