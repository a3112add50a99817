// Every port of a running member — the client port and the control, data and bulk planes — fed
// random and mutated HTTP/2 + gRPC traffic (seeded: TRIREME_FUZZ_SEED replays a run). No input may
// crash the member or wedge a port: afterwards each port still answers HTTP/2, the member still
// leads its one-member cluster and takes writes.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { etcdserverpb } from "../../src/gen/etcd.js";
import { Flag, FrameType, PREFACE, SettingId } from "../../src/h2/frames.ts";
import { HpackEncoder } from "../../src/h2/hpack.ts";
import { createLogger } from "../../src/log/log.ts";
import { TriremeNode } from "../../src/node/node.ts";
import { frameBytes, mulberry32, mutate, RawClient, settingsPayload, validExchange } from "../h2/raw.ts";
import { singleMemberConfig } from "./single-member.ts";

const BASE = 28970; // client, control, data, bulk: 28970..28973
const PATHS = ["/etcdserverpb.KV/Put", "/trireme.raft.RaftControl/Send", "/trireme.raft.RaftData/Append", "/trireme.raft.RaftBulk/InstallSnapshot"];

/** A plausible gRPC exchange for `path`, for the mutator to break in interesting places. */
function grpcExchange(path: string, body: Uint8Array): Uint8Array[] {
  const enc = new HpackEncoder();
  const msg = new Uint8Array(5 + body.length);
  msg[4] = body.length & 0xff;
  msg[3] = body.length >>> 8;
  msg.set(body, 5);
  return [
    PREFACE,
    frameBytes(FrameType.SETTINGS, 0, 0, settingsPayload([[SettingId.INITIAL_WINDOW_SIZE, 1 << 20]])),
    frameBytes(FrameType.HEADERS, Flag.END_HEADERS, 1, enc.encode([[":method", "POST"], [":scheme", "http"], [":path", path], [":authority", "x"], ["content-type", "application/grpc"], ["te", "trailers"], ["grpc-timeout", "2S"]])),
    frameBytes(FrameType.DATA, Flag.END_STREAM, 1, msg),
    frameBytes(FrameType.HEADERS, Flag.END_HEADERS, 3, enc.encode([[":method", "POST"], [":scheme", "http"], [":path", path], [":authority", "x"], ["content-type", "application/grpc"]])),
    frameBytes(FrameType.DATA, 0, 3, msg.subarray(0, 3)),
    frameBytes(FrameType.RST_STREAM, 0, 3, new Uint8Array([0, 0, 0, 8])),
  ];
}

describe("a member's four ports under random and mutated HTTP/2 + gRPC input", () => {
  const dir = mkdtempSync(join(tmpdir(), "trireme-fuzz-"));
  let node: TriremeNode;
  let fatal: Error | undefined;
  const addr = (i: number) => `127.0.0.1:${BASE + i}`;

  before(async () => {
    const config = singleMemberConfig(BASE, dir);
    node = await TriremeNode.start({ config, log: createLogger({ level: "error", format: "json" }, () => {}), onFatal: (e) => (fatal = e) });
  });
  after(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (key: string) => new Promise<grpc.ServiceError | null>((resolve) => {
    const c = new grpc.Client(addr(0), grpc.credentials.createInsecure());
    c.makeUnaryRequest("/etcdserverpb.KV/Put", (b: Uint8Array) => Buffer.from(b), (b: Buffer) => b,
      etcdserverpb.PutRequest.encode({ key: new TextEncoder().encode(key), value: new Uint8Array([1]) }).finish(),
      { deadline: Date.now() + 5000 }, (err) => { c.close(); resolve(err); });
  });

  it("never crashes, never wedges a port, keeps leading and serving", { timeout: 120_000 }, async () => {
    const seed = Number(process.env.TRIREME_FUZZ_SEED ?? 0xf022);
    const rand = mulberry32(seed);
    const int = (n: number): number => Math.floor(rand() * n);
    assert.equal(await put("before"), null);
    const revision = node.store.revision;

    const one = async (port: number, path: string): Promise<void> => {
      const body = new Uint8Array(int(200)).map(() => int(256));
      const base = int(3) === 0 ? validExchange() : grpcExchange(path, body);
      const bytes = mutate(base, int, rand);
      const c = await RawClient.connect(port, { preface: false });
      for (let at = 0; at < bytes.length;) {
        const n = 1 + int(Math.min(bytes.length - at, 300));
        c.send(bytes.subarray(at, at + n));
        at += n;
      }
      c.end();
      // A connection the member keeps open (a valid prefix waiting for more) is cut by us: the
      // point is that the member never holds it against its other work.
      await c.waitClosed(8000).catch(() => c.destroy());
    };
    for (let round = 0; round < 20; round++) {
      await Promise.all([0, 1, 2, 3].flatMap((p) => [one(BASE + p, PATHS[p]!), one(BASE + p, PATHS[p]!)]));
    }

    assert.equal(fatal, undefined, `seed ${seed}: the member stopped: ${fatal?.message}`);
    for (let p = 0; p < 4; p++) {
      const c = await RawClient.connect(BASE + p);
      const settings = await c.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0, `SETTINGS from port ${BASE + p}`);
      assert.ok(settings, `port ${BASE + p} answers HTTP/2 after the fuzz (seed ${seed})`);
      c.destroy();
    }
    assert.equal(node.status().leader, 1, `seed ${seed}: the member still leads`);
    assert.equal(await put("after"), null, `seed ${seed}: the member takes writes after the fuzz`);
    // (A mutated Put may itself be a valid put, so only "at least one more" is certain.)
    assert.ok(node.store.revision >= revision + 1);
  });
});
