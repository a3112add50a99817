// Lease questions as peer messages: one message per leader per turn, answers matched by id and
// sender, and every way a question can be lost (undelivered, leader changed, stream broken,
// deadline) ends it with an error NodeLeases knows how to handle.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EtcdError } from "../../src/kv/errors.ts";
import { LeaderUnreachable, LeaseForwarder } from "../../src/node/forward-lease.ts";
import type { LeaseAnswer, LeaseQuery, PeerLeases } from "../../src/transport/types.ts";

function harness(answer: (q: LeaseQuery[]) => Promise<LeaseAnswer[]> = () => Promise.reject(new Error("not in this test"))) {
  const sent: { to: number; l: PeerLeases; undelivered?: () => void }[] = [];
  const f = new LeaseForwarder({ send: (to, l, undelivered) => sent.push({ to, l, undelivered }), answer });
  return { f, sent };
}

const ok = (id: number, ttl: number): LeaseAnswer => ({ id, ttl, errorCode: 0, errorMessage: "" });

describe("LeaseForwarder", () => {
  it("sends the questions of one turn to the leader as one peer message and resolves each from its answer", async () => {
    const { f, sent } = harness();
    const renew = f.ask(3, 100, true, Infinity);
    const read = f.ask(3, 200, false, Infinity);
    assert.equal(sent.length, 0, "nothing leaves before the turn's flush");
    f.flush();
    assert.equal(sent.length, 1);
    assert.equal(sent[0].to, 3);
    const [q1, q2] = sent[0].l.queries;
    assert.deepEqual([q1.leaseId, q1.renew, q2.leaseId, q2.renew], [100, true, 200, false]);
    assert.notEqual(q1.id, q2.id);
    f.received(2, { queries: [], answers: [ok(q1.id, 99)] }); // not the member asked: ignored
    f.received(3, { queries: [], answers: [ok(q2.id, -1), ok(q1.id, 30)] });
    assert.equal(await renew, 30);
    assert.equal(await read, -1);
    assert.equal(f.size, 0);
  });

  it("a refusal is the leader's etcd error; undelivered, a leader change or a broken stream say ask again", async () => {
    const { f, sent } = harness();
    const refused = f.ask(3, 1, true, Infinity);
    const lost = f.ask(3, 2, true, Infinity);
    f.flush();
    const [qr] = sent[0].l.queries;
    f.received(3, { queries: [], answers: [{ id: qr.id, ttl: 0, errorCode: 4, errorMessage: "etcdserver: request timed out" }] });
    await assert.rejects(refused, (e: unknown) => e instanceof EtcdError && e.code === 4 && e.message === "etcdserver: request timed out");
    sent[0].undelivered!();
    await assert.rejects(lost, LeaderUnreachable);

    const moved = f.ask(3, 3, true, Infinity);
    f.flush();
    f.leaderChanged(3);
    assert.equal(f.size, 1, "still the same leader: kept");
    f.leaderChanged(0);
    await assert.rejects(moved, LeaderUnreachable);

    const broken = f.ask(3, 4, true, Infinity);
    const elsewhere = f.ask(5, 4, true, Infinity);
    f.flush();
    f.unreachable(3);
    await assert.rejects(broken, LeaderUnreachable);
    assert.equal(f.size, 1, "the question to member 5 is not touched");
    f.failAll(() => new Error("end"));
    await assert.rejects(elsewhere, /end/);
  });

  it("a question unanswered at its deadline, sent or not, times out", async () => {
    const { f } = harness();
    const sent = f.ask(3, 1, true, 1000);
    const queued = f.ask(4, 1, true, 1000);
    const later = f.ask(3, 2, true, 5000);
    f.flush();
    const queuedAfter = f.ask(4, 9, true, 1000);
    f.expire(999);
    assert.equal(f.size, 4);
    f.expire(1000);
    for (const p of [sent, queued, queuedAfter]) await assert.rejects(p, { message: "etcdserver: request timed out" });
    assert.equal(f.size, 1, "the later deadline still waits");
    f.failAll(() => new Error("end"));
    await assert.rejects(later, /end/);
  });

  it("at its deadline with no leader known, a question fails with etcd's no leader", async () => {
    const { f } = harness();
    const sent = f.ask(3, 1, true, 1000);
    f.flush();
    f.expire(1000, 0);
    await assert.rejects(sent, { message: "etcdserver: no leader" });
  });

  it("on the leader, answers a peer's batch with one message, or refuses every question if answering failed", async () => {
    const seen: LeaseQuery[][] = [];
    const { f, sent } = harness(async (qs) => (seen.push(qs), qs.map((q) => ok(q.id, q.leaseId * 10))));
    f.received(2, { queries: [{ id: 7, leaseId: 1, renew: true }, { id: 8, leaseId: 2, renew: false }], answers: [] });
    await new Promise((r) => setImmediate(r));
    assert.equal(seen.length, 1, "one answer call for the batch");
    assert.deepEqual(sent, [{ to: 2, l: { queries: [], answers: [ok(7, 10), ok(8, 20)] }, undelivered: undefined }]);

    const failing = harness(() => Promise.reject(new Error("boom")));
    failing.f.received(2, { queries: [{ id: 1, leaseId: 1, renew: true }], answers: [] });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(failing.sent[0].l.answers, [{ id: 1, ttl: 0, errorCode: 14, errorMessage: "boom" }]);
  });
});
