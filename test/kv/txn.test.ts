import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { prefixEnd } from "../../src/kv/keys.ts";
import { checkTxnRequest } from "../../src/kv/validate.ts";
import type { Compare, RequestOp, TxnRequest, TxnResponse } from "../../src/kv/types.ts";
import { b, Harness, s, tempDir } from "./helpers.ts";

// Compare.CompareResult and CompareTarget numbers
const EQUAL = 0, GREATER = 1, LESS = 2, NOT_EQUAL = 3;
const VERSION = 0, CREATE = 1, MOD = 2, VALUE = 3;

const put = (k: string, v: string): RequestOp => ({ requestPut: { key: b(k), value: b(v) } });
const get = (k: string, extra = {}): RequestOp => ({ requestRange: { key: b(k), ...extra } });
const del = (k: string, rangeEnd?: Uint8Array): RequestOp => ({ requestDeleteRange: { key: b(k), rangeEnd } });
const txn = (t: TxnRequest): RequestOp => ({ requestTxn: t });

describe("Txn", () => {
  const t = tempDir();
  let h: Harness;
  const run = (req: TxnRequest): TxnResponse => {
    const r = h.ok({ txn: req });
    if (r.op !== "txn") throw new Error("not a txn response");
    return r.txn;
  };
  const holds = (...compare: Compare[]) => run({ compare }).succeeded;

  before(() => {
    h = new Harness(join(t.dir, "kv.db"));
    h.put("a", "apple"); // rev 1
    h.put("a", "avocado"); // rev 2, version 2
    h.put("b", "banana"); // rev 3
  });
  after(() => {
    h.store.close();
    t.cleanup();
  });

  test("several writes in one txn share one revision", () => {
    const before = h.store.revision;
    const r = run({ success: [put("x", "1"), put("y", "2"), del("b")] });
    assert.equal(r.succeeded, true);
    assert.equal(r.header.revision, before + 1);
    assert.equal(h.store.revision, before + 1);
    assert.equal(h.get("x")!.modRevision, before + 1);
    assert.equal(h.get("y")!.modRevision, before + 1);
    assert.equal(h.get("b"), undefined);
    assert.equal(s(h.get("b", { revision: before })!.value), "banana");
    h.put("b", "banana"); // restore for the compare tests
  });

  test("a read-only txn creates no revision", () => {
    const before = h.store.revision;
    const r = run({ success: [get("a")] });
    assert.equal(r.header.revision, before);
    assert.equal(h.store.revision, before);
    assert.equal(s(r.responses[0].responseRange!.kvs[0].value), "avocado");
  });

  test("compares on value with =, !=, <, >", () => {
    assert.equal(holds({ key: b("a"), target: VALUE, result: EQUAL, value: b("avocado") }), true);
    assert.equal(holds({ key: b("a"), target: VALUE, result: EQUAL, value: b("apple") }), false);
    assert.equal(holds({ key: b("a"), target: VALUE, result: NOT_EQUAL, value: b("apple") }), true);
    assert.equal(holds({ key: b("a"), target: VALUE, result: GREATER, value: b("apple") }), true);
    assert.equal(holds({ key: b("a"), target: VALUE, result: LESS, value: b("apple") }), false);
    assert.equal(holds({ key: b("a"), target: VALUE, result: LESS, value: b("b") }), true);
  });

  test("compares on version, create and mod revision", () => {
    assert.equal(holds({ key: b("a"), target: VERSION, result: EQUAL, version: 2 }), true);
    assert.equal(holds({ key: b("a"), target: VERSION, result: GREATER, version: 1 }), true);
    assert.equal(holds({ key: b("a"), target: CREATE, result: EQUAL, createRevision: 1 }), true);
    assert.equal(holds({ key: b("a"), target: CREATE, result: NOT_EQUAL, createRevision: 1 }), false);
    assert.equal(holds({ key: b("a"), target: MOD, result: EQUAL, modRevision: 2 }), true);
    assert.equal(holds({ key: b("a"), target: MOD, result: LESS, modRevision: 2 }), false);
    // all compares must hold
    assert.equal(
      holds(
        { key: b("a"), target: VERSION, result: EQUAL, version: 2 },
        { key: b("b"), target: VERSION, result: EQUAL, version: 99 },
      ),
      false,
    );
  });

  test("a missing key compares as version 0 / create 0, and never equal on value", () => {
    assert.equal(holds({ key: b("ghost"), target: VERSION, result: EQUAL, version: 0 }), true);
    assert.equal(holds({ key: b("ghost"), target: CREATE, result: EQUAL, createRevision: 0 }), true);
    assert.equal(holds({ key: b("ghost"), target: VALUE, result: EQUAL, value: new Uint8Array(0) }), false);
    assert.equal(holds({ key: b("ghost"), target: VALUE, result: NOT_EQUAL, value: b("x") }), false);
  });

  test("range_end in a compare checks every key in the range", () => {
    h.put("p/1", "v");
    h.put("p/2", "v");
    const end = prefixEnd(b("p/"));
    assert.equal(holds({ key: b("p/"), rangeEnd: end, target: VALUE, result: EQUAL, value: b("v") }), true);
    h.put("p/3", "w");
    assert.equal(holds({ key: b("p/"), rangeEnd: end, target: VALUE, result: EQUAL, value: b("v") }), false);
    assert.equal(holds({ key: b("p/"), rangeEnd: end, target: VERSION, result: GREATER, version: 0 }), true);
  });

  test("success and failure branches run the right ops and return their responses", () => {
    const cas = (expect: string, next: string) =>
      run({
        compare: [{ key: b("a"), target: VALUE, result: EQUAL, value: b(expect) }],
        success: [put("a", next)],
        failure: [get("a")],
      });
    const miss = cas("wrong", "zzz");
    assert.equal(miss.succeeded, false);
    assert.equal(s(miss.responses[0].responseRange!.kvs[0].value), "avocado");
    const hit = cas("avocado", "apricot");
    assert.equal(hit.succeeded, true);
    assert.ok(hit.responses[0].responsePut);
    assert.equal(s(h.get("a")!.value), "apricot");
  });

  test("reads inside a txn see the txn's earlier writes", () => {
    const r = run({ success: [put("seen", "1"), get("seen")] });
    const rr = r.responses[1].responseRange!;
    assert.equal(s(rr.kvs[0].value), "1");
    assert.equal(rr.header.revision, r.header.revision);
  });

  test("nested txns pick branches from the state before the outer txn ran", () => {
    const before = h.store.revision;
    const r = run({
      success: [
        put("n1", "outer"),
        txn({
          // n1 does not exist when the txn starts, so this nested compare fails even though the
          // outer put created n1 earlier in the same txn (etcd decides the path up front).
          compare: [{ key: b("n1"), target: VERSION, result: GREATER, version: 0 }],
          success: [put("n2", "then")],
          failure: [put("n2", "else"), txn({ success: [put("n3", "deep")] })],
        }),
      ],
    });
    assert.equal(r.succeeded, true);
    const nested = r.responses[1].responseTxn!;
    assert.equal(nested.succeeded, false);
    assert.equal(nested.responses[1].responseTxn!.succeeded, true);
    assert.equal(s(h.get("n2")!.value), "else");
    assert.equal(s(h.get("n3")!.value), "deep");
    assert.equal(h.store.revision, before + 1, "the nested writes share the outer revision");
    assert.equal(h.get("n3")!.modRevision, before + 1);
  });

  test("a txn whose chosen branch would fail changes nothing", () => {
    const before = h.store.revision;
    const r = h.write({ txn: { success: [put("t1", "v"), { requestPut: { key: b("t2"), value: b("v"), lease: 7 } }] } });
    assert.equal(r.op === "error" && r.error.message, "etcdserver: requested lease not found");
    assert.equal(h.get("t1"), undefined);
    assert.equal(h.store.revision, before);
    const future = h.write({ txn: { success: [put("t1", "v"), get("a", { revision: before + 5 })] } });
    assert.equal(future.op === "error" && future.error.message, "etcdserver: mvcc: required revision is a future revision");
    assert.equal(h.get("t1"), undefined);
  });

  test("readTxn serves read-only txns locally and refuses writes", () => {
    const r = h.store.readTxn({ compare: [{ key: b("a"), target: VERSION, result: GREATER, version: 0 }], success: [get("a")] });
    assert.equal(r.succeeded, true);
    assert.equal(s(r.responses[0].responseRange!.kvs[0].value), "apricot");
    assert.throws(() => h.store.readTxn({ success: [put("z", "1")] }));
  });
});

describe("txn request checks", () => {
  const check = (r: TxnRequest, max = 128) => () => checkTxnRequest(r, max);

  test("too many operations", () => {
    const ops = Array.from({ length: 5 }, (_, i) => put(`k${i}`, "v"));
    assert.throws(check({ success: ops }, 4), { message: "etcdserver: too many operations in txn request" });
    assert.doesNotThrow(check({ success: ops }, 5));
  });

  test("the same key written twice in a branch is a duplicate", () => {
    assert.throws(check({ success: [put("k", "1"), put("k", "2")] }), {
      message: "etcdserver: duplicate key given in txn request",
    });
    assert.throws(check({ failure: [del("k", prefixEnd(b("k"))), put("k/1", "2")] }), {
      message: "etcdserver: duplicate key given in txn request",
    });
    assert.throws(check({ success: [put("k", "1"), txn({ success: [put("k", "2")] })] }), {
      message: "etcdserver: duplicate key given in txn request",
    });
  });

  test("writes in exclusive branches, or one per branch, are fine", () => {
    assert.doesNotThrow(check({ success: [put("k", "1")], failure: [put("k", "2")] }));
    assert.doesNotThrow(check({ success: [txn({ success: [put("k", "1")], failure: [put("k", "2")] })] }));
    assert.doesNotThrow(check({ success: [del("a"), del("a")] }));
  });

  test("empty keys and empty ops are refused like etcd", () => {
    assert.throws(check({ compare: [{ key: new Uint8Array(0) }] }), { message: "etcdserver: key is not provided" });
    assert.throws(check({ success: [put("", "v")] }), { message: "etcdserver: key is not provided" });
    assert.throws(check({ success: [{}] }), { message: "etcdserver: key not found" });
  });
});

describe("InternalRequest codec", () => {
  const t = tempDir();
  after(() => t.cleanup());

  test("a txn survives encode/decode into a Raft entry and applies the same", async () => {
    const { encodeInternalRequest, decodeInternalRequest } = await import("../../src/kv/codec.ts");
    const req = {
      id: 2 ** 40 + 5,
      txn: {
        compare: [{ key: b("c"), target: VERSION, result: EQUAL, version: 0 }],
        success: [put("c", "1"), txn({ success: [get("c", { keysOnly: true })] })],
        failure: [del("c")],
      },
    };
    const decoded = decodeInternalRequest(encodeInternalRequest(req), 1);
    assert.equal(decoded.id, 2 ** 40 + 5);
    const h = new Harness(join(t.dir, "kv.db"));
    const r = h.ok(decoded);
    assert.equal(r.op === "txn" && r.txn.succeeded, true);
    const nested = r.op === "txn" ? r.txn.responses[1].responseTxn! : undefined;
    assert.equal(s(nested!.responses[0].responseRange!.kvs[0].key), "c");
    assert.equal(s(h.get("c")!.value), "1");
    assert.throws(() => decodeInternalRequest(Uint8Array.of(0x0a, 0xff, 0xff), 9), /raft entry 9: not a kv request/);
    h.store.close();
  });
});
