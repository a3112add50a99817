// Acks carried in the peer's own batches (Envelope.carried_ack): a member answering a batch in
// the same loop turn puts the ack of that batch in its answer instead of writing it on the
// stream; a sender that does not read carried acks (an older member) gets them on the stream.
// The stream pipeline takes a carried ack only for what its current call sent.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import type { ClientCall } from "../../src/grpc/client-call.ts";
import { MessageType, type Message } from "../../src/raft/types.ts";
import type { PbAck, PbEnvelope } from "../../src/transport/codec.ts";
import { controlService } from "../../src/transport/services.ts";
import { StreamPipeline } from "../../src/transport/stream-pipeline.ts";
import { noopObserver } from "../../src/transport/types.ts";
import { addressOf, msg, portAllocator, Recorder, startNode, type TestNode, until } from "./helpers.ts";

const port = portAllocator(21900, 40);

type ControlClient = grpc.Client & { Stream(): grpc.ClientDuplexStream<PbEnvelope, PbAck> };

describe("carried acks between a member and a peer", () => {
  // Node 2 is the member under test; node 1 is played by a grpc-js client (its stream to node 2)
  // and a grpc-js server (node 1's control port, where node 2's answers arrive).
  const a1 = addressOf(1, port), a2 = addressOf(2, port);
  const atPeer: PbEnvelope[] = [];
  let server: grpc.Server;
  let client: ControlClient;
  let b: TestNode;
  before(async () => {
    server = new grpc.Server();
    server.addService(controlService, {
      Stream(call: grpc.ServerDuplexStream<PbEnvelope, PbAck>) {
        call.on("data", (env: PbEnvelope) => atPeer.push(env));
        call.on("end", () => call.end());
      },
    });
    await new Promise<void>((resolve, reject) => server.bindAsync(a1.control, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
    // Node 2 answers every heartbeat in the turn it arrives, from an immediate, as the node's
    // loop does (TriremeNode.schedule).
    const rec = new Recorder();
    const handlers = Object.assign(Object.create(rec) as Recorder, {
      onMessage(m: Message) {
        rec.onMessage(m);
        if (m.type === MessageType.Heartbeat) setImmediate(() => b.t.send([msg(MessageType.HeartbeatResp, 2, 1, { index: m.index })]));
      },
    });
    b = await startNode(2, a2, { handlers });
    b.t.setPeers([a1, a2]);
    const Ctor = grpc.makeGenericClientConstructor(controlService as unknown as grpc.ServiceDefinition, "RaftControl");
    client = new Ctor(a2.control, grpc.credentials.createInsecure()) as unknown as ControlClient;
  });
  after(async () => {
    client.close();
    await b.t.close();
    server.forceShutdown();
  });

  async function exchange(takesCarriedAcks: boolean, firstSeq: number) {
    const call = client.Stream();
    const acks: number[] = [];
    call.on("data", (a: PbAck) => acks.push(a.seq ?? 0));
    const env = (seq: number, type: MessageType): PbEnvelope =>
      ({ clusterId: 7, senderId: 1, seq, cumulativeAcks: true, takesCarriedAcks, messages: [{ type, from: 1, to: 2, term: 1, index: seq }] });
    const seen = atPeer.length;
    call.write(env(firstSeq, MessageType.Heartbeat));
    await until(() => atPeer.length > seen, "node 2's answer at node 1");
    // A vote request gets no answer from the handler: its ack must come on the stream. Acks come
    // in order, so whatever node 2 wrote for the heartbeat arrives before it.
    call.write(env(firstSeq + 1, MessageType.Vote));
    await until(() => acks.includes(firstSeq + 1), "the vote acknowledged on the stream");
    const ended = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    call.on("error", () => {});
    call.end();
    assert.equal((await ended).code, grpc.status.OK);
    return { acks, answer: atPeer[seen]! };
  }

  test("a peer that reads carried acks gets the heartbeat's ack in the answer, not on the stream", async () => {
    const { acks, answer } = await exchange(true, 1);
    assert.equal(answer.messages?.[0]?.type, MessageType.HeartbeatResp);
    assert.equal(answer.carriedAck, 1);
    assert.equal(answer.noAck, true, "an answer of responses only is not acknowledged");
    assert.equal(answer.takesCarriedAcks, true);
    assert.deepEqual(acks, [2]);
  });

  test("a peer that does not (an older member) gets every ack on the stream", async () => {
    const { acks, answer } = await exchange(false, 1);
    assert.equal(answer.carriedAck ?? 0, 0);
    assert.deepEqual(acks, [1, 2]);
  });
});

describe("StreamPipeline and carried acks", () => {
  function pipeline() {
    const written: Uint8Array[] = [];
    const broken: string[] = [];
    const calls: Array<ClientCall<PbAck>> = [];
    const p = new StreamPipeline({
      peer: 2, plane: "control", method: "Stream", window: 4, maxQueued: 16, requestTimeoutMs: 1000, connectTimeoutMs: 1000,
      open: () => {
        const call = { write: (b: Uint8Array) => { written.push(b); return true; }, cancel() {}, onMessage: () => {}, onStatus: () => {} };
        calls.push(call as unknown as ClientCall<PbAck>);
        return call as unknown as ClientCall<PbAck>;
      },
      onBroken: (r) => broken.push(r),
      observer: noopObserver,
    });
    const batch = (noAck = false) => p.send((seq) => Uint8Array.of(seq), undefined, noAck);
    return { p, batch, written, broken, calls };
  }

  test("a carried ack pops what it covers; a stale or unknown one is ignored, not a teardown", () => {
    const { p, batch, broken, calls } = pipeline();
    batch(); batch(); batch(true); batch();
    assert.equal(p.inFlight(), 3, "the no_ack batch is not waited for");
    p.carriedAck(2);
    assert.equal(p.inFlight(), 1);
    p.carriedAck(1); // older than what was acknowledged
    p.carriedAck(9); // never sent
    assert.equal(p.inFlight(), 1);
    assert.deepEqual(broken, []);
    calls[0]!.onMessage({ seq: 3 }); // the stream's own ack of a no_ack batch (an older receiver)
    assert.equal(p.inFlight(), 1);
    calls[0]!.onMessage({ seq: 4 });
    assert.equal(p.inFlight(), 0);
    assert.deepEqual(broken, []);
    calls[0]!.onMessage({ seq: 4 }); // the same ack twice is a broken stream
    assert.equal(broken.length, 1);
  });

  test("after a new call, an ack carried for the old call's batches is stale", () => {
    const { p, batch, broken, calls } = pipeline();
    batch(); batch();
    calls[0]!.onStatus({ code: 14, details: "gone", metadata: {} } as never);
    assert.equal(broken.length, 1);
    batch();
    assert.equal(calls.length, 2);
    p.carriedAck(2); // seq 2 went on the first call
    assert.equal(p.inFlight(), 1);
    p.carriedAck(3);
    assert.equal(p.inFlight(), 0);
  });

  test("sendsAtOnce: nothing queued and room in the window, or a no_ack batch", () => {
    const { p, batch } = pipeline();
    for (let i = 0; i < 4; i++) batch();
    assert.equal(p.sendsAtOnce(false), false, "the window is full");
    assert.equal(p.sendsAtOnce(true), true, "a no_ack batch passes a full window");
    batch();
    assert.equal(p.sendsAtOnce(true), false, "but not a batch queued before it");
  });
});
