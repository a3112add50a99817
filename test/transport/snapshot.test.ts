// The bulk plane: a 64 MiB snapshot streams intact and gzip-compressed on the wire, corruption is
// caught before commit, concurrency_limit refuses extra transfers, a slow sink holds the sender
// back through flow control, and a dying peer fails cleanly.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { GrpcChannel } from "../../src/grpc/channel.ts";
import { type CallStatus, ClientCall } from "../../src/grpc/client-call.ts";
import { GrpcStatus } from "../../src/grpc/status.ts";
import { type Message, MessageType } from "../../src/raft/types.ts";
import { toPb } from "../../src/transport/codec.ts";
import { BULK_INSTALL, decodeAck, encodeChunk } from "../../src/transport/services.ts";
import type { SnapshotSource } from "../../src/transport/types.ts";
import { addressOf, CountingProxy, msg, network, portAllocator, ServerSideObserver, startNode, type TestNode, until } from "./helpers.ts";

const port = portAllocator(21200);
const MiB = 1 << 20;

const snapMsg = (from: number, to: number, index = 100): Message =>
  msg(MessageType.Snap, from, to, { snapshot: { index, term: 4, conf: { voters: [1, 2], learners: [] } } });

/** Compressible content made on the fly, one MiB at a time: never held whole in memory. */
function generated(totalMiB: number): SnapshotSource & { sha256: string } {
  const block = (i: number) => {
    const b = new Uint8Array(MiB);
    const line = new TextEncoder().encode(`key-${i.toString().padStart(8, "0")}=value-of-block-${i};`);
    for (let at = 0; at < MiB; at += line.length) b.set(line.subarray(0, Math.min(line.length, MiB - at)), at);
    return b;
  };
  const h = createHash("sha256");
  for (let i = 0; i < totalMiB; i++) h.update(block(i));
  return {
    totalBytes: totalMiB * MiB,
    sha256: h.digest("hex"),
    chunks: async function* () {
      for (let i = 0; i < totalMiB; i++) yield block(i);
    },
  };
}

describe("bulk plane", () => {
  let a: TestNode, b: TestNode;
  let proxy: CountingProxy;
  const bSeen = new ServerSideObserver();
  before(async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    b = await startNode(2, ba, { network: network({ bulk: { concurrency_limit: 1 } }), observer: bSeen });
    proxy = new CountingProxy(port(), Number(ba.bulk.split(":")[1]));
    await proxy.listen();
    // A reaches B's bulk port through the counting relay, to see what crosses the wire.
    const viaProxy = { ...ba, bulk: `127.0.0.1:${proxy.listenPort}` };
    a = await startNode(1, aa, { network: network({ bulk: { concurrency_limit: 2 } }) });
    a.t.setPeers([aa, viaProxy]);
    b.t.setPeers([aa, ba]);
    b.rec.keepBytes = false;
  });
  after(async () => {
    await a.t.close();
    await b.t.close();
    await proxy.close();
  });

  test("a 64 MiB snapshot arrives intact, gzip-compressed on the wire, with progress", { timeout: 60_000 }, async () => {
    const src = generated(64);
    const progress: number[] = [];
    const wireBefore = proxy.bytesToTarget;
    await a.t.sendSnapshot(snapMsg(1, 2), src, (sent, total) => {
      assert.equal(total, 64 * MiB);
      progress.push(sent);
    });
    const sink = b.rec.sinks.at(-1)!;
    assert.equal(sink.state, "committed");
    assert.equal(sink.bytes, 64 * MiB);
    assert.equal(sink.sha256(), src.sha256);
    assert.equal(b.rec.received.at(-1)?.snapshot?.index, 100);
    assert.equal(progress.at(-1), 64 * MiB);
    assert.ok(progress.every((p, i) => i === 0 || p > progress[i - 1]), "progress only grows");
    const wire = proxy.bytesToTarget - wireBefore;
    assert.ok(wire < 8 * MiB, `gzip should shrink this content well below 64 MiB on the wire, saw ${wire} bytes`);
    // The server side counts every chunk (256 KiB of content each, plus the closing chunk), on bulk only.
    assert.deepEqual(bSeen.delivered, { control: 0, data: 0, bulk: 64 * 4 + 1 });
  });

  test("a corrupted chunk is detected: the receiver aborts the sink and answers DATA_LOSS", async () => {
    const client = new GrpcChannel({ host: "127.0.0.1", port: Number(b.addr.bulk.split(":")[1]) });
    try {
      const n = b.rec.sinks.length;
      const err = await new Promise<CallStatus>((resolve) => {
        const call = new ClientCall(client, BULK_INSTALL, decodeAck, { deadline: Date.now() + 5000, waitForReady: true });
        call.onStatus = resolve;
        const good = new Uint8Array(1000).fill(1);
        const checksum = createHash("sha256").update(good).update(good).digest();
        const bad = Uint8Array.from(good);
        bad[500] ^= 0xff; // one flipped byte in the second chunk
        call.write(encodeChunk({ clusterId: 7, senderId: 1, message: toPb(snapMsg(1, 2, 5)), totalBytes: 2000, offset: 0, data: good }));
        call.write(encodeChunk({ clusterId: 7, senderId: 1, offset: 1000, data: bad }));
        call.write(encodeChunk({ clusterId: 7, senderId: 1, offset: 2000, last: true, checksum }));
        call.end();
      });
      assert.equal(err.code, GrpcStatus.DATA_LOSS);
      assert.match(err.details, /SHA-256 mismatch/);
      const sink = b.rec.sinks[n];
      assert.equal(sink.state, "aborted");
      assert.match(sink.reason ?? "", /SHA-256 mismatch/);
      assert.ok(!b.rec.received.some((m) => m.snapshot?.index === 5), "a corrupt snapshot is never reported received");
      assert.equal(bSeen.count("bulk/bad_snapshot"), 1, bSeen.refusals.join());
    } finally {
      client.close();
    }
  });

  test("beyond concurrency_limit a transfer gets RESOURCE_EXHAUSTED; the held one still completes", async () => {
    let open!: () => void;
    b.rec.gate = new Promise((r) => (open = r));
    const n = b.rec.sinks.length;
    const first = a.t.sendSnapshot(snapMsg(1, 2, 200), generated(2));
    await until(() => b.rec.sinks.length > n, "first transfer holding B's only bulk slot");
    const refusedBefore = bSeen.count("bulk/concurrency_limit");
    await assert.rejects(a.t.sendSnapshot(snapMsg(1, 2, 201), generated(1)), /RESOURCE_EXHAUSTED.*concurrency_limit \(1/);
    assert.equal(bSeen.count("bulk/concurrency_limit"), refusedBefore + 1);
    b.rec.gate = undefined;
    open();
    await first;
    assert.equal(b.rec.sinks[n].state, "committed");
  });

  test("a sender that dies mid-way: the receiver aborts its sink", { timeout: 30_000 }, async () => {
    const n = b.rec.sinks.length;
    const slow: SnapshotSource = {
      totalBytes: 1000 * MiB,
      chunks: async function* () {
        for (let i = 0; i < 1000; i++) {
          yield new Uint8Array(MiB).fill(i & 0xff);
          await new Promise((r) => setTimeout(r, 5));
        }
      },
    };
    const sending = a.t.sendSnapshot(snapMsg(1, 2, 300), slow);
    await until(() => (b.rec.sinks[n]?.bytes ?? 0) >= 2 * MiB, "a few MiB at B");
    const failed = assert.rejects(sending, /snapshot 300 to peer 2 failed/);
    a.t.setPeers([a.addr]); // B leaves A's membership: its link, and the transfer, go
    await failed;
    await until(() => b.rec.sinks[n].state === "aborted", "B aborting the partial snapshot");
    assert.ok(!b.rec.received.some((m) => m.snapshot?.index === 300));
  });
});

describe("bulk plane, receiver dies mid-way", () => {
  test("the sender's promise rejects cleanly", { timeout: 30_000 }, async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    const a = await startNode(1, aa);
    const b = await startNode(2, ba, { shutdownTimeoutMs: 50 });
    try {
      a.t.setPeers([aa, ba]);
      b.t.setPeers([aa, ba]);
      b.rec.keepBytes = false;
      const endless: SnapshotSource = {
        totalBytes: 1000 * MiB,
        chunks: async function* () {
          for (let i = 0; i < 1000; i++) {
            yield new Uint8Array(MiB).fill(i & 0xff);
            await new Promise((r) => setTimeout(r, 5));
          }
        },
      };
      const sending = a.t.sendSnapshot(snapMsg(1, 2, 400), endless);
      await until(() => (b.rec.sinks[0]?.bytes ?? 0) >= 2 * MiB, "a few MiB at B");
      const t0 = performance.now();
      await b.t.close();
      await assert.rejects(sending, /snapshot 400 to peer 2 failed/);
      assert.ok(performance.now() - t0 < 5000, "failure surfaces promptly, not at the 60 s transfer deadline");
      assert.equal(b.rec.sinks[0].state, "aborted");
    } finally {
      await a.t.close();
      await b.t.close();
    }
  });
});

describe("bulk plane, slow sink", () => {
  test("a sink that does not keep up stops the sender at about the stream window, not at the whole snapshot", { timeout: 30_000 }, async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    const window = 2 * MiB;
    const n = network({ bulk: { connection_window_size: window } });
    const a = await startNode(1, aa, { network: n });
    const b = await startNode(2, ba, { network: n });
    try {
      a.t.setPeers([aa, ba]);
      b.t.setPeers([aa, ba]);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let written = 0;
      b.rec.openSnapshotSink = async () => ({
        async write(c) {
          await held; // the disk is slow
          written += c.length;
        },
        async commit() {},
        async abort() {},
      });
      // Random content: gzip cannot shrink it, so the window counts content bytes.
      const total = 32 * MiB;
      const block = randomBytes(MiB);
      let sent = 0;
      const sending = a.t.sendSnapshot(snapMsg(1, 2, 600), {
        totalBytes: total,
        chunks: async function* () {
          for (let i = 0; i < 32; i++) yield block;
        },
      }, (s) => (sent = s));
      sending.catch(() => {}); // awaited below; a failed assertion must not leave it unhandled
      // Wait until the sender is held: no progress for 300 ms.
      let last = -1, since = performance.now();
      await until(() => {
        if (sent !== last) { last = sent; since = performance.now(); }
        return sent > 0 && performance.now() - since > 300;
      }, "the sender to stall behind the slow sink", 10_000);
      // The stream window, what the receiver queues before it pauses (4 chunks), what gzip and
      // the sender's stream queue hold: a few MiB, far from the 32 MiB a credited window lets by.
      assert.ok(sent <= window + 6 * MiB, `the sender got ${sent / MiB} MiB ahead of a sink that took nothing`);
      release();
      await sending;
      assert.equal(written, total);
    } finally {
      await a.t.close();
      await b.t.close();
    }
  });
});

describe("bulk plane, sender-side cap", () => {
  test("transfers beyond the sender's concurrency_limit wait their turn instead of failing", { timeout: 30_000 }, async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    const a = await startNode(1, aa, { network: network({ bulk: { concurrency_limit: 1 } }) });
    const b = await startNode(2, ba, { network: network({ bulk: { concurrency_limit: 4 } }) });
    try {
      a.t.setPeers([aa, ba]);
      b.t.setPeers([aa, ba]);
      let open!: () => void;
      b.rec.gate = new Promise((r) => (open = r));
      const first = a.t.sendSnapshot(snapMsg(1, 2, 500), generated(1));
      const second = a.t.sendSnapshot(snapMsg(1, 2, 501), generated(1));
      await until(() => b.rec.sinks.length === 1, "the first transfer at B");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(b.rec.sinks.length, 1, "the second transfer has not started while the first holds the slot");
      b.rec.gate = undefined;
      open();
      await Promise.all([first, second]);
      assert.deepEqual(b.rec.received.map((m) => m.snapshot?.index), [500, 501]);
    } finally {
      await a.t.close();
      await b.t.close();
    }
  });
});
