// Each message kind travels on its plane (checked by what each server port delivered),
// each plane is its own connection, and isolation=false folds them onto one.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MessageType, type Plane, planeOf } from "../../src/raft/types.ts";
import { addressOf, msg, network, portAllocator, startNode, type TestNode, until } from "./helpers.ts";

const port = portAllocator(21000);
const PLANES: Plane[] = ["control", "data", "bulk"];

describe("isolated planes", () => {
  let a: TestNode, b: TestNode;
  before(async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    a = await startNode(1, aa);
    b = await startNode(2, ba);
    a.t.setPeers([aa, ba]);
    b.t.setPeers([aa, ba]);
    await until(() => PLANES.every((p) => a.t.isConnected(2, p)), "A's three channels to B");
  });
  after(async () => {
    await a.t.close();
    await b.t.close();
  });

  test("pre-warm opens one connection per plane, each on its own port", async () => {
    await until(() => PLANES.every((p) => b.t.inboundConnectionCount(p) >= 1), "B sees A on every port");
    const counts = PLANES.map((p) => b.t.inboundConnectionCount(p));
    assert.deepEqual(counts, [1, 1, 1], `one inbound connection per plane, got ${JSON.stringify(counts)}`);
    assert.equal(new Set(PLANES.map((p) => b.t.port(p))).size, 3);
  });

  const kinds = Object.entries(MessageType).filter(([, t]) => t !== MessageType.Snap);
  for (const [name, type] of kinds) {
    test(`${name} arrives on the ${planeOf(type)} port only`, async () => {
      const before = Object.fromEntries(PLANES.map((p) => [p, b.t.inboundMessages(p)]));
      const n = b.rec.messages.length;
      const entries = type === MessageType.App
        ? [{ term: 3, index: 11, type: 0 as const, data: new Uint8Array(300).fill(7) }]
        : [];
      a.t.send([msg(type, 1, 2, { context: 42, entries })]);
      await until(() => b.rec.messages.length > n, `${name} at B`);
      const got = b.rec.messages[n];
      assert.equal(got.type, type);
      assert.equal(got.context, 42);
      assert.equal(got.from, 1);
      assert.deepEqual(got.entries.map((e) => [...e.data].length), entries.map((e) => e.data.length));
      for (const p of PLANES) {
        const grew = b.t.inboundMessages(p) - before[p];
        assert.equal(grew, p === planeOf(type) ? 1 : 0, `${name}: ${grew} messages arrived on the ${p} port`);
      }
    });
  }

  test("Snap arrives on the bulk port only", async () => {
    const before = Object.fromEntries(PLANES.map((p) => [p, b.t.inboundMessages(p)]));
    const content = new Uint8Array(100_000).map((_, i) => i % 251);
    const snap = msg(MessageType.Snap, 1, 2, { snapshot: { index: 50, term: 3, conf: { voters: [1, 2], learners: [] } } });
    await a.t.sendSnapshot(snap, {
      totalBytes: content.length,
      chunks: async function* () {
        yield content;
      },
    });
    assert.equal(b.rec.received.length, 1);
    assert.deepEqual(b.rec.received[0].snapshot, { index: 50, term: 3, conf: { voters: [1, 2], learners: [] } });
    assert.equal(b.t.inboundMessages("bulk") - before.bulk, 2, "one data chunk and the last chunk");
    assert.equal(b.t.inboundMessages("control") - before.control, 0);
    assert.equal(b.t.inboundMessages("data") - before.data, 0);
  });
});

describe("isolation off", () => {
  let a: TestNode, b: TestNode;
  before(async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    a = await startNode(1, aa, { network: network({ isolation: false }) });
    b = await startNode(2, ba, { network: network({ isolation: false }) });
    a.t.setPeers([aa, ba]);
    b.t.setPeers([aa, ba]);
  });
  after(async () => {
    await a.t.close();
    await b.t.close();
  });

  test("every plane shares one port and one connection", async () => {
    a.t.send([msg(MessageType.Heartbeat, 1, 2), msg(MessageType.App, 1, 2)]);
    await until(() => b.rec.messages.length === 2, "both messages at B");
    assert.equal(b.t.port("control"), b.t.port("data"));
    assert.equal(b.t.port("control"), b.t.port("bulk"));
    assert.equal(b.t.inboundConnectionCount("control"), 1);
    assert.deepEqual(b.rec.messages.map((m) => m.type).sort(), [MessageType.App, MessageType.Heartbeat].sort());
  });
});
