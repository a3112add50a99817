import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type FramedMessage, frameMessage, MessageReader, parseGrpcTimeout } from "../../src/grpc/framing.ts";
import { decodeGrpcMessage, encodeGrpcMessage } from "../../src/grpc/status.ts";

const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe("gRPC message framing", () => {
  it("frames a message with the 5-byte prefix", () => {
    assert.deepEqual(frameMessage(bytes(7, 8, 9)), bytes(0, 0, 0, 0, 3, 7, 8, 9));
    assert.deepEqual(frameMessage(bytes(), true), bytes(1, 0, 0, 0, 0));
  });

  it("reads whole messages out of one chunk as views, several per chunk", () => {
    const chunk = new Uint8Array([...frameMessage(bytes(1, 2)), ...frameMessage(bytes()), ...frameMessage(bytes(3), true)]);
    const out: FramedMessage[] = [];
    assert.equal(new MessageReader(100).push(chunk, out), undefined);
    assert.deepEqual(out.map((m) => [m.compressed, [...m.bytes]]), [[false, [1, 2]], [false, []], [true, [3]]]);
    assert.equal(out[0]!.bytes.buffer, chunk.buffer, "a message inside one chunk is not copied");
  });

  it("reassembles messages split at every byte boundary", () => {
    const payload = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const wire = new Uint8Array([...frameMessage(payload), ...frameMessage(bytes()), ...frameMessage(bytes(42))]);
    for (let cut = 1; cut < wire.length; cut++) {
      const reader = new MessageReader(1000);
      const out: FramedMessage[] = [];
      assert.equal(reader.push(wire.subarray(0, cut), out), undefined);
      assert.equal(reader.push(wire.subarray(cut), out), undefined);
      assert.equal(out.length, 3, `cut at ${cut}`);
      assert.deepEqual(out[0]!.bytes, payload);
      assert.equal(out[1]!.bytes.length, 0);
      assert.deepEqual(out[2]!.bytes, bytes(42));
      assert.ok(reader.idle);
    }
    const reader = new MessageReader(1000);
    const out: FramedMessage[] = [];
    for (const b of wire) reader.push(bytes(b), out);
    assert.equal(out.length, 3);
  });

  it("says when a message is partial, too large, or has a bad flag", () => {
    const partial = new MessageReader(10);
    partial.push(bytes(0, 0, 0), []);
    assert.equal(partial.idle, false);
    assert.deepEqual(new MessageReader(10).push(bytes(0, 0, 0, 0, 11), []), { tooLarge: true, size: 11 });
    const bad = new MessageReader(10).push(bytes(2, 0, 0, 0, 0), []);
    assert.equal(bad?.tooLarge, false);
  });
});

describe("grpc-timeout and grpc-message", () => {
  it("parses every unit and refuses malformed values", () => {
    assert.equal(parseGrpcTimeout("4999975u"), 4999.975);
    assert.equal(parseGrpcTimeout("5S"), 5000);
    assert.equal(parseGrpcTimeout("2M"), 120_000);
    assert.equal(parseGrpcTimeout("1H"), 3_600_000);
    assert.equal(parseGrpcTimeout("250m"), 250);
    assert.equal(parseGrpcTimeout("1000000n"), 1);
    for (const bad of [undefined, "", "5", "S", "5s", "-1S", "123456789S", "1.5S"]) assert.equal(parseGrpcTimeout(bad), undefined, String(bad));
  });

  it("percent-encodes what is not printable ASCII, and decodes it back", () => {
    assert.equal(encodeGrpcMessage("etcdserver: key not found"), "etcdserver: key not found");
    assert.equal(encodeGrpcMessage("100% done\n"), "100%25 done%0A");
    assert.equal(encodeGrpcMessage("schlüssel"), "schl%C3%BCssel");
    for (const text of ["100% done\n", "schlüssel ✓", "plain"]) assert.equal(decodeGrpcMessage(encodeGrpcMessage(text)), text);
  });
});
