// Forwarded writes as peer messages: a batch per turn is one message, answers wait for this
// member's own apply, and a leader change fails what the old leader never answered.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeInternalRequest } from "../../src/kv/codec.ts";
import type { WriteResponse } from "../../src/kv/types.ts";
import { ProposalForwarder } from "../../src/node/forward-peer.ts";
import type { ProposeResult } from "../../src/raft/types.ts";
import type { PeerProposals } from "../../src/transport/types.ts";

const put = (k: string) => encodeInternalRequest({ put: { key: new TextEncoder().encode(k), value: new Uint8Array([1]) } });

function harness(propose: (d: Uint8Array[]) => ProposeResult = () => ({ ok: true, firstIndex: 10, lastIndex: 10, term: 2 })) {
  const sent: { to: number; p: PeerProposals }[] = [];
  const awaited: { index: number; term: number; resolve(r: WriteResponse): void }[] = [];
  const f = new ProposalForwarder({
    send: (to, p) => sent.push({ to, p }),
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
    assert.deepEqual(sent, [{ to: 2, p: { proposals: [], answers: [{ id: 9, firstIndex: 20, term: 5, errorCode: 0, errorMessage: "" }] } }]);
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
});
