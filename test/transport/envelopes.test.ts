// A turn's messages to one peer are split into envelopes within the plane's message limit, in
// order; the size bound used for it never understates the encoded size; a message that alone is
// over the limit is set aside; forwarded proposals split the same way, and a batch split in parts
// is "undelivered" only when every part is.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MessageType, type Message } from "../../src/raft/types.ts";
import { pb, toPb } from "../../src/transport/codec.ts";
import { allUndelivered, messageBound, packLeases, packMessages, packProposals } from "../../src/transport/envelopes.ts";
import { msg } from "./helpers.ts";

const app = (index: number, sizes: number[], over: Partial<Message> = {}): Message =>
  msg(MessageType.App, 1, 2, {
    index,
    term: 2 ** 40,
    commit: 2 ** 50,
    entries: sizes.map((n, i) => ({ term: 2 ** 40, index: 2 ** 52 + i, type: 1, data: new Uint8Array(n) })),
    ...over,
  });
const envelopeSize = (ms: Message[]) =>
  pb.Envelope.encode({ clusterId: 2 ** 53 - 1, senderId: 2 ** 53 - 1, seq: 2 ** 53 - 1, messages: ms.map(toPb) }).finish().length;

describe("envelopes", () => {
  test("the size bound is never below the encoded size", () => {
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 300; i++) {
      const m = app(rnd(2 ** 30), Array.from({ length: rnd(20) }, () => rnd(i % 3 === 0 ? 70_000 : 200)), {
        type: rnd(13) as MessageType,
        context: 2 ** 53 - 1 - rnd(1000),
        rejectHint: rnd(2 ** 31),
        reject: rnd(2) === 1,
        ...(i % 10 === 0 ? { snapshot: { index: 2 ** 50, term: 2 ** 40, conf: { voters: [1, 2, 2 ** 53 - 1], learners: [2 ** 45] } } } : {}),
      });
      const exact = envelopeSize([m]) - envelopeSize([]);
      assert.ok(messageBound(m) >= exact, `bound ${messageBound(m)} < encoded ${exact} for message ${i}`);
    }
  });

  test("a turn's appends are split, in order, into envelopes within the limit", () => {
    const limit = 100_000;
    const ms = Array.from({ length: 10 }, (_, i) => app(i, [30_000]));
    const { groups, tooLarge } = packMessages(ms, limit);
    assert.equal(tooLarge.length, 0);
    assert.deepEqual(groups.flat().map((m) => m.index), ms.map((m) => m.index));
    assert.ok(groups.length >= 4 && groups.length <= 5, `${groups.length} envelopes for 300 KB at 100 KB each`);
    for (const g of groups) assert.ok(envelopeSize(g) <= limit, `an envelope of ${envelopeSize(g)} bytes`);
    assert.deepEqual(packMessages(ms.slice(0, 2), limit).groups.length, 1, "what fits goes in one envelope");
  });

  test("a message over the limit alone is set aside with its size; the others still go", () => {
    const { groups, tooLarge } = packMessages([app(1, [10]), app(2, [200_000]), app(3, [10])], 100_000);
    assert.deepEqual(groups.flat().map((m) => m.index), [1, 3]);
    assert.equal(tooLarge.length, 1);
    assert.equal(tooLarge[0]!.message.index, 2);
    assert.ok(tooLarge[0]!.bytes > 200_000);
  });

  test("forwarded proposals split by batch, in order; undelivered only when every part is", () => {
    const p = {
      proposals: Array.from({ length: 6 }, (_, i) => ({ id: i + 1, requests: [new Uint8Array(40_000)] })),
      answers: [{ id: 99, firstIndex: 5, term: 2, errorCode: 0, errorMessage: "" }],
    };
    assert.equal(packProposals(p, 1 << 20).length, 1);
    const parts = packProposals(p, 100_000);
    assert.ok(parts.length >= 3);
    assert.deepEqual(parts.flatMap((x) => x.proposals.map((q) => q.id)), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(parts.flatMap((x) => x.answers.map((a) => a.id)), [99]);
    for (const part of parts) {
      const size = pb.Envelope.encode({ clusterId: 1, senderId: 1, seq: 1, proposals: part.proposals, answers: part.answers }).finish().length;
      assert.ok(size <= 100_000, `a part of ${size} bytes`);
    }
    let calls = 0;
    const lost = allUndelivered(3, () => calls++)!;
    lost();
    lost();
    assert.equal(calls, 0, "two of three parts lost: the third may have arrived");
    lost();
    assert.equal(calls, 1);
  });

  test("lease questions and answers split in order, each part within the limit", () => {
    const l = {
      queries: Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, leaseId: 2 ** 53 - 1 - i, renew: i % 2 === 0 })),
      answers: Array.from({ length: 500 }, (_, i) => ({ id: 10_000 + i, ttl: -1, errorCode: 14, errorMessage: "etcdserver: not leader" })),
    };
    assert.equal(packLeases(l, 1 << 20).length, 1);
    const parts = packLeases(l, 20_000);
    assert.ok(parts.length >= 5, `${parts.length} parts`);
    assert.deepEqual(parts.flatMap((x) => x.queries.map((q) => q.id)), l.queries.map((q) => q.id));
    assert.deepEqual(parts.flatMap((x) => x.answers.map((a) => a.id)), l.answers.map((a) => a.id));
    for (const part of parts) {
      const size = pb.Envelope.encode({ clusterId: 1, senderId: 1, seq: 1, leaseQueries: part.queries, leaseAnswers: part.answers }).finish().length;
      assert.ok(size <= 20_000, `a part of ${size} bytes`);
    }
  });
});
