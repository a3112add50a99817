// Proves the isolation of the three planes (issue 5): heartbeat round trips on the control plane
// (a) idle, (b) under a saturating append load on the data plane, (c) while a large snapshot
// streams on the bulk plane — with isolation on and off — and the data plane's throughput.
// Two real processes on 127.0.0.1: this one is the leader; scripts/bench-planes-peer.ts answers.
//
//   node_modules/.bin/bun scripts/bench-planes.ts [--samples 2000] [--interval-ms 5] [--rounds 4]
//       [--snapshot-mib 512] [--throughput-secs 5] [--content compressible|random]
//       [--snapshot-rate-mib 0] [--chunk-kib 256] [--modes on,off]
//
// --snapshot-rate-mib paces the snapshot source (0: as fast as the plane takes it), so both modes
// can be compared at the same bulk rate; --chunk-kib is the transport's snapshot chunk size.
//
// The machine is shared and noisy, so the two modes run interleaved: each of `rounds` rounds runs
// every scenario in both modes (alternating which goes first) with samples/rounds heartbeats, and
// the percentiles are over all of a cell's samples.
//
// Snapshot content: "compressible" is KV-like text (what a real snapshot holds; gzip shrinks it
// on the isolated bulk channel); "random" repeats a 4 MiB random block (longer than gzip's window,
// so the same bytes cross the wire in both modes and isolation pays gzip for nothing).
//
// Bounded: every phase stops after a fixed count or time; ports 21900–21999 only.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { NetworkSection, PlaneConfig } from "../src/config/types.ts";
import { type Message, MessageType } from "../src/raft/types.ts";
import { PeerTransport } from "../src/transport/peer-transport.ts";
import type { PeerAddress, SnapshotSource } from "../src/transport/types.ts";
import { type PeerArgs, unaryAppendService } from "./bench-planes-peer.ts";
import { GrpcChannel } from "../src/grpc/channel.ts";
import { ClientCall } from "../src/grpc/client-call.ts";
import { toPb } from "../src/transport/codec.ts";
import { channelOptions, defaultBackoff } from "../src/transport/options.ts";
import { decodeAck, encodeEnvelope } from "../src/transport/services.ts";

const { values: opt } = parseArgs({
  options: {
    samples: { type: "string", default: "2000" },
    "interval-ms": { type: "string", default: "5" },
    "snapshot-mib": { type: "string", default: "512" },
    "throughput-secs": { type: "string", default: "5" },
    rounds: { type: "string", default: "4" },
    "snapshot-rate-mib": { type: "string", default: "0" },
    "chunk-kib": { type: "string", default: "256" },
    content: { type: "string", default: "compressible" },
    modes: { type: "string", default: "on,off" },
  },
});
const MiB = 1 << 20;
const SAMPLES = Number(opt.samples);
const INTERVAL_MS = Number(opt["interval-ms"]);
const SNAPSHOT_MIB = Number(opt["snapshot-mib"]);
const THROUGHPUT_SECS = Number(opt["throughput-secs"]);
const ROUNDS = Number(opt.rounds);
const SNAPSHOT_RATE = Number(opt["snapshot-rate-mib"]) * MiB; // bytes/s; 0 = as fast as it goes
const CHUNK_BYTES = Number(opt["chunk-kib"]) * 1024;
const CONTENT = opt.content === "random" ? "random" : "compressible";
const CLUSTER = 4242;

const planeCfg = (over: Partial<PlaneConfig>): PlaneConfig => ({
  concurrency_limit: 64,
  max_concurrent_streams: 256,
  connection_window_size: 4 * MiB,
  request_timeout_in_ms: 2000,
  connect_timeout_in_ms: 1000,
  tcp_keepalive_in_secs: 60,
  http2_keep_alive_interval_in_secs: 10,
  http2_keep_alive_timeout_in_secs: 5,
  max_frame_size: 16 * MiB,
  ...over,
});
const networkFor = (isolation: boolean): NetworkSection => ({
  isolation,
  control: planeCfg({ connection_window_size: 2 * MiB }),
  data: planeCfg({ connection_window_size: 8 * MiB }),
  bulk: planeCfg({ concurrency_limit: 4, connection_window_size: 32 * MiB, request_timeout_in_ms: 600_000 }),
});

const addr = (id: number, base: number): PeerAddress => ({
  id,
  control: `127.0.0.1:${base}`,
  data: `127.0.0.1:${base + 1}`,
  bulk: `127.0.0.1:${base + 2}`,
});

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function blankMsg(type: MessageType, over: Partial<Message>): Message {
  return {
    type, from: 1, to: 2, term: 1, logTerm: 1, index: 0, entries: [], commit: 0, reject: false,
    rejectHint: 0, rejectHintTerm: 0, context: 0, ...over,
  };
}

interface Leader {
  t: PeerTransport;
  onHeartbeatResp: (m: Message) => void;
  onAppResp: (m: Message) => void;
}

async function startPeer(isolation: boolean, leader: PeerAddress, self: PeerAddress, unaryPort: number): Promise<ChildProcess> {
  const args: PeerArgs = { clusterId: CLUSTER, self, leader, network: networkFor(isolation), unaryPort };
  const child = spawn(process.execPath, [resolve(import.meta.dirname, "bench-planes-peer.ts"), JSON.stringify(args)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("bench peer did not start within 10 s")), 10_000);
    child.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) {
        clearTimeout(timer);
        ok();
      }
    });
    child.once("exit", (code) => fail(new Error(`bench peer exited with ${code}`)));
  });
  return child;
}

/** Heartbeats at a fixed interval; resolves with the round trips (ms) and the count lost. */
async function heartbeats(l: Leader, count: number): Promise<{ rtts: number[]; lost: number }> {
  const sentAt = new Map<number, number>();
  const rtts: number[] = [];
  l.onHeartbeatResp = (m) => {
    const t0 = sentAt.get(m.context);
    if (t0 === undefined) return;
    sentAt.delete(m.context);
    rtts.push(performance.now() - t0);
  };
  const base = Math.floor(Math.random() * 1e9);
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    sentAt.set(base + i, start);
    l.t.send([blankMsg(MessageType.Heartbeat, { context: base + i })]);
    const wait = INTERVAL_MS - (performance.now() - start);
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  }
  const end = performance.now() + 2000;
  while (sentAt.size > 0 && performance.now() < end) await new Promise((r) => setTimeout(r, 10));
  l.onHeartbeatResp = () => {};
  return { rtts: rtts.sort((a, b) => a - b), lost: sentAt.size };
}

/** Keeps the data plane saturated: a new batch whenever the window has room. */
function appendLoad(l: Leader, batch: number): { stop: () => Promise<number> } {
  let running = true;
  let acked = 0;
  let index = 0;
  const entryData = new Uint8Array(256).fill(0x61);
  const entries = (from: number) => Array.from({ length: batch }, (_, i) => ({ term: 1, index: from + i + 1, type: 0 as const, data: entryData }));
  const respond = (m: Message) => {
    acked = Math.max(acked, m.index);
  };
  l.onAppResp = respond;
  const pump = () => {
    if (!running) return;
    while (l.t.dataInFlight(2) < 64) {
      l.t.send([blankMsg(MessageType.App, { index, entries: entries(index) })]);
      index += batch;
    }
    setTimeout(pump, 1);
  };
  pump();
  return {
    /** Entries acknowledged by AppResp up to now; then lets the window drain. */
    stop: async () => {
      running = false;
      const n = acked;
      await new Promise((r) => setTimeout(r, 200));
      l.onAppResp = () => {};
      return n;
    },
  };
}

/** Streams snapshots back to back until stopped (content: see the header). */
function snapshotLoad(l: Leader): { stop: () => Promise<{ bytes: number; secs: number; done: number }> } {
  let running = true;
  let bytes = 0;
  let done = 0;
  const block = CONTENT === "random" ? randomBytes(4 * MiB) : kvText(4 * MiB);
  const t0 = performance.now();
  const source = (): SnapshotSource => ({
    totalBytes: SNAPSHOT_MIB * MiB,
    chunks: async function* () {
      const start = performance.now();
      for (let off = 0; off < SNAPSHOT_MIB * MiB && running; off += MiB) {
        if (SNAPSHOT_RATE > 0) {
          const due = start + (off / SNAPSHOT_RATE) * 1000;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        yield block.subarray(off % (4 * MiB), off % (4 * MiB) + MiB);
      }
    },
  });
  const loop = (async () => {
    let n = 0;
    while (running) {
      const m = blankMsg(MessageType.Snap, { snapshot: { index: ++n, term: 1, conf: { voters: [1, 2], learners: [] } } });
      let sent = 0;
      try {
        await l.t.sendSnapshot(m, source(), (s) => {
          bytes += s - sent;
          sent = s;
        });
        done++;
      } catch (e) {
        if (running) console.error(`snapshot failed: ${(e as Error).message}`);
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { bytes, secs: (performance.now() - t0) / 1000, done };
    },
  };
}

/** Text like a KV snapshot's: keys with a counter, values with a little variety. */
function kvText(n: number): Uint8Array {
  const out = new Uint8Array(n);
  const enc = new TextEncoder();
  let at = 0;
  for (let i = 0; at < n; i++) {
    const line = enc.encode(`/registry/pods/ns-${i % 97}/pod-${i.toString(36)}={"rev":${i * 7919 % 100003},"phase":"Running"}\n`);
    out.set(line.subarray(0, Math.min(line.length, n - at)), at);
    at += line.length;
  }
  return out;
}

interface Mode {
  name: string;
  leader: Leader;
  child: ChildProcess;
  unaryPort: number;
}

/** The alternative data path for comparison: concurrent unary calls, at most 64 in flight,
 *  on a channel with the data plane's options; entries counted by AppResp as for the stream. */
function unaryAppendLoad(m: Mode, batch: number): { stop: () => Promise<number> } {
  const channel = new GrpcChannel(channelOptions("data", networkFor(true).data, { host: "127.0.0.1", port: m.unaryPort }, defaultBackoff, undefined));
  let running = true, inFlight = 0, acked = 0, index = 0;
  const entryData = new Uint8Array(256).fill(0x61);
  m.leader.onAppResp = (r) => {
    acked = Math.max(acked, r.index);
  };
  const pump = () => {
    while (running && inFlight < 64) {
      const entries = Array.from({ length: batch }, (_, i) => ({ term: 1, index: index + i + 1, type: 0 as const, data: entryData }));
      const buf = encodeEnvelope({ clusterId: CLUSTER, senderId: 1, messages: [toPb(blankMsg(MessageType.App, { index, entries }))] });
      index += batch;
      inFlight++;
      const call = new ClientCall(channel, unaryAppendService.AppendUnary.path, decodeAck, { deadline: Date.now() + 5000, waitForReady: true });
      call.onStatus = () => {
        inFlight--;
        pump();
      };
      call.write(buf);
      call.end();
    }
  };
  pump();
  return {
    stop: async () => {
      running = false;
      const n = acked;
      await new Promise((r) => setTimeout(r, 200));
      m.leader.onAppResp = () => {};
      channel.close();
      return n;
    },
  };
}

async function startMode(isolation: boolean, portBase: number): Promise<Mode> {
  const leaderAddr = addr(1, portBase), peerAddr = addr(2, portBase + 3), unaryPort = portBase + 6;
  const child = await startPeer(isolation, leaderAddr, peerAddr, unaryPort);
  const l: Leader = { t: undefined as unknown as PeerTransport, onHeartbeatResp: () => {}, onAppResp: () => {} };
  l.t = new PeerTransport({
    clusterId: CLUSTER,
    nodeId: 1,
    listen: leaderAddr,
    network: networkFor(isolation),
    dataWindow: 256,
    snapshotChunkBytes: CHUNK_BYTES,
    handlers: {
      onMessage(m) {
        if (m.type === MessageType.HeartbeatResp) l.onHeartbeatResp(m);
        else if (m.type === MessageType.AppResp) l.onAppResp(m);
      },
      openSnapshotSink: () => Promise.reject(new Error("the leader takes no snapshots")),
      onSnapshotReceived() {},
      onUnreachable() {},
    },
    log: (level, msg) => {
      if ((level === "warn" || level === "error") && !/source yielded/.test(msg)) console.error(`leader: ${level} ${msg}`);
    },
  });
  await l.t.start();
  l.t.setPeers([leaderAddr, peerAddr]);
  await heartbeats(l, 200); // warm-up: connections, JIT
  return { name: isolation ? "isolation on" : "isolation off", leader: l, child, unaryPort };
}

async function stopMode(m: Mode): Promise<void> {
  await m.leader.t.close();
  m.child.kill("SIGTERM");
  await new Promise((r) => m.child.once("exit", r));
}

const SCENARIOS = ["idle", "append load (64×256 B batches)", `snapshot streaming (${SNAPSHOT_MIB} MiB each)`] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Cell {
  rtts: number[];
  lost: number;
  entries: number;
  secs: number;
  bulkBytes: number;
  snapshotsDone: number;
}

async function phase(m: Mode, scenario: Scenario, count: number, cell: Cell): Promise<void> {
  const l = m.leader;
  const t0 = performance.now();
  if (scenario === "idle") {
    const r = await heartbeats(l, count);
    cell.rtts.push(...r.rtts);
    cell.lost += r.lost;
  } else if (scenario === SCENARIOS[1]) {
    const load = appendLoad(l, 64);
    await new Promise((r) => setTimeout(r, 200));
    const r = await heartbeats(l, count);
    cell.entries += await load.stop();
    cell.rtts.push(...r.rtts);
    cell.lost += r.lost;
  } else {
    const snap = snapshotLoad(l);
    await new Promise((r) => setTimeout(r, 200));
    const r = await heartbeats(l, count);
    const s = await snap.stop();
    cell.rtts.push(...r.rtts);
    cell.lost += r.lost;
    cell.bulkBytes += s.bytes;
    cell.snapshotsDone += s.done;
  }
  cell.secs += (performance.now() - t0) / 1000;
}

const wanted = new Set(opt.modes.split(","));
const modes: Mode[] = [];
if (wanted.has("on")) modes.push(await startMode(true, 21900));
if (wanted.has("off")) modes.push(await startMode(false, 21910));
const cells = new Map<string, Cell>();
const cellOf = (m: Mode, s: Scenario) => {
  const key = `${m.name}|${s}`;
  if (!cells.has(key)) cells.set(key, { rtts: [], lost: 0, entries: 0, secs: 0, bulkBytes: 0, snapshotsDone: 0 });
  return cells.get(key)!;
};
/** Per throughput cell: entries acknowledged and seconds measured, summed over rounds. */
const throughput = new Map<string, [number, number]>();
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? modes : [...modes].reverse();
    for (const scenario of SCENARIOS) {
      for (const m of order) await phase(m, scenario, Math.ceil(SAMPLES / ROUNDS), cellOf(m, scenario));
    }
    console.error(`round ${round + 1}/${ROUNDS} done`);
  }
  // Throughput cells are interleaved the same way: each round gives every cell its share of time.
  const slice = (THROUGHPUT_SECS * 1000) / ROUNDS;
  for (let round = 0; round < ROUNDS; round++) {
    for (const batch of [64, 256]) {
      const variants = [
        ...modes.map((m) => ({ key: `${m.name}, Append stream|${batch}`, start: () => appendLoad(m.leader, batch) })),
        ...modes.filter((m) => m.name === "isolation on").map((m) => ({
          key: `isolation on, unary calls|${batch}`,
          start: () => unaryAppendLoad(m, batch),
        })),
      ];
      if (round % 2 === 1) variants.reverse();
      for (const v of variants) {
        const load = v.start();
        const t1 = performance.now();
        await new Promise((r) => setTimeout(r, slice));
        const secs = (performance.now() - t1) / 1000;
        const [entries, total] = throughput.get(v.key) ?? [0, 0];
        throughput.set(v.key, [entries + (await load.stop()), total + secs]);
      }
    }
  }
} finally {
  for (const m of modes) await stopMode(m);
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "-");
console.log(`\nheartbeat round trip on the control plane, ms: ${SAMPLES} heartbeats per cell, one every ${INTERVAL_MS} ms, ` +
  `${ROUNDS} interleaved rounds; 2 processes on 127.0.0.1; snapshot content: ${CONTENT}, ` +
  `${SNAPSHOT_RATE > 0 ? `paced at ${SNAPSHOT_RATE / MiB} MiB/s` : "unpaced"}, chunks of ${CHUNK_BYTES / 1024} KiB\n`);
console.log("| mode | scenario | p50 | p99 | p99.9 | max | answered | lost | phase time | alongside |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
const p99 = new Map<string, number>();
for (const m of modes) {
  for (const s of SCENARIOS) {
    const c = cellOf(m, s);
    const r = c.rtts.sort((a, b) => a - b);
    p99.set(`${m.name}|${s}`, pct(r, 99));
    const note = s === "idle"
      ? ""
      : s === SCENARIOS[1]
      ? `${Math.round(c.entries / c.secs)} entries/s`
      : `${(c.bulkBytes / MiB / c.secs).toFixed(0)} MiB/s of snapshot, ${c.snapshotsDone} completed`;
    const took = `${c.secs.toFixed(1)} s`;
    console.log(`| ${m.name} | ${s} | ${fmt(pct(r, 50))} | ${fmt(pct(r, 99))} | ${fmt(pct(r, 99.9))} | ${fmt(r.at(-1) ?? NaN)} | ` +
      `${r.length} | ${c.lost} | ${took} | ${note} |`);
  }
}
const idleOn = p99.get(`isolation on|idle`), snapOn = p99.get(`isolation on|${SCENARIOS[2]}`);
const snapOff = p99.get(`isolation off|${SCENARIOS[2]}`);
if (idleOn !== undefined && snapOn !== undefined) {
  console.log(`\nisolation on: p99 during snapshot / idle p99 = ${(snapOn / idleOn).toFixed(2)}× (goal ≤ 1.2×)` +
    (snapOff !== undefined ? `; p99 during snapshot, isolation off / on = ${(snapOff / snapOn).toFixed(2)}× (goal > 1)` : ""));
}
console.log(`\ndata plane throughput: at most 64 batches in flight, 256-byte entries, ${THROUGHPUT_SECS} s per cell ` +
  `in ${ROUNDS} interleaved slices, counted by the follower's AppResp\n`);
console.log("| mode, data path | batch | entries/s | MiB/s of entry data |");
console.log("| --- | --- | --- | --- |");
for (const [key, [entries, secs]] of [...throughput].sort(([a], [b]) => Number(a.split("|")[1]) - Number(b.split("|")[1]))) {
  const [mode, batch] = key.split("|");
  const eps = entries / secs;
  console.log(`| ${mode} | ${batch} | ${Math.round(eps)} | ${(eps * 256 / MiB).toFixed(1)} |`);
}
process.exit(0);
