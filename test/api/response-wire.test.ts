import { test } from "node:test";
import assert from "node:assert/strict";
import { etcdserverpb } from "../../src/gen/etcd.js";
import { frameDeleteRangeResponse, framePutResponse, frameRangeResponse } from "../../src/api/response-wire.ts";
import { seededRandom } from "../raft/unit/driver.ts";

function randoms(r: () => number) {
  const n = () => [0, 1, 127, 128, 2 ** 21, 2 ** 31 + 7, 2 ** 40, 2 ** 53 - 1][Math.floor(r() * 8)]!;
  const bytes = () => Uint8Array.from({ length: [0, 1, 8, 300][Math.floor(r() * 4)]! }, () => Math.floor(r() * 256));
  const kv = () => ({ key: bytes(), createRevision: n(), modRevision: n(), version: n(), value: bytes(), lease: r() < 0.2 ? -n() : n() });
  const header = () => (r() < 0.9 ? { clusterId: n(), memberId: n(), revision: n(), raftTerm: n() } : null);
  const kvs = () => Array.from({ length: Math.floor(r() * 4) }, kv);
  return {
    put: { header: header(), prevKv: r() < 0.5 ? kv() : null },
    range: { header: header(), kvs: kvs(), more: r() < 0.5, count: n() },
    del: { header: header(), deleted: n(), prevKvs: kvs() },
  };
}

/** The gRPC prefix is uncompressed with the message's length; protobufjs reads the message as it reads its own. */
function check<T>(framed: Uint8Array, type: { encode(m: T): { finish(): Uint8Array }; decode(b: Uint8Array): unknown; toObject(m: never, o: object): unknown }, msg: T, what: string) {
  assert.equal(framed[0], 0, `${what}: compressed flag`);
  const len = new DataView(framed.buffer, framed.byteOffset).getUint32(1);
  assert.equal(len, framed.length - 5, `${what}: length prefix`);
  const opts = { defaults: true, arrays: true, bytes: Array, longs: Number };
  const ours = type.toObject(type.decode(framed.subarray(5)) as never, opts);
  const theirs = type.toObject(type.decode(type.encode(msg).finish()) as never, opts);
  assert.deepEqual(ours, theirs, what);
}

test("Put, Range and DeleteRange responses framed by hand read as protobufjs's own, for 300 random ones", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const m = randoms(seededRandom(seed));
    check(framePutResponse(m.put), etcdserverpb.PutResponse, m.put, `seed ${seed} put`);
    check(frameRangeResponse(m.range), etcdserverpb.RangeResponse, m.range, `seed ${seed} range`);
    check(frameDeleteRangeResponse(m.del), etcdserverpb.DeleteRangeResponse, m.del, `seed ${seed} delete`);
  }
});

test("an empty response is the prefix alone", () => {
  assert.deepEqual([...framePutResponse({})], [0, 0, 0, 0, 0]);
});
