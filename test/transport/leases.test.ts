// Lease questions and answers cross the data plane as peer messages, in the in-process transport
// and the real PeerTransport: fields intact, in order with the appends on the same stream, and
// `undelivered` reported when they certainly never reached the peer.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Message, MessageType, type NodeId } from "../../src/raft/types.ts";
import { InProcessNetwork } from "../../src/transport/in-process.ts";
import type { PeerLeases } from "../../src/transport/types.ts";
import { addressOf, msg, portAllocator, Recorder, startNode, type TestNode, until } from "./helpers.ts";

const port = portAllocator(21600);

/** Records lease traffic and Raft messages in one arrival log. */
class LeaseRecorder extends Recorder {
  leases: { from: NodeId; l: PeerLeases }[] = [];
  log: string[] = [];
  override onMessage(m: Message): void {
    super.onMessage(m);
    this.log.push(`msg:${m.index}`);
  }
  onLeases(from: NodeId, l: PeerLeases): void {
    this.leases.push({ from, l });
    this.log.push(`leases:${l.queries.map((q) => q.id).concat(l.answers.map((a) => a.id)).join(",")}`);
  }
}

const question: PeerLeases = {
  queries: [
    { id: 1, leaseId: 2 ** 53 - 1, renew: true },
    { id: 2, leaseId: 7, renew: false },
  ],
  answers: [],
};
const answer: PeerLeases = {
  queries: [],
  answers: [
    { id: 1, ttl: 30, errorCode: 0, errorMessage: "" },
    { id: 2, ttl: -1, errorCode: 0, errorMessage: "" },
    { id: 3, ttl: 0, errorCode: 14, errorMessage: "etcdserver: not leader" },
  ],
};

describe("lease questions on the in-process transport", () => {
  const peers = [1, 2].map((id) => ({ id, control: "", data: "", bulk: "" }));

  async function pair(clusterB = 7) {
    const net = new InProcessNetwork();
    const ra = new LeaseRecorder(), rb = new LeaseRecorder();
    const a = net.transport({ clusterId: 7, nodeId: 1, handlers: ra });
    const b = net.transport({ clusterId: clusterB, nodeId: 2, handlers: rb });
    await a.start();
    await b.start();
    a.setPeers(peers);
    b.setPeers(peers);
    return { a, b, ra, rb };
  }

  test("questions and answers arrive as copies, named by their sender", async () => {
    const { a, b, ra, rb } = await pair();
    a.sendLeases(2, question);
    assert.equal(rb.leases.length, 0, "never delivered inside sendLeases()");
    await until(() => rb.leases.length === 1, "the questions at B");
    assert.equal(rb.leases[0].from, 1);
    assert.deepEqual(rb.leases[0].l, question);
    assert.notEqual(rb.leases[0].l, question, "a copy, not the sender's object");
    b.sendLeases(1, answer);
    await until(() => ra.leases.length === 1, "the answers at A");
    assert.deepEqual(ra.leases[0], { from: 2, l: answer });
  });

  test("a stopped peer or a foreign cluster: unreachable and undelivered", async () => {
    const { a, b, ra, rb } = await pair();
    await b.close();
    let lost = 0;
    a.sendLeases(2, question, () => lost++);
    await until(() => lost === 1, "undelivered to a stopped peer");
    assert.deepEqual(ra.unreachable, [2]);
    assert.equal(rb.leases.length, 0);
    const foreign = await pair(99);
    foreign.a.sendLeases(2, question, () => lost++);
    await until(() => lost === 2, "undelivered to another cluster");
    assert.equal(foreign.rb.leases.length, 0);
  });
});

describe("lease questions on the PeerTransport's data plane", () => {
  let a: TestNode, b: TestNode;
  const ra = new LeaseRecorder(), rb = new LeaseRecorder();
  before(async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    a = await startNode(1, aa, { handlers: ra });
    b = await startNode(2, ba, { handlers: rb });
    a.t.setPeers([aa, ba]);
    b.t.setPeers([aa, ba]);
  });
  after(async () => {
    await a.t.close();
    await b.t.close();
  });

  test("questions travel in order with the appends on the data stream, answers come back", async () => {
    const app = (index: number) => msg(MessageType.App, 1, 2, { index, entries: [{ term: 3, index, type: 0, data: new Uint8Array([index]) }] });
    const dataBefore = b.t.inboundMessages("data");
    a.t.send([app(11)]);
    a.t.sendLeases(2, question);
    a.t.send([app(12)]);
    await until(() => rb.log.length === 3, "two appends and the questions at B");
    assert.deepEqual(rb.log, ["msg:11", "leases:1,2", "msg:12"]);
    assert.equal(b.t.inboundMessages("data") - dataBefore, 2, "the appends came on the data port, with the questions between them");
    assert.deepEqual(rb.leases[0], { from: 1, l: question });
    b.t.sendLeases(1, answer);
    await until(() => ra.leases.length === 1, "the answers at A");
    assert.deepEqual(ra.leases[0], { from: 2, l: answer });
  });

  test("to a peer with no address, or one not listening, the questions are reported undelivered", { timeout: 15_000 }, async () => {
    let lost = 0;
    a.t.sendLeases(9, question, () => lost++);
    assert.equal(lost, 1, "no address for peer 9: undelivered at once");
    const silent = addressOf(3, port); // nobody listens there
    a.t.setPeers([a.addr, b.addr, silent]);
    a.t.sendLeases(3, question, () => lost++);
    await until(() => lost === 2, "undelivered once the connection to a silent peer failed", 10_000);
    assert.ok(ra.unreachable.includes(3), "and the peer reported unreachable");
    a.t.setPeers([a.addr, b.addr]);
  });
});
