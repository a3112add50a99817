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

// Decoding runs a state machine four bits at a time: every internal node of the code tree is a
// state, and one table entry per (state, nibble) holds the next state, the symbol emitted on the
// way (codes are at least 5 bits long, so at most one per nibble), whether the nibble ran into EOS
// or off the tree, and whether the string may end there (padding is at most 7 one-bits, a prefix
// of EOS). Walking bit by bit cost ~10x more per header value.
const ENTRY_EMIT = 0x200;
const ENTRY_FAIL = 0x400;
const ENTRY_ACCEPT = 0x800;

function buildDecodeTable(): Int32Array {
  const ids = new Map<Node, number>();
  const nodes: Node[] = [];
  const visit = (n: Node): void => {
    if (n.sym >= 0) return;
    ids.set(n, nodes.length);
    nodes.push(n);
    if (n.zero) visit(n.zero);
    if (n.one) visit(n.one);
  };
  visit(ROOT);
  if (nodes.length > 0x1ff) throw new Error("Huffman decode table: too many states");
  const accepting = new Set<Node>([ROOT]);
  for (let n: Node | null = ROOT, depth = 0; n && depth < 7; depth++) {
    n = n.one;
    if (n) accepting.add(n);
  }
  const table = new Int32Array(nodes.length * 16);
  for (let state = 0; state < nodes.length; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let n: Node | null = nodes[state]!;
      let entry = 0;
      for (let i = 3; i >= 0 && n; i--) {
        n = (nibble >>> i) & 1 ? n.one : n.zero;
        if (n && n.sym >= 0) {
          entry = ENTRY_EMIT | (n.sym << 16);
          n = ROOT;
        }
      }
      table[state * 16 + nibble] = n === null ? ENTRY_FAIL : entry | ids.get(n)! | (accepting.has(n) ? ENTRY_ACCEPT : 0);
    }
  }
  return table;
}

const DECODE = buildDecodeTable();
let scratch = new Uint8Array(256);

/** Decodes input[start, end) into a scratch buffer shared by every caller and valid until the next
 *  call; returns the decoded length, or -1 for an invalid code or padding. */
export function huffmanDecodeInto(input: Uint8Array, start: number, end: number): { out: Uint8Array; length: number } {
  // Every symbol takes at least 5 bits.
  const most = Math.ceil(((end - start) * 8) / 5);
  if (scratch.length < most) scratch = new Uint8Array(Math.max(most, scratch.length * 2));
  const out = scratch;
  let state = 0;
  let o = 0;
  let accept = true;
  for (let i = start; i < end; i++) {
    const byte = input[i]!;
    let e = DECODE[(state << 4) | (byte >>> 4)]!;
    if (e & ENTRY_FAIL) return { out, length: -1 };
    if (e & ENTRY_EMIT) out[o++] = e >>> 16;
    state = e & 0x1ff;
    e = DECODE[(state << 4) | (byte & 15)]!;
    if (e & ENTRY_FAIL) return { out, length: -1 };
    if (e & ENTRY_EMIT) out[o++] = e >>> 16;
    state = e & 0x1ff;
    accept = (e & ENTRY_ACCEPT) !== 0;
  }
  return { out, length: accept ? o : -1 };
}

export function huffmanDecode(input: Uint8Array): HuffmanResult {
  const r = huffmanDecodeInto(input, 0, input.length);
  if (r.length < 0) return { ok: false, error: "invalid Huffman code or padding (EOS, an unknown code, or padding that is not a prefix of EOS)" };
  return { ok: true, bytes: r.out.slice(0, r.length) };
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
