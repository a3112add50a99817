// The pipelined data plane: order kept, acks matched to batches, a bounded window, and a broken
// or confused stream torn down, reported, and re-established.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { MessageType, type NodeId, type Plane } from "../../src/raft/types.ts";
import type { PbAck, PbEnvelope } from "../../src/transport/codec.ts";
import { ACK_EVERY } from "../../src/transport/receiver.ts";
import { dataService } from "../../src/transport/services.ts";
import type { TransportObserver } from "../../src/transport/types.ts";
import { addressOf, msg, network, portAllocator, startNode, type TestNode, until } from "./helpers.ts";

const port = portAllocator(21300);

class CountingObserver implements TransportObserver {
  ok = 0;
  failed = 0;
  ups: string[] = [];
  rpc(plane: Plane, _peer: NodeId, _method: string, _s: number, ok: boolean) {
    if (plane !== "data") return;
    if (ok) this.ok++;
    else this.failed++;
  }
  bytes() {}
  received() {}
  refused() {}
  connection(plane: Plane, peer: NodeId, up: boolean) {
    this.ups.push(`${plane}/${peer}/${up}`);
  }
}

describe("data plane pipeline", () => {
  let a: TestNode, b: TestNode;
  const obs = new CountingObserver();
  before(async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    a = await startNode(1, aa, { observer: obs, dataWindow: 16, dataMaxQueued: 100_000 });
    b = await startNode(2, ba);
    a.t.setPeers([aa, ba]);
    b.t.setPeers([aa, ba]);
  });
  after(async () => {
    await a.t.close();
    await b.t.close();
  });

  test("5,000 batches arrive in order, every ack matched, never more than the window in flight", { timeout: 30_000 }, async () => {
    const N = 5000;
    const okBefore = obs.ok;
    const entry = (i: number) => ({ term: 3, index: i, type: 0 as const, data: new Uint8Array(256).fill(i & 0xff) });
    let maxInFlight = 0;
    for (let i = 1; i <= N; i++) {
      a.t.send([msg(MessageType.App, 1, 2, { index: i, entries: [entry(i)] })]);
      maxInFlight = Math.max(maxInFlight, a.t.dataInFlight(2));
    }
    await until(() => b.rec.messages.length === N, `${N} batches at B`, 20_000);
    assert.deepEqual(b.rec.messages.map((m) => m.index), Array.from({ length: N }, (_, i) => i + 1));
    assert.ok(b.rec.messages.every((m) => m.entries[0].data.length === 256 && m.entries[0].data[0] === (m.index & 0xff)));
    await until(() => obs.ok - okBefore === N, "every batch acknowledged");
    assert.equal(a.t.dataInFlight(2), 0);
    assert.equal(maxInFlight, 16, "the window fills but never overflows");
    assert.equal(obs.failed, 0);
  });

  test("a stream broken by a peer restart is reported, then re-established on the next send", { timeout: 30_000 }, async () => {
    a.t.send([msg(MessageType.App, 1, 2, { index: 9000 })]);
    await until(() => b.rec.messages.some((m) => m.index === 9000), "stream up");
    const addr = b.addr;
    await b.t.close();
    await until(() => a.rec.unreachable.includes(2), "A told B is unreachable");
    b = await startNode(2, addr);
    b.t.setPeers([a.addr, addr]);
    // Sends keep failing fast until the channel reconnects; the core would be probing meanwhile.
    await until(() => {
      a.t.send([msg(MessageType.App, 1, 2, { index: 9001 })]);
      return b.rec.messages.some((m) => m.index === 9001);
    }, "a batch through the new stream", 5000);
  });
});

describe("data plane ack matching", () => {
  let a: TestNode;
  let fake: grpc.Server;
  const logs: string[] = [];
  const fakeAddr = addressOf(2, port);
  before(async () => {
    // A peer that acknowledges the wrong sequence number.
    fake = new grpc.Server();
    fake.addService(dataService, {
      Append(call: grpc.ServerDuplexStream<PbEnvelope, PbAck>) {
        call.on("data", (env: PbEnvelope) => call.write({ seq: (env.seq ?? 0) + 1 }));
        call.on("end", () => call.end());
      },
    });
    await new Promise<void>((resolve, reject) =>
      fake.bindAsync(fakeAddr.data, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve()))
    );
    const aa = addressOf(1, port);
    a = await startNode(1, aa, { log: (_l, m) => logs.push(m) });
    a.t.setPeers([aa, fakeAddr]);
  });
  after(async () => {
    await a.t.close();
    fake.forceShutdown();
  });

  test("an ack for the wrong batch tears the stream down and reports the peer", async () => {
    a.t.send([msg(MessageType.App, 1, 2, { index: 1 })]);
    await until(() => a.rec.unreachable.includes(2), "A reporting peer 2");
    assert.equal(a.t.dataInFlight(2), 0);
    assert.ok(logs.some((l) => /ack 2 is outside the batches sent and not yet acknowledged \(1\.\.1\)/.test(l)), logs.join("\n"));
  });
});

describe("data plane concurrency_limit", () => {
  test("a stream beyond the receiver's limit gets RESOURCE_EXHAUSTED; the first keeps flowing", async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port), ca = addressOf(3, port);
    const logs: string[] = [];
    const a = await startNode(1, aa);
    const b = await startNode(2, ba, { network: network({ data: { concurrency_limit: 1 } }) });
    const c = await startNode(3, ca, { log: (_l, m) => logs.push(m) });
    try {
      for (const n of [a, b, c]) n.t.setPeers([aa, ba, ca]);
      a.t.send([msg(MessageType.App, 1, 2, { index: 1 })]);
      await until(() => b.rec.messages.length === 1, "A's stream holding B's only data slot");
      c.t.send([msg(MessageType.App, 3, 2, { index: 2 })]);
      await until(() => c.rec.unreachable.includes(2), "C refused");
      assert.ok(logs.some((l) => /RESOURCE_EXHAUSTED.*concurrency_limit \(1 calls in flight\)/.test(l)), logs.join("\n"));
      a.t.send([msg(MessageType.App, 1, 2, { index: 3 })]);
      await until(() => b.rec.messages.length === 2, "A's stream still flowing");
      assert.deepEqual(b.rec.messages.map((m) => m.from), [1, 1]);
    } finally {
      await Promise.all([a.t.close(), b.t.close(), c.t.close()]);
    }
  });
});

describe("data plane cumulative acks", () => {
  let b: TestNode;
  let client: grpc.Client & { Append(): grpc.ClientDuplexStream<PbEnvelope, PbAck> };
  before(async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    b = await startNode(2, ba);
    b.t.setPeers([aa, ba]);
    const Ctor = grpc.makeGenericClientConstructor(dataService as unknown as grpc.ServiceDefinition, "RaftData");
    client = new Ctor(ba.data, grpc.credentials.createInsecure()) as unknown as typeof client;
  });
  after(async () => {
    client.close();
    await b.t.close();
  });

  /** Sends `n` App batches from node 1 at once and returns the acks the receiver wrote. */
  async function acksFor(n: number, cumulativeAcks: boolean, firstSeq: number, noAckEvery = 0): Promise<number[]> {
    const call = client.Append();
    const acks: number[] = [];
    call.on("data", (a: PbAck) => acks.push(a.seq ?? 0));
    for (let i = 0; i < n; i++) {
      const seq = firstSeq + i;
      const noAck = noAckEvery > 0 && seq % noAckEvery === 0;
      const type = noAck ? MessageType.AppResp : MessageType.App;
      call.write({ clusterId: 7, senderId: 1, seq, cumulativeAcks, noAck, messages: [{ type, from: 1, to: 2, term: 1, index: seq }] });
    }
    await until(() => acks.at(-1) === firstSeq + n - 1, "the last batch acknowledged", 5000);
    // Half-close and wait for the receiver to end the call (OK), so no stream is left open for the
    // transport's close to end with UNAVAILABLE.
    const ended = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    call.on("error", () => {}); // a non-OK status also arrives as "status", asserted below
    call.end();
    assert.equal((await ended).code, grpc.status.OK);
    return acks;
  }

  test("a sender that takes cumulative acks gets one per ACK_EVERY batches, the rest within ACK_DELAY_MS; one that does not gets one per batch", async () => {
    const n = 3 * ACK_EVERY + 2;
    const cumulative = await acksFor(n, true, 1);
    const last = n;
    // In order, never past what was sent, the last one covering all; at most one per ACK_EVERY
    // batches plus the late one for the remainder.
    assert.deepEqual([...cumulative].sort((x, y) => x - y), cumulative);
    assert.equal(cumulative.at(-1), last);
    assert.ok(cumulative.length <= Math.ceil(n / ACK_EVERY) + 1 && cumulative.length < n, `acks ${JSON.stringify(cumulative)}`);
    const plain = await acksFor(5, false, 1);
    assert.deepEqual(plain, [1, 2, 3, 4, 5]);
  });

  test("a no_ack batch is never acknowledged by itself", async () => {
    // Every second batch is no_ack; acked one by one, the acks name only the others.
    const acks = await acksFor(9, false, 1, 2);
    assert.deepEqual(acks, [1, 3, 5, 7, 9]);
  });
});

