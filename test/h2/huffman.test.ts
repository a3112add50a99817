import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { huffmanDecode, huffmanEncode } from "../../src/h2/huffman.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/\s/g, "").match(/../g)!.map((h) => parseInt(h, 16)));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

// RFC 7541 Appendix C.4 and C.6 Huffman-coded strings.
const VECTORS: [string, string][] = [
  ["www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"],
  ["no-cache", "a8eb 1064 9cbf"],
  ["custom-value", "25a8 49e9 5bb8 e8b4 bf"],
  ["302", "6402"],
  ["private", "aec3 771a 4b"],
  ["Mon, 21 Oct 2013 20:13:21 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff"],
  ["https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3"],
];

describe("HPACK Huffman", () => {
  it("encodes and decodes RFC 7541 Appendix C vectors", () => {
    for (const [plain, coded] of VECTORS) {
      assert.deepEqual(huffmanEncode(text(plain)), hex(coded), plain);
      const d = huffmanDecode(hex(coded));
      assert.ok(d.ok, plain);
      if (d.ok) assert.equal(new TextDecoder().decode(d.bytes), plain);
    }
  });
  it("round-trips every byte value", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const d = huffmanDecode(huffmanEncode(all));
    assert.ok(d.ok);
    if (d.ok) assert.deepEqual(d.bytes, all);
  });
  // "0" is 00000; 0x06 pads it with 110 and 0x07 with 111.
  it("rejects padding that is not all ones, or longer than 7 bits", () => {
    assert.equal(huffmanDecode(hex("06")).ok, false);
    assert.equal(huffmanDecode(hex("07")).ok, true);
    assert.equal(huffmanDecode(hex("6402 ff")).ok, false);
  });
});
