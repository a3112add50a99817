// The bench's pure parts: flag validation, etcd-compatible keys, the rate limiter, percentiles.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { resolveOptions, type BenchOptions } from "../../src/bench/index.ts";
import { encodeKey, KeyGenerator } from "../../src/bench/keys.ts";
import { LatencyRecorder } from "../../src/bench/latency.ts";
import { RateLimiter } from "../../src/bench/rate.ts";

function ok(flags: Parameters<typeof resolveOptions>[0], pos: string[]): BenchOptions {
  const o = resolveOptions(flags, pos);
  if (typeof o === "string") assert.fail(`unexpected error: ${o}`);
  return o;
}

describe("bench options", () => {
  test("defaults follow etcd's conventions", () => {
    const o = ok({}, ["put"]);
    assert.equal(o.workload, "put");
    assert.deepEqual(o.endpoints, ["127.0.0.1:2379"]);
    assert.equal(o.conns, 1);
    assert.equal(o.clients, 1);
    assert.deepEqual(o.stop, { kind: "total", total: 10000 });
    assert.equal(o.keySize, 8);
    assert.equal(o.valSize, 256);
    assert.equal(o.rate, 0);
    assert.equal(o.json, false);
    assert.equal(o.client, "h2");
    assert.equal(ok({ client: "grpc-js" }, ["put"]).client, "grpc-js");
  });

  test("flags are read", () => {
    const o = ok(
      { endpoints: "http://a:1, b:2", conns: "10", clients: "100", duration: "1.5s", "key-size": "16", "sequential-keys": true, "key-space-size": "500", consistency: "s", rate: "300", json: true },
      ["range", "foo", "fop"],
    );
    assert.deepEqual(o.endpoints, ["a:1", "b:2"]);
    assert.equal(o.conns, 10);
    assert.equal(o.clients, 100);
    assert.deepEqual(o.stop, { kind: "duration", seconds: 1.5 });
    assert.equal(o.keySize, 16);
    assert.equal(o.sequentialKeys, true);
    assert.equal(o.keySpaceSize, 500);
    assert.equal(o.consistency, "s");
    assert.equal(o.rangeKey, "foo");
    assert.equal(o.rangeEnd, "fop");
    assert.equal(o.rate, 300);
    assert.equal(ok({ duration: "2m" }, ["put"]).stop.kind, "duration");
    assert.equal(ok({ "txn-ops": "4" }, ["txn-put"]).txnOps, 4);
  });

  test("bad input names the flag", () => {
    const cases: Array<[Parameters<typeof resolveOptions>[0], string[], RegExp]> = [
      [{}, [], /missing subcommand/],
      [{}, ["get"], /unknown subcommand "get"/],
      [{}, ["put", "extra"], /put takes no arguments/],
      [{ clients: "abc" }, ["put"], /--clients: expected a whole number, got "abc"/],
      [{ clients: "0" }, ["put"], /--clients: expected 1\.\.100000, got 0/],
      [{ conns: "-1" }, ["put"], /--conns: expected a whole number/],
      [{ total: "1.5" }, ["put"], /--total: expected a whole number/],
      [{ total: "10", duration: "5s" }, ["put"], /exclude each other/],
      [{ duration: "soon" }, ["put"], /--duration: expected a duration/],
      [{ duration: "0" }, ["put"], /above zero/],
      [{ consistency: "x" }, ["range"], /--consistency: expected "l"/],
      [{ consistency: "s" }, ["put"], /--consistency applies to range only/],
      [{ endpoints: "nohost" }, ["put"], /--endpoints: "nohost" is not host:port/],
      [{ "key-size": "1", "key-space-size": "1000" }, ["put"], /--key-size 1 is too small/],
      [{ client: "curl" }, ["put"], /--client: expected "h2" or "grpc-js", got "curl"/],
    ];
    for (const [flags, pos, re] of cases) {
      const r = resolveOptions(flags, pos);
      assert.equal(typeof r, "string", `expected an error for ${JSON.stringify([flags, pos])}`);
      assert.match(r as string, re);
    }
  });
});

describe("bench keys", () => {
  test("keys are Go's binary.PutVarint in a zeroed buffer, as etcd's benchmark writes them", () => {
    assert.deepEqual([...encodeKey(0, 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...encodeKey(1, 8)], [2, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...encodeKey(63, 4)], [126, 0, 0, 0]);
    assert.deepEqual([...encodeKey(64, 4)], [0x80, 0x01, 0, 0]);
    assert.deepEqual([...encodeKey(300, 4)], [0xd8, 0x04, 0, 0]);
  });

  test("sequential keys wrap at the key space; random keys stay in it", () => {
    const seq = new KeyGenerator(8, 3, true);
    const got = Array.from({ length: 5 }, () => seq.key()[0]);
    assert.deepEqual(got, [0, 2, 4, 0, 2]);
    const values = [0, 0.5, 0.999];
    const rnd = new KeyGenerator(8, 100, false, () => values.shift() ?? 0);
    assert.deepEqual([rnd.key()[0], rnd.key()[0], rnd.key()[0]], [0, 100, 0xc6]);
  });
});

describe("bench rate limiter and latency", () => {
  test("slots are spaced 1/rate apart on an absolute schedule, with no banked burst", () => {
    let now = 1000;
    const r = new RateLimiter(100, () => now); // 10 ms per slot
    assert.equal(r.reserve(), 0);
    assert.equal(r.reserve(), 10);
    assert.equal(r.reserve(), 20);
    now = 5000; // long idle: the next slot is now, the one after 10 ms later
    assert.equal(r.reserve(), 0);
    assert.equal(r.reserve(), 10);
    assert.equal(new RateLimiter(0, () => now).reserve(), 0);
  });

  test("percentiles come from the HDR histogram", () => {
    const l = new LatencyRecorder();
    for (let i = 1; i <= 1000; i++) l.recordMs(i / 10); // 0.1 .. 100 ms
    const s = l.summary();
    assert.equal(s.count, 1000);
    assert.equal(s.minMs, 0.1);
    assert.ok(Math.abs(s.p50Ms - 50) <= 0.05, `p50 ${s.p50Ms}`);
    assert.ok(Math.abs(s.p99Ms - 99) <= 0.1, `p99 ${s.p99Ms}`);
    assert.ok(Math.abs(s.maxMs - 100) <= 0.1, `max ${s.maxMs}`);
    assert.equal(new LatencyRecorder().summary().p50Ms, 0);
  });
});
