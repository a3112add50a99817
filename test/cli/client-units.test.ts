// The pure parts of the client commands: key ranges, the txn JSON form, output formatting.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { etcdserverpb } from "../../src/gen/etcd.js";
import { humanBytes, table } from "../../src/cli/client/format.ts";
import { encode, keyRange, prefixEnd } from "../../src/cli/client/keys.ts";
import { parseTxn, TxnFormatError } from "../../src/cli/client/txn-file.ts";

const bytes = (...b: number[]) => Uint8Array.from(b);

describe("key ranges (clientv3 WithPrefix / WithFromKey)", () => {
  test("prefixEnd increments the last byte below 0xff and drops trailing 0xff", () => {
    assert.deepEqual(prefixEnd(encode("abc")), encode("abd"));
    assert.deepEqual(prefixEnd(bytes(0x61, 0xff, 0xff)), bytes(0x62));
    assert.deepEqual(prefixEnd(bytes(0xff, 0xff)), bytes(0), "no end exists: to the end of the key space");
  });

  test("prefixEnd never changes its input, even a Buffer (whose slice is a view)", () => {
    // A key decoded from a gRPC message is a Buffer view: a watch on "p/" became one on "p0".
    const key = Buffer.from("xxp/yy").subarray(2, 4);
    const end = prefixEnd(key);
    assert.equal(Buffer.from(key).toString(), "p/");
    assert.equal(Buffer.from(end).toString(), "p0");
  });

  test("keyRange: prefix, from-key, explicit end, and the empty key", () => {
    assert.deepEqual(keyRange("a/", { prefix: true }), { key: encode("a/"), rangeEnd: encode("a0") });
    assert.deepEqual(keyRange("", { prefix: true }), { key: bytes(0), rangeEnd: bytes(0) });
    assert.deepEqual(keyRange("m", { fromKey: true }), { key: encode("m"), rangeEnd: bytes(0) });
    assert.deepEqual(keyRange("a", { rangeEnd: "c" }), { key: encode("a"), rangeEnd: encode("c") });
    assert.deepEqual(keyRange("", {}), { key: new Uint8Array(0) }, "an empty key goes to the server, which refuses it");
    assert.equal(keyRange("a", { rangeEnd: "c", prefix: true }), "RANGE_END and --prefix cannot be used together");
  });
});

describe("txn JSON form", () => {
  const { CompareResult, CompareTarget } = etcdserverpb.Compare;

  test("compares and operations become the TxnRequest etcd expects", () => {
    const req = parseTxn(JSON.stringify({
      compare: [
        { key: "a", target: "value", result: "!=", value: "x" },
        { key: "p/", prefix: true, target: "mod", result: "<", value: 7 },
      ],
      success: [{ put: { key: "a", value: "b", prev_kv: true } }, { get: { key: "a", limit: 2, keys_only: true } }],
      failure: [{ del: { key: "a", range_end: "c" } }],
    }));
    assert.deepEqual(req.compare, [
      { key: encode("a"), result: CompareResult.NOT_EQUAL, target: CompareTarget.VALUE, value: encode("x") },
      { key: encode("p/"), rangeEnd: encode("p0"), result: CompareResult.LESS, target: CompareTarget.MOD, modRevision: 7 },
    ]);
    assert.deepEqual(req.success?.[0], { requestPut: { key: encode("a"), value: encode("b"), prevKv: true } });
    assert.equal(req.success?.[1].requestRange?.limit, 2);
    assert.equal(req.success?.[1].requestRange?.keysOnly, true);
    assert.deepEqual(req.failure?.[0], { requestDeleteRange: { key: encode("a"), rangeEnd: encode("c"), prevKv: false } });
    // What the file says must survive the wire: encode and decode with the real codec.
    const back = etcdserverpb.TxnRequest.decode(etcdserverpb.TxnRequest.encode(req).finish());
    assert.equal(back.compare[1].modRevision, 7);
    assert.equal(back.compare[1].target, CompareTarget.MOD);
  });

  test("mistakes name their place", () => {
    const cases: [unknown, RegExp][] = [
      [[], /expected an object/],
      [{ compare: {} }, /^compare: expected a list/],
      [{ extra: [] }, /^extra: unknown field/],
      [{ compare: [{ key: "a", target: "lease", result: "=", value: 1 }] }, /^compare\[0\]\.target: expected "value"/],
      [{ compare: [{ key: "a", target: "version", result: "=", value: "1" }] }, /^compare\[0\]\.value: expected a whole number/],
      [{ success: [{ put: { key: "a", value: "b" }, get: { key: "a" } }] }, /^success\[0\]: expected exactly one of/],
      [{ success: [{ frob: {} }] }, /^success\[0\]\.frob: unknown operation/],
      [{ failure: [{ get: { key: "a", prefix: true, from_key: true } }] }, /^failure\[0\]\.get: "prefix" and "from_key" cannot/],
      [{ success: [{ txn: { success: [{ del: { key: 1 } }] } }] }, /^success\[0\]\.txn\.success\[0\]\.del\.key: expected a string/],
    ];
    for (const [doc, message] of cases) {
      assert.throws(() => parseTxn(JSON.stringify(doc)), (err: unknown) => err instanceof TxnFormatError && message.test(err.message));
    }
  });
});

describe("output", () => {
  test("humanBytes follows go-humanize (SI units), as etcdctl's DB SIZE", () => {
    assert.equal(humanBytes(0), "0 B");
    assert.equal(humanBytes(9), "9 B");
    assert.equal(humanBytes(20480), "20 kB");
    assert.equal(humanBytes(21504), "22 kB", "21.5 rounds half to even");
    assert.equal(humanBytes(16384), "16 kB");
    assert.equal(humanBytes(1536000), "1.5 MB");
  });

  test("table: borders, centred headers, right-aligned cells", () => {
    assert.equal(
      table(["A", "LONGER"], [["xyz", "1"]]),
      ["+-----+--------+", "|  A  | LONGER |", "+-----+--------+", "| xyz |      1 |", "+-----+--------+"].join("\n"),
    );
  });
});
