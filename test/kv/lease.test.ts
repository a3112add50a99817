// Leases in the store: grant, attach by put, detach, revoke deleting the attached keys in one
// revision, persistence across restarts, snapshot images, and the schema-1 migration.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";
import { SCHEMA_VERSION } from "../../src/kv/schema.ts";
import type { WatchEvent } from "../../src/kv/types.ts";
import { b, Harness, s, tempDir, writeOldStore } from "./helpers.ts";

const dirs: { cleanup(): void }[] = [];
const fresh = () => {
  const t = tempDir("trireme-lease-");
  dirs.push(t);
  return t.dir;
};
after(() => dirs.forEach((d) => d.cleanup()));

describe("leases in the kv store", () => {
  test("counts() for the metrics: live keys and leases, re-counted only after an apply", () => {
    const h = new Harness(join(fresh(), "kv.db"));
    assert.deepEqual(h.store.counts(), { keys: 0, leases: 0 });
    h.ok({ leaseGrant: { ID: 7, TTL: 10 } });
    h.put("a", "1");
    h.put("b", "2");
    assert.deepEqual(h.store.counts(), { keys: 2, leases: 1 });
    h.del("a");
    assert.deepEqual(h.store.counts(), { keys: 1, leases: 1 });
    h.ok({ leaseRevoke: { ID: 7 } });
    assert.deepEqual(h.store.counts(), { keys: 1, leases: 0 });
    h.store.close();
  });

  test("grant records the lease; a second grant of the same id is refused", () => {
    const h = new Harness(join(fresh(), "kv.db"));
    const r = h.ok({ leaseGrant: { ID: 42, TTL: 10 } });
    assert.equal(r.op, "leaseGrant");
    assert.deepEqual(r.op === "leaseGrant" && r.leaseGrant, { header: { revision: 0 }, ID: 42, TTL: 10 });
    assert.deepEqual(h.store.leases(), [{ id: 42, ttl: 10 }]);
    const again = h.write({ leaseGrant: { ID: 42, TTL: 5 } });
    assert.equal(again.op === "error" && again.error.message, "etcdserver: lease already exists");
    assert.equal(h.store.lease(42)?.ttl, 10, "the refused grant changed nothing");
    h.store.close();
  });

  test("a put attaches a key, a put without lease detaches it, an unknown lease is refused", () => {
    const h = new Harness(join(fresh(), "kv.db"));
    h.ok({ leaseGrant: { ID: 7, TTL: 10 } });
    h.ok({ put: { key: b("a"), value: b("1"), lease: 7 } });
    h.ok({ put: { key: b("b"), value: b("2"), lease: 7 } });
    assert.equal(h.get("a")?.lease, 7);
    assert.deepEqual(h.store.lease(7, true)?.keys.map(s), ["a", "b"]);
    h.put("b", "3"); // no lease: detached
    assert.equal(h.get("b")?.lease, 0);
    assert.deepEqual(h.store.lease(7, true)?.keys.map(s), ["a"]);
    const bad = h.write({ put: { key: b("c"), value: b("v"), lease: 8 } });
    assert.equal(bad.op === "error" && bad.error.message, "etcdserver: requested lease not found");
    // ignore_lease keeps the attachment
    h.ok({ put: { key: b("a"), value: b("4"), ignoreLease: true } });
    assert.equal(h.get("a")?.lease, 7);
    h.store.close();
  });

  test("revoke deletes every attached key in ONE revision with DELETE events, then the lease", () => {
    const h = new Harness(join(fresh(), "kv.db"));
    const seen: WatchEvent[][] = [];
    h.store.subscribe({ events: (batch) => seen.push(batch) });
    h.ok({ leaseGrant: { ID: 9, TTL: 10 } });
    for (const k of ["x", "y", "z"]) h.ok({ put: { key: b(k), value: b(k), lease: 9 } });
    h.put("other", "keep");
    const before = h.store.revision;
    seen.length = 0;
    const r = h.ok({ leaseRevoke: { ID: 9 } });
    assert.equal(r.op, "leaseRevoke");
    assert.equal(h.store.revision, before + 1, "one revision for all the deletes");
    assert.equal(r.op === "leaseRevoke" && r.leaseRevoke.header.revision, before + 1);
    assert.deepEqual(h.keys(b("a"), b("zz")), ["other"]);
    assert.deepEqual(h.store.leases(), []);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0].map((e) => [e.type, s(e.kv.key), e.kv.modRevision, s(e.prevKv!.value)]), [
      [1, "x", before + 1, "x"],
      [1, "y", before + 1, "y"],
      [1, "z", before + 1, "z"],
    ]);
    const again = h.write({ leaseRevoke: { ID: 9 } });
    assert.equal(again.op === "error" && again.error.message, "etcdserver: requested lease not found");
    assert.equal(again.op === "error" && again.error.code, 5);
    // A lease with no keys is revoked without a new revision.
    h.ok({ leaseGrant: { ID: 10, TTL: 10 } });
    const rev = h.store.revision;
    h.ok({ leaseRevoke: { ID: 10 } });
    assert.equal(h.store.revision, rev);
    h.store.close();
  });

  test("a txn put with an unknown lease refuses the whole txn", () => {
    const h = new Harness(join(fresh(), "kv.db"));
    h.ok({ leaseGrant: { ID: 3, TTL: 10 } });
    const r = h.write({
      txn: { success: [{ requestPut: { key: b("t1"), value: b("v"), lease: 3 } }, { requestPut: { key: b("t2"), value: b("v"), lease: 4 } }] },
    });
    assert.equal(r.op === "error" && r.error.message, "etcdserver: requested lease not found");
    assert.equal(h.get("t1"), undefined);
    h.ok({ txn: { success: [{ requestPut: { key: b("t1"), value: b("v"), lease: 3 } }] } });
    assert.equal(h.get("t1")?.lease, 3);
    h.store.close();
  });

  test("leases survive a restart and travel in snapshot images (both kinds)", async () => {
    const dir = fresh();
    const path = join(dir, "kv.db");
    const h = new Harness(path);
    h.ok({ leaseGrant: { ID: 11, TTL: 30 } });
    h.ok({ leaseGrant: { ID: 12, TTL: 60 } });
    h.ok({ put: { key: b("k"), value: b("v"), lease: 12 } });
    h.store.close();
    const again = MvccStore.open(path);
    assert.deepEqual(again.leases(), [{ id: 11, ttl: 30 }, { id: 12, ttl: 60 }]);
    assert.deepEqual(again.lease(12, true)?.keys.map(s), ["k"]);

    const writers: [string, (path: string) => Promise<unknown>][] = [
      [join(dir, "vacuum.img"), (p) => Promise.resolve(again.snapshotTo(p))],
      [join(dir, "stepwise.img"), (p) => again.snapshotToAsync(p, { rowsPerStep: 1 })],
    ];
    for (const [image, write] of writers) {
      await write(image);
      const other = MvccStore.open(join(fresh(), "kv.db"));
      other.restoreFrom(image);
      assert.deepEqual(other.leases(), [{ id: 11, ttl: 30 }, { id: 12, ttl: 60 }], image);
      assert.deepEqual(other.lease(12, true)?.keys.map(s), ["k"], image);
      other.close();
    }
    again.close();
  });

  test("a schema-1 store (before leases) is migrated on open", () => {
    const path = join(fresh(), "kv.db");
    writeOldStore(path, 1, [["old", "v"]]);
    const st = MvccStore.open(path);
    assert.equal(st.range({ key: b("old") }).kvs.length, 1);
    assert.deepEqual(st.leases(), []);
    st.close();
    const db2 = openSqlite(path);
    assert.equal(db2.prepare("SELECT value FROM meta WHERE name = 'schema'").get()!.value, SCHEMA_VERSION);
    db2.close();
    const h2 = new Harness(path);
    h2.ok({ leaseGrant: { ID: 1, TTL: 5 } });
    h2.store.close();
  });
});
