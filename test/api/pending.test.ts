import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PendingWrites } from "../../src/api/pending.ts";
import { Errors } from "../../src/kv/errors.ts";

const put = { put: { key: new TextEncoder().encode("k") } };

describe("PendingWrites", () => {
  test("ids carry the member and never collide between members", async () => {
    const a = new PendingWrites({ memberId: 1, timeoutMs: 1000, seed: 0 });
    const b = new PendingWrites({ memberId: 2, timeoutMs: 1000, seed: 0 });
    const ra = a.register(put), rb = b.register(put), ra2 = a.register(put);
    assert.notEqual(ra.id, rb.id);
    assert.notEqual(ra2.id, ra.id);
    assert.equal(ra.request.id, ra.id);
    assert.ok(Number.isSafeInteger(ra.id) && Number.isSafeInteger(rb.id));
    a.failAll(Errors.stopped());
    b.failAll(Errors.stopped());
    const settled = await Promise.allSettled([ra.done, rb.done, ra2.done]);
    assert.deepEqual(settled.map((x) => x.status), ["rejected", "rejected", "rejected"]);
  });

  test("settle resolves the waiter with the applied response or rejects with the apply error", async () => {
    const p = new PendingWrites({ memberId: 3, timeoutMs: 1000 });
    const ok = p.register(put), bad = p.register(put);
    p.settle(999, { op: "compaction", compaction: { header: { revision: 1 } } }); // someone else's
    assert.equal(p.size, 2);
    p.settle(ok.id, { op: "put", put: { header: { revision: 4 } } });
    p.settle(bad.id, { op: "error", error: Errors.leaseNotFound() });
    assert.deepEqual(await ok.done, { op: "put", put: { header: { revision: 4 } } });
    await assert.rejects(bad.done, { message: "etcdserver: requested lease not found" });
    assert.equal(p.size, 0);
  });

  test("a write that never applies times out with etcd's error", async () => {
    const p = new PendingWrites({ memberId: 4, timeoutMs: 20 });
    const w = p.register(put);
    await assert.rejects(w.done, { message: "etcdserver: request timed out", code: 14 } as object);
    assert.equal(p.size, 0);
  });

  test("failAll rejects everyone (shutdown, leader loss)", async () => {
    const p = new PendingWrites({ memberId: 5, timeoutMs: 1000 });
    const ws = [p.register(put), p.register(put)];
    p.failAll(Errors.stopped());
    for (const w of ws) await assert.rejects(w.done, { message: "etcdserver: server stopped" });
  });
});
