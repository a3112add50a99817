import { test } from "node:test";
import assert from "node:assert/strict";
import { trireme } from "../../src/gen/raft.js";
import type { PbEnvelope } from "../../src/transport/codec.ts";
import { decodeEnvelope, encodeEnvelope } from "../../src/transport/wire.ts";
import { seededRandom } from "../raft/unit/driver.ts";

const pb = trireme.raft;

function randomEnvelope(r: () => number): PbEnvelope {
  // Numbers across every varint length, zero (left out on the wire) and 2^53 - 1.
  const u = () => [0, 1, 127, 128, 16383, 16384, 2 ** 28 - 1, 2 ** 28, 2 ** 32 + 5, 2 ** 53 - 1][Math.floor(r() * 10)]! + (r() < 0.5 ? 0 : Math.floor(r() * 100));
  const u32 = () => Math.floor(r() * 2 ** 32);
  const i64 = () => (r() < 0.3 ? -Math.floor(1 + r() * 2 ** 40) : r() < 0.1 ? -1 : u());
  const bytes = () => Uint8Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256));
  const list = <T>(n: number, f: () => T): T[] => Array.from({ length: Math.floor(r() * n) }, f);
  const text = () => (r() < 0.5 ? "" : `leader changed ${u()} é ✓`);
  const clamp53 = (n: number) => Math.min(n, 2 ** 53 - 1);
  return {
    clusterId: clamp53(u()),
    senderId: clamp53(u()),
    seq: clamp53(u()),
    messages: list(4, () => ({
      type: Math.floor(r() * 20),
      from: clamp53(u()), to: clamp53(u()), term: clamp53(u()), logTerm: clamp53(u()), index: clamp53(u()),
      entries: list(5, () => ({ term: clamp53(u()), index: clamp53(u()), type: Math.floor(r() * 4), data: bytes() })),
      commit: clamp53(u()),
      reject: r() < 0.5,
      rejectHint: clamp53(u()), rejectHintTerm: clamp53(u()),
      snapshot: r() < 0.3 ? { index: clamp53(u()), term: clamp53(u()), conf: r() < 0.8 ? { voters: list(5, () => clamp53(u())), learners: list(3, () => clamp53(u())) } : null } : null,
      context: clamp53(u()),
    })),
    proposals: list(3, () => ({ id: clamp53(u()), requests: list(4, bytes) })),
    answers: list(3, () => ({ id: clamp53(u()), firstIndex: clamp53(u()), term: clamp53(u()), errorCode: u32() % 17, errorMessage: text() })),
    leaseQueries: list(3, () => ({ id: clamp53(u()), leaseId: i64(), renew: r() < 0.5 })),
    leaseAnswers: list(3, () => ({ id: clamp53(u()), ttl: i64(), errorCode: u32() % 17, errorMessage: text() })),
    cumulativeAcks: r() < 0.5,
    noAck: r() < 0.5,
    takesCarriedAcks: r() < 0.5,
    carriedAck: r() < 0.5 ? 0 : clamp53(u()),
  };
}

/** protobufjs's view of bytes, every default filled in, byte fields as plain arrays. */
function viaProtobufjs(bytes: Uint8Array): unknown {
  return pb.Envelope.toObject(pb.Envelope.decode(bytes), { defaults: true, arrays: true, bytes: Array, longs: Number });
}

test("protobufjs reads what the hand-written encoder writes, and the reverse, for 500 random envelopes", () => {
  for (let seed = 1; seed <= 500; seed++) {
    const env = randomEnvelope(seededRandom(seed));
    const ours = encodeEnvelope(env);
    const theirs = pb.Envelope.encode(env).finish();
    assert.deepEqual(viaProtobufjs(ours), viaProtobufjs(theirs), `seed ${seed}: protobufjs decodes our bytes differently`);
    // Our decoder on protobufjs's bytes, re-encoded by protobufjs: the same message.
    const back = decodeEnvelope(theirs);
    assert.deepEqual(viaProtobufjs(pb.Envelope.encode(back).finish()), viaProtobufjs(theirs), `seed ${seed}: our decoder misread protobufjs's bytes`);
    assert.deepEqual(decodeEnvelope(ours), back, `seed ${seed}: our decoder reads our bytes differently from protobufjs's`);
  }
});

test("negative int64 values travel as 10-byte two's complement varints, as protobufjs writes them", () => {
  for (const ttl of [-1, -2, -(2 ** 31), -(2 ** 40) - 3, -(2 ** 53) + 1]) {
    const env = { leaseAnswers: [{ id: 1, ttl, errorCode: 0, errorMessage: "" }] };
    const ours = encodeEnvelope(env);
    assert.deepEqual([...ours], [...pb.Envelope.encode(env).finish()], `ttl ${ttl}`);
    assert.equal(decodeEnvelope(ours).leaseAnswers![0]!.ttl, ttl);
  }
});

test("decoded fields have their defaults, and entry data is a view of the input", () => {
  const bytes = encodeEnvelope({ messages: [{ type: 3, entries: [{ index: 7, data: Uint8Array.of(9, 8) }] }] });
  const env = decodeEnvelope(bytes);
  const m = env.messages![0]!;
  assert.deepEqual({ ...m, entries: [] }, {
    type: 3, from: 0, to: 0, term: 0, logTerm: 0, index: 0, entries: [], commit: 0,
    reject: false, rejectHint: 0, rejectHintTerm: 0, snapshot: null, context: 0,
  });
  const e = m.entries![0]!;
  assert.deepEqual({ ...e, data: [...e.data!] }, { term: 0, index: 7, type: 0, data: [9, 8] });
  assert.equal(e.data!.buffer, bytes.buffer);
  assert.equal(env.clusterId, 0);
  assert.equal(env.cumulativeAcks, false);
  assert.equal(env.noAck, false);
  assert.deepEqual(env.proposals, []);
});

test("unknown fields are skipped, so a newer member's envelope still reads", () => {
  const known = pb.Envelope.encode({ clusterId: 5, seq: 9 }).finish();
  // field 20 varint, field 21 length-delimited, field 22 fixed64, field 23 fixed32
  const extra = Uint8Array.of(0xa0, 0x01, 0x2a, 0xaa, 0x01, 0x02, 0x01, 0x02, 0xb1, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0xbd, 0x01, 1, 2, 3, 4);
  const env = decodeEnvelope(Uint8Array.from([...extra, ...known]));
  assert.equal(env.clusterId, 5);
  assert.equal(env.seq, 9);
});

test("malformed input is an error, not a wrong message", () => {
  const good = encodeEnvelope({ clusterId: 1, messages: [{ type: 1, entries: [{ index: 1, data: Uint8Array.of(1, 2, 3) }] }] });
  // Bytes 0-1 are a whole field (cluster_id): every cut after them falls inside the message field.
  for (let cut = 3; cut < good.length; cut++) {
    assert.throws(() => decodeEnvelope(good.subarray(0, cut)), Error, `cut at ${cut} of ${good.length}`);
  }
  assert.throws(() => decodeEnvelope(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)), /longer than 10 bytes/);
  assert.throws(() => decodeEnvelope(Uint8Array.of(0x0b)), /wire type 3/);
});
