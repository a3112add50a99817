// The node's client-request queues: batching, matching applied entries to waiting writes by
// index AND term, read barriers that wait for apply, retries and deadlines.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EtcdError } from "../../src/kv/errors.ts";
import type { ApplyResult } from "../../src/kv/types.ts";
import type { ProposeResult } from "../../src/raft/types.ts";
import { ReadQueue } from "../../src/node/reads.ts";
import { WriteQueue } from "../../src/node/writes.ts";

const put = (revision: number): ApplyResult => ({ op: "put", put: { header: { revision } } });
const settle = () => new Promise((r) => setImmediate(r));
/** What the node does each turn: the pending writes to the core as one batch, its answer back. */
function propose(q: WriteQueue, core: (data: readonly Uint8Array[]) => ProposeResult): void {
  const batch = q.take();
  if (batch) q.proposed(batch, core(batch.data));
}

describe("WriteQueue", () => {
  test("proposals of one turn go to the core as one batch and resolve when their entry applies", async () => {
    const q = new WriteQueue(10_000);
    const a = q.enqueue(new Uint8Array([1]));
    const b = q.enqueue(new Uint8Array([2]));
    const batches: number[] = [];
    propose(q, (data) => {
      batches.push(data.length);
      return { ok: true, firstIndex: 7, lastIndex: 8, term: 3 };
    });
    assert.deepEqual(batches, [2]);
    q.applied(7, 3, put(10));
    q.applied(8, 3, put(11));
    assert.deepEqual(await a, put(10));
    assert.deepEqual(await b, put(11));
    assert.equal(q.size, 0);
  });

  test("an entry applied at our index with another term means a new leader overwrote it", async () => {
    const q = new WriteQueue(10_000);
    const a = q.enqueue(new Uint8Array([1]));
    propose(q, () => ({ ok: true, firstIndex: 5, lastIndex: 5, term: 2 }));
    q.applied(5, 3, put(1));
    await assert.rejects(a, (e: EtcdError) => e.message === "etcdserver: leader changed");
  });

  test("an apply-time refusal reaches the client with etcd's error", async () => {
    const q = new WriteQueue(10_000);
    const a = q.enqueue(new Uint8Array([1]));
    propose(q, () => ({ ok: true, firstIndex: 1, lastIndex: 1, term: 1 }));
    q.applied(1, 1, { op: "error", error: new EtcdError(11, "etcdserver: mvcc: required revision has been compacted") });
    await assert.rejects(a, /required revision has been compacted/);
  });

  test("proposals refused while the leader transfers stay queued; other refusals answer etcd's error", async () => {
    const q = new WriteQueue(10_000);
    const a = q.enqueue(new Uint8Array([1]));
    propose(q, () => ({ ok: false, error: { code: "transferring", to: 2 } }));
    assert.equal(q.hasPending, true);
    propose(q, () => ({ ok: false, error: { code: "not-leader", leader: 2 } }));
    assert.equal(q.hasPending, false);
    await assert.rejects(a, (e: EtcdError) => e.code === 14 && e.message === "etcdserver: leader changed");
    assert.equal(q.size, 0);
  });

  test("a write past its deadline fails with etcd's timeout", async () => {
    const q = new WriteQueue(5);
    const a = q.enqueue(new Uint8Array([1]));
    propose(q, () => ({ ok: true, firstIndex: 1, lastIndex: 1, term: 1 }));
    q.expire(performance.now() + 10);
    await assert.rejects(a, /etcdserver: request timed out/);
    q.applied(1, 1, put(1)); // a late apply finds no waiter and changes nothing
    assert.equal(q.size, 0);
  });

  test("a snapshot installed over proposed indexes fails their waiters", async () => {
    const q = new WriteQueue(10_000);
    const a = q.enqueue(new Uint8Array([1]));
    propose(q, () => ({ ok: true, firstIndex: 4, lastIndex: 4, term: 1 }));
    q.skipThrough(4);
    await assert.rejects(a, /leader changed/);
  });

  test("a proposal at an index an older waiter still holds answers that waiter: leader changed", async () => {
    // Leader in term 5 at 9..10, deposed, leader again in term 7 proposing at 9: the term-5
    // client must get an answer, not be dropped from the map and hang until its own deadline.
    const q = new WriteQueue(10_000);
    let oldError: Error | undefined;
    void q.enqueue(new Uint8Array([1])).catch((e: Error) => (oldError = e));
    propose(q, () => ({ ok: true, firstIndex: 9, lastIndex: 9, term: 5 }));
    const next = q.enqueue(new Uint8Array([2]));
    propose(q, () => ({ ok: true, firstIndex: 9, lastIndex: 9, term: 7 }));
    await settle();
    assert.equal(oldError?.message, "etcdserver: leader changed", "the term-5 waiter was answered");
    q.applied(9, 7, put(3));
    assert.deepEqual(await next, put(3));
    assert.equal(q.size, 0);
  });
});

test("WriteQueue asserts the core placed one entry per proposal", () => {
  const q = new WriteQueue(10_000);
  void q.enqueue(new Uint8Array([1])).catch(() => {});
  void q.enqueue(new Uint8Array([2])).catch(() => {});
  const batch = q.take()!;
  assert.throws(() => q.proposed(batch, { ok: true, firstIndex: 3, lastIndex: 3, term: 1 }), /one entry per proposal: 2 proposals placed at 3..3/);
});

describe("ReadQueue", () => {
  test("reads of one turn share one ReadIndex request and wait until applied reaches the index", async () => {
    const q = new ReadQueue(10_000);
    let done = 0;
    const reads = [q.barrier(), q.barrier(), q.barrier()].map((p) => p.then(() => done++));
    const ids: number[] = [];
    q.flush((id) => ids.push(id));
    assert.equal(ids.length, 1);
    q.confirmed(ids[0], 20, 15);
    await settle();
    assert.equal(done, 0, "applied 15 < read index 20: nobody may read yet");
    q.applied(19);
    await settle();
    assert.equal(done, 0);
    q.applied(20);
    await Promise.all(reads);
    assert.equal(done, 3);
  });

  test("a confirmed index already applied resolves at once", async () => {
    const q = new ReadQueue(10_000);
    const r = q.barrier();
    let id = 0;
    q.flush((i) => (id = i));
    q.confirmed(id, 5, 5);
    await r;
  });

  test("a dropped read is retried on the next tick with a new request, and times out eventually", async () => {
    const q = new ReadQueue(50);
    const r = q.barrier();
    const ids: number[] = [];
    q.flush((id) => ids.push(id));
    q.dropped(ids[0]);
    q.flush((id) => ids.push(id));
    assert.equal(ids.length, 1, "no retry before the tick: a leaderless node must not spin");
    q.tick(performance.now());
    q.flush((id) => ids.push(id));
    assert.equal(ids.length, 2);
    assert.notEqual(ids[1], ids[0]);
    q.dropped(ids[1]);
    q.tick(performance.now() + 100);
    await assert.rejects(r, /etcdserver: request timed out/);
    assert.equal(q.size, 0);
  });

  test("request ids do not restart at 1 with each process", () => {
    // The leader matches a ReadIndex answer by id only: a late answer to the previous run's read
    // with the same id could release a new read below a write that had already completed.
    const first = () => {
      const q = new ReadQueue(10_000);
      void q.barrier();
      let id = 0;
      q.flush((i) => (id = i));
      return id;
    };
    const a = first();
    const b = first();
    assert.ok(a > 1 && b > 1, `first ids ${a}, ${b}`);
    assert.notEqual(a, b, "two runs start from different ids");
  });
});

describe("LeaderWatch", () => {
  test("a waiter resolves on the leader it waits for, ignores others, and fails at its deadline or on stop", async () => {
    const { LeaderWatch } = await import("../../src/node/leader-watch.ts");
    const w = new LeaderWatch();
    let settled = false;
    const other = w.waitFor(2, (l) => l !== 0 && l !== 2, performance.now() + 10_000).then(() => (settled = true));
    w.changed(0);
    w.changed(2);
    await settle();
    assert.equal(settled, false, "no leader, then the unreachable one again: keep waiting");
    w.changed(3);
    await other;
    await assert.rejects(w.waitFor(0, (l) => l !== 0, performance.now() + 5), /etcdserver: no leader/);
    const stopped = w.waitFor(0, (l) => l !== 0, performance.now() + 10_000);
    w.stop();
    await assert.rejects(stopped, /etcdserver: server stopped/);
  });
});
