// Every request names its cluster and sender: a foreign cluster or an unknown sender is refused
// with a status that names both ids, and the receiver logs it once per sender.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { GrpcChannel } from "../../src/grpc/channel.ts";
import { GrpcCallError, unaryCall } from "../../src/grpc/client-call.ts";
import { GrpcStatus } from "../../src/grpc/status.ts";
import { MessageType } from "../../src/raft/types.ts";
import { toPb } from "../../src/transport/codec.ts";
import { CONTROL_SEND, decodeAck, encodeEnvelope } from "../../src/transport/services.ts";
import type { LogLevel } from "../../src/transport/types.ts";
import { addressOf, msg, portAllocator, ServerSideObserver, startNode, type TestNode, until } from "./helpers.ts";

const port = portAllocator(21100);

describe("admission", () => {
  let b: TestNode, foreign: TestNode, stranger: TestNode;
  const bLog: { level: LogLevel; msg: string }[] = [];
  const foreignLog: string[] = [];
  const bSeen = new ServerSideObserver();
  let raw: GrpcChannel;
  before(async () => {
    const ba = addressOf(2, port), fa = addressOf(3, port), sa = addressOf(4, port);
    b = await startNode(2, ba, { log: (level, m) => bLog.push({ level, msg: m }), observer: bSeen });
    foreign = await startNode(3, fa, { clusterId: 99, log: (_l, m) => foreignLog.push(m) });
    stranger = await startNode(4, sa);
    b.t.setPeers([ba, fa]); // 3 is a member by id, but of another cluster; 4 is not a member
    foreign.t.setPeers([ba, fa]);
    stranger.t.setPeers([ba, sa]);
    raw = new GrpcChannel({ host: "127.0.0.1", port: Number(ba.control.split(":")[1]) });
  });
  after(async () => {
    raw.close();
    await Promise.all([b.t.close(), foreign.t.close(), stranger.t.close()]);
  });

  const call = async (clusterId: number, senderId: number): Promise<GrpcCallError | undefined> => {
    const buf = encodeEnvelope({ clusterId, senderId, messages: [toPb(msg(MessageType.Heartbeat, senderId, 2))] });
    return unaryCall(raw, CONTROL_SEND, buf, decodeAck, { deadline: Date.now() + 3000, waitForReady: true }).then(
      () => undefined,
      (e: unknown) => (e instanceof GrpcCallError ? e : Promise.reject(e)),
    );
  };

  test("a foreign cluster gets FAILED_PRECONDITION naming both cluster ids", async () => {
    const err = await call(99, 3);
    assert.ok(err);
    assert.equal(err.code, GrpcStatus.FAILED_PRECONDITION);
    assert.match(err.details, /sender 3 belongs to cluster 99, but node 2 is in cluster 7/);
    assert.equal(b.rec.messages.length, 0);
    assert.equal(bSeen.count("control/foreign_cluster"), 1, bSeen.refusals.join());
    assert.equal(bSeen.delivered.control, 0);
  });

  test("an unknown sender gets PERMISSION_DENIED naming the sender", async () => {
    const err = await call(7, 4);
    assert.ok(err);
    assert.equal(err.code, GrpcStatus.PERMISSION_DENIED);
    assert.match(err.details, /sender 4 is not a member of cluster 7 known to node 2/);
    assert.equal(b.rec.messages.length, 0);
    assert.equal(bSeen.count("control/unknown_sender"), 1, bSeen.refusals.join());
  });

  test("the sending transport reports the refusal as unreachable, on every plane, and B logs it once", async () => {
    for (let i = 0; i < 5; i++) foreign.t.send([msg(MessageType.Heartbeat, 3, 2), msg(MessageType.App, 3, 2)]);
    // The five heartbeats ride one control stream and the appends one data stream: each is refused.
    await until(() => foreign.rec.unreachable.filter((p) => p === 2).length >= 2, "a refused control stream and a refused data stream");
    assert.ok(foreignLog.some((l) => /FAILED_PRECONDITION.*cluster 99.*cluster 7/.test(l)), foreignLog.join("\n"));
    const refusals = bLog.filter((l) => l.level === "warn" && /refused .*sender 3 belongs to cluster 99/.test(l.msg));
    // One line per (sender, reason): control and data refusals share it.
    assert.equal(refusals.length, 1, bLog.map((l) => l.msg).join("\n"));
    assert.equal(b.rec.messages.length, 0);
  });

  test("a stranger's data and bulk traffic is refused too", async () => {
    stranger.t.send([msg(MessageType.App, 4, 2)]);
    await until(() => stranger.rec.unreachable.includes(2), "stranger told B is unreachable");
    await assert.rejects(
      stranger.t.sendSnapshot(msg(MessageType.Snap, 4, 2, { snapshot: { index: 1, term: 1, conf: { voters: [2], learners: [] } } }), {
        totalBytes: 3,
        chunks: async function* () {
          yield new Uint8Array([1, 2, 3]);
        },
      }),
      /PERMISSION_DENIED.*sender 4 is not a member/,
    );
    assert.equal(b.rec.messages.length, 0);
    assert.ok(bSeen.count("data/unknown_sender") >= 1, bSeen.refusals.join());
    assert.equal(bSeen.count("bulk/unknown_sender"), 1, bSeen.refusals.join());
    assert.deepEqual(bSeen.delivered, { control: 0, data: 0, bulk: 0 });
    assert.equal(b.rec.sinks.length, 0);
  });
});
