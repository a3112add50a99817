// Forwarded writes as peer messages: a batch per turn is one message, answers wait for this
// member's own apply, and a leader change fails what the old leader never answered.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeInternalRequest } from "../../src/kv/codec.ts";
import type { WriteResponse } from "../../src/kv/types.ts";
import { EtcdError, StatusCode } from "../../src/kv/errors.ts";
import { ProposalForwarder } from "../../src/node/forward-peer.ts";
import type { ProposeResult } from "../../src/raft/types.ts";
import type { PeerProposals } from "../../src/transport/types.ts";

const put = (k: string) => encodeInternalRequest({ put: { key: new TextEncoder().encode(k), value: new Uint8Array([1]) } });

function harness(propose: (d: Uint8Array[]) => ProposeResult = () => ({ ok: true, firstIndex: 10, lastIndex: 10, term: 2 })) {
  const sent: { to: number; p: PeerProposals; undelivered?: () => void }[] = [];
  const awaited: { index: number; term: number; resolve(r: WriteResponse): void }[] = [];
  const f = new ProposalForwarder({
    send: (to, p, undelivered) => sent.push({ to, p, ...(undelivered ? { undelivered } : {}) }),
    propose,
    awaitApplied: (index, term) => new Promise((resolve) => awaited.push({ index, term, resolve })),
    appliedIndex: () => 0,
    self: 1,
    proposeHere: () => Promise.reject(new Error("not in these tests")),
    timeoutMs: 1000,
    maxBatchBytes: 1 << 20,
  });
  return { f, sent, awaited };
}

describe("ProposalForwarder", () => {
  it("sends every write of one turn to the leader as one peer message", () => {
    const { f, sent } = harness();
    for (let i = 0; i < 200; i++) void f.forward(3, put(`k${i}`)).catch(() => {});
    f.flush();
    assert.equal(sent.length, 1);
    assert.equal(sent[0].to, 3);
    assert.equal(sent[0].p.proposals.length, 1);
    assert.equal(sent[0].p.proposals[0].requests.length, 200);
    f.failAll(() => new Error("end"));
  });

  it("answers a write once this member applied the index the leader gave it", async () => {
    const { f, sent, awaited } = harness();
    const p = f.forward(3, put("a"));
    void f.forward(3, put("b"));
    f.flush();
    f.received(3, { proposals: [], answers: [{ id: sent[0].p.proposals[0].id, firstIndex: 7, term: 4, errorCode: 0, errorMessage: "" }] });
    assert.deepEqual(awaited.map((a) => [a.index, a.term]), [[7, 4], [8, 4]]);
    const own: WriteResponse = { op: "put", put: { header: { revision: 42 } } };
    awaited[0].resolve(own);
    assert.equal(await p, own);
  });

  it("on the leader, proposes a peer's batch and answers with its index, or etcd's error", () => {
    const { f, sent } = harness((d) => ({ ok: true, firstIndex: 20, lastIndex: 19 + d.length, term: 5 }));
    f.received(2, { proposals: [{ id: 9, requests: [put("x"), put("y")] }], answers: [] });
    assert.deepEqual(sent.map(({ to, p }) => ({ to, p })), [{ to: 2, p: { proposals: [], answers: [{ id: 9, firstIndex: 20, term: 5, errorCode: 0, errorMessage: "" }] } }]);
    const refusing = harness(() => ({ ok: false, error: { code: "not-leader", leader: 0 } }));
    refusing.f.received(2, { proposals: [{ id: 1, requests: [put("x")] }, { id: 2, requests: [new Uint8Array([0xff, 0xff])] }], answers: [] });
    const [a, b] = refusing.sent[0].p.answers;
    assert.equal(a.errorMessage, "etcdserver: leader changed");
    assert.equal(b.errorCode, 3); // INVALID_ARGUMENT: garbage never reaches the log
  });

  it("fails writes the old leader never answered when the leader changes", async () => {
    const { f, sent } = harness();
    const p = f.forward(3, put("a"));
    f.flush();
    f.leaderChanged(1);
    await assert.rejects(p, /leader changed/);
    // A late answer from the old leader is ignored.
    f.received(3, { proposals: [], answers: [{ id: sent[0].p.proposals[0].id, firstIndex: 7, term: 4, errorCode: 0, errorMessage: "" }] });
    assert.equal(f.size, 0);
  });

  it("a batch the transport could not deliver goes again to the same leader at the next tick, not only after a leader change", async () => {
    const { f, sent, awaited } = harness();
    const p = f.forward(3, put("a"));
    f.flush();
    sent[0].undelivered!(); // no connection to the leader yet: it never left this member
    f.expire(performance.now(), 3);
    f.flush();
    assert.equal(sent.length, 2, "sent again");
    assert.equal(sent[1].to, 3);
    assert.deepEqual(sent[1].p.proposals[0].requests, sent[0].p.proposals[0].requests);
    f.received(3, { proposals: [], answers: [{ id: sent[1].p.proposals[0].id, firstIndex: 12, term: 2, errorCode: 0, errorMessage: "" }] });
    const own: WriteResponse = { op: "put", put: { header: { revision: 5 } } };
    awaited[0]!.resolve(own);
    assert.equal(await p, own);
    // A batch that reached the leader is never sent twice.
    const q = f.forward(3, put("b"));
    f.flush();
    f.expire(performance.now(), 3);
    f.flush();
    assert.equal(sent.length, 3);
    f.failAll(() => new Error("end"));
    await assert.rejects(q, /end/);
  });

  it("on the leader, an answer the transport could not deliver is sent again at the next flush", () => {
    const { f, sent } = harness((d) => ({ ok: true, firstIndex: 30, lastIndex: 29 + d.length, term: 6 }));
    f.received(2, { proposals: [{ id: 4, requests: [put("x")] }], answers: [] });
    assert.equal(sent.length, 1);
    sent[0].undelivered!(); // the data channel to member 2 was down
    f.flush();
    assert.equal(sent.length, 2, "sent again, not proposed again");
    assert.deepEqual(sent[1].p, sent[0].p);
    f.flush();
    assert.equal(sent.length, 2, "a delivered answer is not repeated");
  });

  it("a forwarded write is answered by this member's own apply of its request id, even when the leader's answer never comes", async () => {
    const { f, sent, awaited } = harness();
    const p = f.forward(3, put("a"), 77);
    const refused = f.forward(3, put("b"), 78);
    f.flush();
    const own: WriteResponse = { op: "put", put: { header: { revision: 9 } } };
    f.appliedRequest(77, own);
    assert.equal(await p, own);
    f.appliedRequest(78, { op: "error", error: new EtcdError(StatusCode.NOT_FOUND, "etcdserver: requested lease not found") });
    await assert.rejects(refused, /requested lease not found/);
    // The leader's answer arriving late changes nothing, and the writes are not sent again.
    f.received(3, { proposals: [], answers: [{ id: sent[0].p.proposals[0].id, firstIndex: 7, term: 4, errorCode: 0, errorMessage: "" }] });
    sent[0].undelivered?.();
    f.expire(performance.now(), 3);
    f.flush();
    assert.equal(sent.length, 1);
    assert.equal(awaited.length, 0, "no wait on the index for writes already answered");
  });

  it("a snapshot installed here fails the writes the leader has not answered: their entries may be inside it", async () => {
    const { f, sent, awaited } = harness();
    const unanswered = f.forward(3, put("a"), 5);
    const answered = f.forward(3, put("b"), 6);
    f.flush();
    void answered.catch(() => {});
    assert.equal(sent.length, 1);
    f.snapshotInstalled();
    await assert.rejects(unanswered, /leader changed/);
    await assert.rejects(answered, /leader changed/);
    assert.equal(f.size, 0);
    assert.equal(awaited.length, 0);
  });
});
