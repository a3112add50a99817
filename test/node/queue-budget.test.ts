// Every queue of client requests is bounded by count and bytes: when full it refuses the next
// request at once with etcd's overload error (RESOURCE_EXHAUSTED "etcdserver: too many
// requests"), and accepts again as soon as what it holds is answered.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EtcdError, StatusCode } from "../../src/kv/errors.ts";
import type { ApplyResult } from "../../src/kv/types.ts";
import { encodeInternalRequest } from "../../src/kv/codec.ts";
import { LeaseForwarder } from "../../src/node/forward-lease.ts";
import { ProposalForwarder } from "../../src/node/forward-peer.ts";
import { QueueBudget, WRITE_LIMIT, READ_LIMIT } from "../../src/node/queue-budget.ts";
import { ReadQueue } from "../../src/node/reads.ts";
import { WriteQueue } from "../../src/node/writes.ts";
import type { ProposeResult } from "../../src/raft/types.ts";
import type { PeerLeases, PeerProposals, ProposalAnswer } from "../../src/transport/types.ts";

const put = (revision: number): ApplyResult => ({ op: "put", put: { header: { revision } } });
const overloaded = (e: unknown) => e instanceof EtcdError && e.code === StatusCode.RESOURCE_EXHAUSTED && e.message === "etcdserver: too many requests";
const bytes = (n: number) => new Uint8Array(n);
/** Settles within the current turn: a refusal must not wait for a flush, a tick or a timer. */
async function settledNow(p: Promise<unknown>): Promise<unknown> {
  let outcome: unknown = "pending";
  p.then((v) => (outcome = { value: v }), (e: unknown) => (outcome = { error: e }));
  await Promise.resolve();
  await Promise.resolve();
  return outcome;
}

describe("QueueBudget", () => {
  test("admits by count and bytes; a release frees exactly once", () => {
    const b = new QueueBudget({ maxCount: 2, maxBytes: 10 });
    const r1 = b.admit(6);
    assert.equal(typeof r1, "function");
    assert.ok(overloaded(b.admit(5)), "6 + 5 bytes > 10");
    const r2 = b.admit(4);
    assert.equal(typeof r2, "function");
    assert.ok(overloaded(b.admit(0)), "two requests held");
    (r1 as () => void)();
    (r1 as () => void)();
    assert.deepEqual(b.held, { count: 1, bytes: 4 });
    assert.throws(() => new QueueBudget({ maxCount: 0, maxBytes: 1 }), /at least one request/);
  });

  test("the node's limits admit etcd's largest request and its apply gap", () => {
    assert.equal(WRITE_LIMIT.maxCount, 5_000);
    assert.ok(WRITE_LIMIT.maxBytes >= 16 * 1_572_864, "a burst of max_request_bytes writes fits");
    assert.ok(READ_LIMIT.maxCount >= WRITE_LIMIT.maxCount);
  });
});

describe("WriteQueue limits", () => {
  test("a full queue refuses at once; once writes are applied it accepts again", async () => {
    const q = new WriteQueue(10_000, { maxCount: 2, maxBytes: 1 << 20 });
    const a = q.enqueue(bytes(1));
    const b = q.enqueue(bytes(1));
    const refused = await settledNow(q.enqueue(bytes(1)));
    assert.ok(typeof refused === "object" && refused !== null && "error" in refused && overloaded(refused.error), `got ${JSON.stringify(refused)}`);
    // Proposed but not applied still counts: proposals must not run ahead of apply.
    const batch = q.take()!;
    q.proposed(batch, { ok: true, firstIndex: 1, lastIndex: 2, term: 1 });
    await assert.rejects(q.enqueue(bytes(1)), overloaded);
    q.applied(1, 1, put(5));
    assert.deepEqual(await a, put(5));
    const c = q.enqueue(bytes(1));
    assert.equal(q.size, 2, "admitted after one was applied");
    q.applied(2, 1, put(6));
    await b;
    q.proposed(q.take()!, { ok: true, firstIndex: 3, lastIndex: 3, term: 1 });
    q.applied(3, 1, put(7));
    assert.deepEqual(await c, put(7));
  });

  test("bounded by bytes as well: a refused or timed-out write frees its bytes", async () => {
    const q = new WriteQueue(5, { maxCount: 100, maxBytes: 10 });
    const a = q.enqueue(bytes(8));
    await assert.rejects(q.enqueue(bytes(3)), overloaded);
    const small = q.enqueue(bytes(2));
    q.proposed(q.take()!, { ok: false, error: { code: "not-leader", leader: 2 } });
    await assert.rejects(a, /leader changed/);
    await assert.rejects(small, /leader changed/);
    const big = q.enqueue(bytes(10));
    q.expire(performance.now() + 10);
    await assert.rejects(big, /request timed out/);
    void q.enqueue(bytes(10)).catch(() => {});
    assert.equal(q.size, 1, "the timed-out write's bytes were released");
    q.failAll(() => new Error("stopped"));
  });
});

describe("ReadQueue limits", () => {
  test("a full queue refuses at once; confirmed and applied reads make room", async () => {
    const q = new ReadQueue(10_000, { maxCount: 2, maxBytes: Number.POSITIVE_INFINITY });
    const reads = [q.barrier(), q.barrier()];
    await assert.rejects(q.barrier(), overloaded);
    let id = 0;
    q.flush((i) => (id = i));
    await assert.rejects(q.barrier(), overloaded, "in flight still counts");
    q.confirmed(id, 5, 5);
    await Promise.all(reads);
    const again = q.barrier();
    q.flush((i) => (id = i));
    q.confirmed(id, 6, 6);
    await again;
  });
});

describe("ProposalForwarder limits", () => {
  const put1 = encodeInternalRequest({ put: { key: new TextEncoder().encode("k"), value: new Uint8Array([1]) } });
  function forwarder(propose: (d: Uint8Array[]) => ProposeResult = () => ({ ok: true, firstIndex: 10, lastIndex: 10, term: 2 })) {
    const sent: { to: number; p: PeerProposals }[] = [];
    const f = new ProposalForwarder({
      send: (to, p) => sent.push({ to, p }),
      propose,
      awaitApplied: () => new Promise(() => {}),
      appliedIndex: () => 0,
      self: 1,
      proposeHere: () => Promise.reject(new Error("not in these tests")),
      timeoutMs: 10_000,
      maxBatchBytes: 1 << 20,
      limit: { maxCount: 2, maxBytes: 1 << 20 },
    });
    return { f, sent };
  }

  test("a follower holding its limit of forwarded writes refuses at once; an answer makes room", async () => {
    const { f, sent } = forwarder();
    const a = f.forward(2, put1, 11);
    void f.forward(2, put1, 12).catch(() => {});
    await assert.rejects(f.forward(2, put1, 13), overloaded);
    f.flush();
    const id = sent[0].p.proposals[0].id;
    f.received(2, { proposals: [], answers: [{ id, firstIndex: 0, term: 0, errorCode: StatusCode.UNAVAILABLE, errorMessage: "etcdserver: leader changed" }] });
    await assert.rejects(a, /leader changed/);
    const b = f.forward(2, put1, 14);
    f.appliedRequest(14, put(3));
    assert.deepEqual(await b, put(3));
    f.failAll(() => new Error("stopped"));
  });

  test("a leader holding its limit of peers' batches during a transfer answers the next with too many requests", () => {
    const { f, sent } = forwarder(() => ({ ok: false, error: { code: "transferring", to: 3 } }));
    const batch = (id: number) => ({ id, requests: [put1] });
    f.received(2, { proposals: [batch(1), batch(2), batch(3)], answers: [] });
    const answers: ProposalAnswer[] = sent.flatMap((s) => s.p.answers);
    assert.deepEqual(answers.map((a) => [a.id, a.errorCode, a.errorMessage]), [[3, StatusCode.RESOURCE_EXHAUSTED, "etcdserver: too many requests"]]);
    f.failAll(() => new Error("stopped"));
  });
});

describe("LeaseForwarder limits", () => {
  test("a full set of questions refuses at once; an answer makes room", async () => {
    const sent: { to: number; l: PeerLeases }[] = [];
    const f = new LeaseForwarder({ send: (to, l) => sent.push({ to, l }), answer: () => Promise.resolve([]) }, { maxCount: 1, maxBytes: Number.POSITIVE_INFINITY });
    const deadline = performance.now() + 10_000;
    const a = f.ask(2, 7, true, deadline);
    await assert.rejects(f.ask(2, 8, true, deadline), overloaded);
    f.flush();
    f.received(2, { queries: [], answers: [{ id: sent[0].l.queries[0].id, ttl: 30, errorCode: 0, errorMessage: "" }] });
    assert.equal(await a, 30);
    const b = f.ask(2, 8, true, deadline);
    f.failAll(() => new Error("stopped"));
    await assert.rejects(b, /stopped/);
  });
});
