// HPACK Huffman coding (RFC 7541 §5.2). Decoding walks a binary tree built once from the code table;
// a string whose padding is not a prefix of EOS, or longer than 7 bits, is a COMPRESSION_ERROR.
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from "./huffman-table.ts";

interface Node { sym: number; zero: Node | null; one: Node | null }

function buildTree(): Node {
  const root: Node = { sym: -1, zero: null, one: null };
  for (let sym = 0; sym < 256; sym++) {
    const code = HUFFMAN_CODES[sym]!;
    const len = HUFFMAN_LENGTHS[sym]!;
    let n = root;
    for (let i = len - 1; i >= 0; i--) {
      const bit = (code >>> i) & 1;
      const next = bit ? n.one : n.zero;
      if (next) { n = next; continue; }
      const made: Node = { sym: -1, zero: null, one: null };
      if (bit) n.one = made; else n.zero = made;
      n = made;
    }
    n.sym = sym;
  }
  return root;
}

const ROOT = buildTree();

export type HuffmanResult = { ok: true; bytes: Uint8Array } | { ok: false; error: string };

export function huffmanDecode(input: Uint8Array): HuffmanResult {
  const out: number[] = [];
  let n = ROOT;
  let depth = 0;
  let allOnes = true;
  for (const byte of input) {
    for (let i = 7; i >= 0; i--) {
      const bit = (byte >>> i) & 1;
      const next = bit ? n.one : n.zero;
      if (!next) return { ok: false, error: "invalid Huffman code (EOS or unknown symbol)" };
      depth++;
      if (!bit) allOnes = false;
      if (next.sym >= 0) { out.push(next.sym); n = ROOT; depth = 0; allOnes = true; } else n = next;
    }
  }
  if (depth > 7 || !allOnes) return { ok: false, error: "invalid Huffman padding" };
  return { ok: true, bytes: Uint8Array.from(out) };
}

export function huffmanEncodedLength(input: Uint8Array): number {
  let bits = 0;
  for (const b of input) bits += HUFFMAN_LENGTHS[b]!;
  return (bits + 7) >>> 3;
}

export function huffmanEncode(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(huffmanEncodedLength(input));
  let acc = 0; let nbits = 0; let o = 0;
  for (const b of input) {
    const len = HUFFMAN_LENGTHS[b]!;
    const code = HUFFMAN_CODES[b]!;
    // Feed at most 8 bits at a time so the accumulator stays within 32-bit integer arithmetic.
    for (let rem = len; rem > 0;) {
      const take = Math.min(8, rem);
      rem -= take;
      acc = ((acc << take) | ((code >>> rem) & ((1 << take) - 1))) & 0xffff;
      nbits += take;
      while (nbits >= 8) { nbits -= 8; out[o++] = (acc >>> nbits) & 0xff; }
    }
  }
  if (nbits > 0) out[o++] = ((acc << (8 - nbits)) | ((1 << (8 - nbits)) - 1)) & 0xff;
  return out;
}
