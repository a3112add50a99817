// The in-process transport keeps the gRPC transport's contract: async ordered delivery, admission,
// unreachable reports, and snapshots into a sink.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MessageType } from "../../src/raft/types.ts";
import { InProcessNetwork } from "../../src/transport/in-process.ts";
import { msg, Recorder, until } from "./helpers.ts";

const peers = [1, 2].map((id) => ({ id, control: "", data: "", bulk: "" }));

async function pair(clusterB = 7) {
  const net = new InProcessNetwork();
  const ra = new Recorder(), rb = new Recorder();
  const a = net.transport({ clusterId: 7, nodeId: 1, handlers: ra });
  const b = net.transport({ clusterId: clusterB, nodeId: 2, handlers: rb });
  await a.start();
  await b.start();
  a.setPeers(peers);
  b.setPeers(peers);
  return { net, a, b, ra, rb };
}

describe("in-process transport", () => {
  test("delivers asynchronously, in order, as copies", async () => {
    const { a, rb } = await pair();
    const m = msg(MessageType.App, 1, 2, { entries: [{ term: 1, index: 11, type: 0, data: new Uint8Array([1]) }] });
    a.send([m, msg(MessageType.Heartbeat, 1, 2, { context: 5 })]);
    assert.equal(rb.messages.length, 0, "never delivered inside send()");
    await until(() => rb.messages.length === 2, "both at B");
    assert.deepEqual(rb.messages.map((x) => x.type), [MessageType.App, MessageType.Heartbeat]);
    m.entries[0].data[0] = 9;
    assert.equal(rb.messages[0].entries[0].data[0], 1);
  });

  test("partitions, stopped peers and foreign clusters are reported unreachable", async () => {
    const { net, a, b, ra, rb } = await pair();
    net.partition(1, 2);
    a.send([msg(MessageType.Heartbeat, 1, 2)]);
    await until(() => ra.unreachable.length === 1, "partition reported");
    net.heal(1, 2);
    await b.close();
    a.send([msg(MessageType.Heartbeat, 1, 2)]);
    await until(() => ra.unreachable.length === 2, "stopped peer reported");
    assert.equal(rb.messages.length, 0);
    const other = await pair(99);
    other.a.send([msg(MessageType.Vote, 1, 2)]);
    await until(() => other.ra.unreachable.length === 1, "foreign cluster refused");
    assert.equal(other.rb.messages.length, 0);
  });

  test("snapshots stream into the sink and commit; a vanished peer aborts it", async () => {
    const { net, a, rb } = await pair();
    const snap = msg(MessageType.Snap, 1, 2, { snapshot: { index: 9, term: 2, conf: { voters: [1, 2], learners: [] } } });
    const progress: number[] = [];
    await a.sendSnapshot(snap, {
      totalBytes: 6,
      chunks: async function* () {
        yield new Uint8Array([1, 2, 3]);
        yield new Uint8Array([4, 5, 6]);
      },
    }, (s) => progress.push(s));
    assert.deepEqual(progress, [3, 6]);
    assert.equal(rb.sinks[0].state, "committed");
    assert.deepEqual(rb.sinks[0].chunks.map((c) => [...c]), [[1, 2, 3], [4, 5, 6]]);
    assert.equal(rb.received[0].snapshot?.index, 9);
    await assert.rejects(a.sendSnapshot(snap, {
      totalBytes: 6,
      chunks: async function* () {
        yield new Uint8Array([1, 2, 3]);
        net.partition(1, 2);
        yield new Uint8Array([4, 5, 6]);
      },
    }), /went away after 3 bytes/);
    assert.equal(rb.sinks[1].state, "aborted");
  });
});
