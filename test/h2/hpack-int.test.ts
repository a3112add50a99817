import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeInt, encodeInt } from "../../src/h2/hpack-int.ts";

describe("HPACK integers", () => {
  // RFC 7541 Appendix C.1.
  const VECTORS: [number, number, number[]][] = [[10, 5, [0x0a]], [1337, 5, [0x1f, 0x9a, 0x0a]], [42, 8, [0x2a]]];
  it("encodes and decodes the Appendix C.1 vectors", () => {
    for (const [value, prefix, bytes] of VECTORS) {
      const out: number[] = [];
      encodeInt(out, value, prefix, 0);
      assert.deepEqual(out, bytes);
      assert.deepEqual(decodeInt(Uint8Array.from(bytes), 0, prefix), { ok: true, value, next: bytes.length });
    }
  });
  it("rejects truncated and oversized integers", () => {
    assert.equal(decodeInt(Uint8Array.from([0x1f, 0x9a]), 0, 5).ok, false);
    assert.equal(decodeInt(Uint8Array.from([0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 0, 5).ok, false);
  });
});
