// Alarms in the store (kv/alarms.ts): ACTIVATE / DEACTIVATE / GET applied as entries, what an
// active NOSPACE or CORRUPT alarm refuses (etcd's applierV3Capped / applierV3Corrupt), the list
// surviving a reopen, a snapshot image and a restore, the schema-3 migration, and etcd's costs.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AlarmAction, AlarmType, quotaCost } from "../../src/kv/alarms.ts";
import { StatusCode } from "../../src/kv/errors.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { SCHEMA_VERSION } from "../../src/kv/schema.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";
import type { ApplyResult, InternalRequest } from "../../src/kv/types.ts";
import { b, Harness, tempDir } from "./helpers.ts";

const dirs: { cleanup(): void }[] = [];
const fresh = () => {
  const t = tempDir("trireme-alarm-");
  dirs.push(t);
  return t.dir;
};
after(() => dirs.forEach((d) => d.cleanup()));

const activate = (memberID: number, alarm: number): InternalRequest => ({ alarm: { action: AlarmAction.ACTIVATE, memberID, alarm } });
const deactivate = (memberID: number, alarm: number): InternalRequest => ({ alarm: { action: AlarmAction.DEACTIVATE, memberID, alarm } });
const alarmsOf = (r: ApplyResult) => (r.op === "alarm" ? r.alarm.alarms : assert.fail(`not an alarm answer: ${r.op}`));
const refusal = (r: ApplyResult) => (r.op === "error" ? [r.error.code, r.error.message] : assert.fail(`expected a refusal, got ${r.op}`));
const NOSPACE = [StatusCode.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"];
const CORRUPT = [StatusCode.DATA_LOSS, "etcdserver: corrupt cluster"];

describe("alarms in the kv store", () => {
  test("ACTIVATE raises once per member and type, GET filters by type, DEACTIVATE clears what was raised", () => {
    const h = new Harness(join(fresh(), "kv.db"));
    assert.deepEqual(alarmsOf(h.ok(activate(7, AlarmType.NOSPACE))), [{ memberID: 7, alarm: AlarmType.NOSPACE }]);
    // Raising it again answers the alarm and adds nothing (etcd's Activate returns the existing one).
    assert.deepEqual(alarmsOf(h.ok(activate(7, AlarmType.NOSPACE))), [{ memberID: 7, alarm: AlarmType.NOSPACE }]);
    h.ok(activate(3, AlarmType.CORRUPT));
    h.ok(activate(3, AlarmType.NOSPACE));
    assert.deepEqual(h.store.alarms(), [
      { memberID: 3, alarm: AlarmType.NOSPACE },
      { memberID: 3, alarm: AlarmType.CORRUPT },
      { memberID: 7, alarm: AlarmType.NOSPACE },
    ]);
    assert.deepEqual(alarmsOf(h.ok({ alarm: { action: AlarmAction.GET, alarm: AlarmType.CORRUPT } })), [{ memberID: 3, alarm: AlarmType.CORRUPT }]);
    assert.equal(alarmsOf(h.ok({ alarm: { action: AlarmAction.GET } })).length, 3, "NONE lists every alarm");
    // ACTIVATE of NONE raises nothing; DEACTIVATE of an alarm not raised answers none.
    assert.deepEqual(alarmsOf(h.ok(activate(9, AlarmType.NONE))), []);
    assert.deepEqual(alarmsOf(h.ok(deactivate(9, AlarmType.NOSPACE))), []);
    assert.deepEqual(alarmsOf(h.ok(deactivate(3, AlarmType.CORRUPT))), [{ memberID: 3, alarm: AlarmType.CORRUPT }]);
    assert.equal(h.store.revision, 0, "alarms create no revision");
    assert.equal(h.store.appliedIndex, h.index, "alarm entries advance the applied index");
    h.store.close();
  });

  test("NOSPACE refuses what can grow the store and lets deletes, compaction and lease revokes through", () => {
    const h = new Harness(join(fresh(), "kv.db"));
    h.put("a", "1");
    h.put("b", "2");
    h.ok({ leaseGrant: { ID: 5, TTL: 60 } });
    h.ok(activate(1, AlarmType.NOSPACE));
    const rev = h.store.revision;
    assert.deepEqual(refusal(h.write({ put: { key: b("c"), value: b("3") } })), NOSPACE);
    assert.deepEqual(refusal(h.write({ txn: { success: [{ requestPut: { key: b("c"), value: b("3") } }] } })), NOSPACE);
    assert.deepEqual(refusal(h.write({ txn: { failure: [{ requestTxn: { success: [{ requestPut: { key: b("c") } }] } }] } })), NOSPACE, "a put in a nested txn grows the store too");
    assert.deepEqual(refusal(h.write({ leaseGrant: { ID: 6, TTL: 60 } })), NOSPACE);
    assert.equal(h.store.revision, rev, "nothing refused was applied");
    // A txn without puts, deletes, compaction and revokes go through.
    const t = h.ok({ txn: { success: [{ requestDeleteRange: { key: b("a") } }, { requestRange: { key: b("b") } }] } });
    assert.equal(t.op === "txn" && t.txn.succeeded, true);
    assert.equal(h.del("b"), 1);
    h.ok({ compaction: { revision: h.store.revision } });
    h.ok({ leaseRevoke: { ID: 5 } });
    h.ok(deactivate(1, AlarmType.NOSPACE));
    h.put("c", "3");
    assert.equal(h.get("c")?.version, 1, "writes resume once disarmed");
    h.store.close();
  });

  test("CORRUPT refuses every write, reads are still served", () => {
    const h = new Harness(join(fresh(), "kv.db"));
    h.put("a", "1");
    h.ok({ leaseGrant: { ID: 5, TTL: 60 } });
    h.ok(activate(2, AlarmType.CORRUPT));
    for (const req of [
      { put: { key: b("a"), value: b("2") } },
      { deleteRange: { key: b("a") } },
      { txn: { success: [{ requestDeleteRange: { key: b("a") } }] } },
      { compaction: { revision: 1 } },
      { leaseGrant: { ID: 6, TTL: 60 } },
      { leaseRevoke: { ID: 5 } },
    ] satisfies InternalRequest[]) {
      assert.deepEqual(refusal(h.write(req)), CORRUPT, JSON.stringify(Object.keys(req)));
    }
    assert.equal(h.get("a")?.value.length, 1, "range served");
    assert.equal(h.store.readTxn({ success: [{ requestRange: { key: b("a") } }] }).responses.length, 1, "read-only txn served");
    // Alarms themselves are never refused: an operator can always disarm.
    h.ok(deactivate(2, AlarmType.CORRUPT));
    h.put("a", "2");
    h.store.close();
  });

  test("the list survives a reopen, a rolled-back batch, a snapshot image and its restore", async () => {
    const dir = fresh();
    const path = join(dir, "kv.db");
    let h = new Harness(path);
    h.ok(activate(4, AlarmType.NOSPACE));
    h.store.close();
    h = new Harness(path);
    assert.deepEqual(h.store.alarms(), [{ memberID: 4, alarm: AlarmType.NOSPACE }], "after a reopen");
    // A batch that throws is rolled back: its alarm must not stay in the cached list.
    assert.throws(() => h.store.applyBatch([
      { index: ++h.index, term: 1, request: activate(8, AlarmType.NOSPACE) },
      // A malformed txn (a null compare) throws a TypeError, not an EtcdError.
      { index: ++h.index, term: 1, request: { txn: { compare: [null], success: [], failure: [] } } as unknown as InternalRequest },
    ]), TypeError);
    h.index -= 2;
    assert.deepEqual(h.store.alarms(), [{ memberID: 4, alarm: AlarmType.NOSPACE }], "after a rolled-back batch");
    const image = join(dir, "image.db");
    await h.store.snapshotToAsync(image);
    h.ok(deactivate(4, AlarmType.NOSPACE));
    assert.deepEqual(h.store.alarms(), []);
    h.store.restoreFrom(image);
    assert.deepEqual(h.store.alarms(), [{ memberID: 4, alarm: AlarmType.NOSPACE }], "restored from the image");
    h.store.close();
  });

  test("a schema-3 store gets the alarm table when opened", () => {
    const path = join(fresh(), "kv.db");
    const h = new Harness(path);
    h.put("a", "1");
    h.store.close();
    const db = openSqlite(path);
    db.exec("DROP TABLE alarm; UPDATE meta SET value = 3 WHERE name = 'schema'");
    db.close();
    const st = MvccStore.open(path);
    assert.deepEqual(st.alarms(), []);
    assert.equal(st.range({ key: b("a") }).kvs.length, 1);
    st.apply({ index: st.appliedIndex + 1, term: 1, request: activate(1, AlarmType.NOSPACE) });
    st.close();
    const db2 = openSqlite(path);
    assert.equal(db2.prepare("SELECT value FROM meta WHERE name = 'schema'").get()!.value, SCHEMA_VERSION);
    assert.equal(db2.prepare("SELECT COUNT(*) AS n FROM alarm").get()!.n, 1);
    db2.close();
  });

  test("quota costs are etcd's: 256 + key + value per put, the larger txn branch, 64 per lease grant", () => {
    const put = (k: string, v: string) => ({ requestPut: { key: b(k), value: b(v) } });
    assert.equal(quotaCost({ put: { key: b("ab"), value: b("xyz") } }), 256 + 5);
    assert.equal(quotaCost({ txn: { success: [put("a", "1"), put("b", "2")], failure: [put("c", "123")] } }), 2 * 258);
    assert.equal(quotaCost({ txn: { success: [{ requestRange: { key: b("a") } }], failure: [{ requestDeleteRange: { key: b("a") } }] } }), 0);
    assert.equal(quotaCost({ leaseGrant: { ID: 1, TTL: 5 } }), 64);
    assert.equal(quotaCost({ deleteRange: { key: b("a") } }), 0);
    assert.equal(quotaCost({ compaction: { revision: 3 } }), 0);
    assert.equal(quotaCost({ leaseRevoke: { ID: 1 } }), 0);
  });
});
