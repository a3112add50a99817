// Protobuf's wire format by hand, for the few messages every call or peer message carries
// (src/transport/wire.ts, src/api/response-wire.ts): a size pass and a write pass into one buffer,
// and a reader that takes fields as they come. protobufjs's writer builds a list of operations per
// field and converts every 64-bit number through LongBits, which made it a large share of the
// main thread's time for small messages.
import { Buffer } from "node:buffer";

const TWO32 = 4294967296;
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

/** Bytes of a varint holding n (0 ≤ n < 2^64 as a JS number; negatives are 10 bytes, as int64). */
export function varintSize(n: number): number {
  if (n < 0) return 10;
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let s = 4;
  n = Math.floor(n / 0x10000000);
  while (n > 0) { s++; n = Math.floor(n / 128); }
  return s;
}

/** A scalar field with its one-byte tag; absent or zero is left out, as proto3 does. */
export const scalarSize = (v: number | null | undefined): number => (v ? 1 + varintSize(v) : 0);
export const lenSize = (n: number): number => 1 + varintSize(n) + n;
export const utf8Size = (s: string | null | undefined): number => (s ? lenSize(Buffer.byteLength(s, "utf8")) : 0);

export class ProtoWriter {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(n: number): void {
    const b = this.buf;
    if (n < 0) { this.varint64Signed(n); return; }
    while (n >= 0x80) {
      b[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    b[this.pos++] = n;
  }

  /** A negative int64: its 64-bit two's complement, always 10 bytes. */
  private varint64Signed(n: number): void {
    let hi = Math.floor(n / TWO32);
    let lo = n - hi * TWO32;
    hi = (hi + TWO32) % TWO32;
    const b = this.buf;
    for (let i = 0; i < 9; i++) {
      b[this.pos++] = (lo & 0x7f) | 0x80;
      lo = (lo >>> 7) | ((hi & 0x7f) << 25);
      hi >>>= 7;
    }
    b[this.pos++] = lo & 0x01;
  }

  scalar(field: number, v: number | null | undefined): void {
    if (!v) return;
    this.buf[this.pos++] = field << 3;
    this.varint(v);
  }

  header(field: number, len: number): void {
    this.buf[this.pos++] = (field << 3) | LEN;
    this.varint(len);
  }

  bytes(field: number, d: Uint8Array): void {
    this.header(field, d.length);
    this.buf.set(d, this.pos);
    this.pos += d.length;
  }

  string(field: number, s: string | null | undefined): void {
    if (!s) return;
    const n = Buffer.byteLength(s, "utf8");
    this.header(field, n);
    this.pos += this.buf.write(s, this.pos, n, "utf8");
  }

  packed(field: number, vs: number[] | null | undefined): void {
    if (!vs || vs.length === 0) return;
    let n = 0;
    for (const v of vs) n += varintSize(v);
    this.header(field, n);
    for (const v of vs) this.varint(v);
  }
}
export class ProtoReader {
  pos: number;
  constructor(readonly buf: Uint8Array, start: number, readonly end: number) { this.pos = start; }

  /** uint64 (exact to 2^53) and int64: a 10-byte varint with bit 63 set is negative. */
  varint(): number {
    const b = this.buf;
    let pos = this.pos;
    let low = 0;
    // The low 28 bits with bit operations, the rest by multiplication (exact to 2^53).
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= this.end) throw new Error("truncated varint");
      const byte = b[pos++]!;
      low |= (byte & 0x7f) << shift;
      if (byte < 0x80) { this.pos = pos; return low; }
    }
    let high = 0;
    let scale = 1;
    for (let count = 5; ; count++) {
      if (pos >= this.end) throw new Error("truncated varint");
      if (count > 10) throw new Error("varint longer than 10 bytes");
      const byte = b[pos++]!;
      high += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) {
        this.pos = pos;
        if (count === 10 && high >= 2 ** 35) return low + (high - 2 ** 36) * 2 ** 28;
        return low + high * 2 ** 28;
      }
    }
  }

  /** A length-delimited field's end, checked against this reader's end. */
  length(): number {
    const n = this.varint();
    const end = this.pos + n;
    if (n < 0 || end > this.end) throw new Error("length-delimited field runs past the message");
    return end;
  }

  skip(wire: number): void {
    switch (wire) {
      case VARINT: this.varint(); return;
      case FIXED64: this.pos += 8; break;
      case LEN: this.pos = this.length(); return;
      case FIXED32: this.pos += 4; break;
      default: throw new Error(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.end) throw new Error("field runs past the message");
  }

  sub(end: number): ProtoReader { return new ProtoReader(this.buf, this.pos, end); }
}
