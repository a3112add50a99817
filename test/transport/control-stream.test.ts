// The control plane's long-lived stream: votes and heartbeats ride one call per peer (a heartbeat
// is one DATA frame each way), in order, each batch acknowledged; a peer that does not serve the
// stream (a member from before it) gets one unary Send per batch instead; a closing transport
// ends its incoming streams at once.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { MessageType, type NodeId, type Plane } from "../../src/raft/types.ts";
import type { PbAck, PbEnvelope } from "../../src/transport/codec.ts";
import { controlService } from "../../src/transport/services.ts";
import type { TransportObserver } from "../../src/transport/types.ts";
import { addressOf, msg, portAllocator, startNode, type TestNode, until } from "./helpers.ts";

const port = portAllocator(21700);

class ControlObserver implements TransportObserver {
  acked = 0;
  rpc(plane: Plane, _peer: NodeId, method: string, _s: number, ok: boolean) {
    if (plane === "control" && method === "Stream" && ok) this.acked++;
  }
  bytes() {}
  received() {}
  refused() {}
  connection() {}
}

/** A control port in grpc-js that counts its calls; `withStream` false serves only Send. */
async function fakeControl(address: string, withStream: boolean) {
  const seen = { streams: 0, sends: 0, heartbeats: [] as number[] };
  const record = (env: PbEnvelope) => {
    for (const m of env.messages ?? []) seen.heartbeats.push(Number(m.index ?? 0));
  };
  const impl: grpc.UntypedServiceImplementation = {
    Send(call: grpc.ServerUnaryCall<PbEnvelope, PbAck>, cb: grpc.sendUnaryData<PbAck>) {
      seen.sends++;
      record(call.request);
      cb(null, {});
    },
  };
  if (withStream) {
    impl.Stream = (call: grpc.ServerDuplexStream<PbEnvelope, PbAck>) => {
      seen.streams++;
      call.on("data", (env: PbEnvelope) => {
        record(env);
        call.write({ seq: env.seq ?? 0 });
      });
      call.on("end", () => call.end());
    };
  }
  const server = new grpc.Server();
  server.addService(controlService, impl);
  await new Promise<void>((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  return { server, seen };
}

describe("control plane stream", () => {
  let a: TestNode;
  const obs = new ControlObserver();
  let current: Awaited<ReturnType<typeof fakeControl>>;
  let old: Awaited<ReturnType<typeof fakeControl>>;
  const current2 = addressOf(2, port);
  const old3 = addressOf(3, port);
  before(async () => {
    current = await fakeControl(current2.control, true);
    old = await fakeControl(old3.control, false);
    const aa = addressOf(1, port);
    a = await startNode(1, aa, { observer: obs });
    a.t.setPeers([aa, current2, old3]);
  });
  after(async () => {
    await a.t.close();
    current.server.forceShutdown();
    old.server.forceShutdown();
  });

  test("200 heartbeats to a peer go on one stream, in order, every batch acknowledged, no unary call", async () => {
    for (let i = 1; i <= 200; i++) {
      a.t.send([msg(MessageType.Heartbeat, 1, 2, { index: i })]);
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => current.seen.heartbeats.length === 200, "200 heartbeats at the peer");
    assert.deepEqual(current.seen.heartbeats, Array.from({ length: 200 }, (_, i) => i + 1));
    assert.equal(current.seen.streams, 1);
    assert.equal(current.seen.sends, 0);
    await until(() => obs.acked >= 1 && a.t.controlInFlight(2) === 0, "every batch acknowledged");
  });

  test("responses go unacknowledged (no_ack); a peer that acknowledges them anyway keeps its stream", async () => {
    // The fake peer acknowledges every batch, as a member from before no_ack does.
    const before = current.seen.heartbeats.length;
    for (let i = 1; i <= 50; i++) {
      a.t.send([msg(i % 2 === 0 ? MessageType.HeartbeatResp : MessageType.VoteResp, 1, 2, { index: 1000 + i })]);
      assert.equal(a.t.controlInFlight(2), 0, "a batch of responses takes no window slot");
    }
    a.t.send([msg(MessageType.Heartbeat, 1, 2, { index: 2000 })]);
    await until(() => current.seen.heartbeats.length === before + 51, "every batch at the peer");
    assert.deepEqual(current.seen.heartbeats.slice(before), [...Array.from({ length: 50 }, (_, i) => 1001 + i), 2000]);
    await until(() => a.t.controlInFlight(2) === 0, "the request acknowledged");
    assert.equal(current.seen.streams, 1, "acks of unacknowledged batches did not tear the stream down");
    assert.ok(!a.rec.unreachable.includes(2));
  });

  test("a peer that answers Stream with UNIMPLEMENTED gets unary Sends from then on", async () => {
    // The first batch is lost with the refused stream (the core sends heartbeats again anyway).
    await until(() => {
      a.t.send([msg(MessageType.Heartbeat, 1, 3, { index: 7 })]);
      return old.seen.sends > 0;
    }, "a heartbeat delivered by Send", 5000);
    assert.ok(old.seen.heartbeats.every((i) => i === 7));
    assert.ok(a.rec.unreachable.includes(3), "the refused stream was reported once");
  });
});

describe("acks between two members", () => {
  test("a batch of responses is delivered but not acknowledged; a request after it is, and the ack covers both", async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    const obs = new ControlObserver();
    const a = await startNode(1, aa, { observer: obs });
    const b = await startNode(2, ba);
    try {
      a.t.setPeers([aa, ba]);
      b.t.setPeers([aa, ba]);
      a.t.send([msg(MessageType.Heartbeat, 1, 2, { index: 1 })]);
      await until(() => obs.acked === 1, "the stream up and its first batch acknowledged");
      for (let i = 2; i <= 40; i++) a.t.send([msg(MessageType.HeartbeatResp, 1, 2, { index: i })]);
      a.t.send([msg(MessageType.App, 1, 2, { index: 1 }), msg(MessageType.AppResp, 1, 2, { index: 2 })]);
      await until(() => b.rec.messages.length === 42, "every response delivered");
      assert.equal(obs.acked, 1, "the sender waited for none of the responses");
      a.t.send([msg(MessageType.Vote, 1, 2, { index: 41 })]);
      await until(() => obs.acked === 2, "the vote acknowledged");
      assert.equal(a.t.controlInFlight(2), 0);
    } finally {
      await a.t.close();
      await b.t.close();
    }
  });
});

describe("closing a transport", () => {
  test("ends the incoming streams at once: nothing sent after the close began is delivered or acknowledged", async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    const a = await startNode(1, aa);
    const b = await startNode(2, ba);
    try {
      a.t.setPeers([aa, ba]);
      b.t.setPeers([aa, ba]);
      a.t.send([msg(MessageType.App, 1, 2, { index: 1 }), msg(MessageType.Heartbeat, 1, 2, { index: 1 })]);
      await until(() => b.rec.messages.length === 2, "both streams up");
      const closing = b.t.close();
      for (let i = 2; i < 50; i++) a.t.send([msg(MessageType.App, 1, 2, { index: i }), msg(MessageType.Heartbeat, 1, 2, { index: i })]);
      await closing;
      assert.equal(b.rec.messages.length, 2, "a closed node's handlers got nothing more");
      await until(() => a.rec.unreachable.includes(2), "the sender told its streams ended");
    } finally {
      await a.t.close();
    }
  });
});

