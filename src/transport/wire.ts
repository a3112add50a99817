// The Envelope of proto/raft.proto encoded and decoded by hand. Every append, heartbeat and
// forwarded batch crosses this code twice per follower; protobufjs's writer builds a list of
// operations per field, converts every uint64 through LongBits and copies each entry through a
// forked buffer, which made it the largest single cost of the leader's main thread after the
// sockets. Here a size pass and a write pass fill one buffer. The bytes are protobuf's, so
// protobufjs (tests, older members) reads them, and anything protobufjs writes is read here:
// unknown fields are skipped, packed and unpacked repeated numbers are both accepted.
import { Buffer } from "node:buffer";
import type { PbEnvelope, PbMessage } from "./codec.ts";

type Entry = { term?: number | null; index?: number | null; type?: number | null; data?: Uint8Array | null };
type Conf = { voters?: number[] | null; learners?: number[] | null };
type Snap = { index?: number | null; term?: number | null; conf?: Conf | null };

const TWO32 = 4294967296;
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/** Bytes of a varint holding n (0 ≤ n < 2^64 as a JS number; negatives are 10 bytes, as int64). */
function varintSize(n: number): number {
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
const scalarSize = (v: number | null | undefined): number => (v ? 1 + varintSize(v) : 0);
const lenSize = (n: number): number => 1 + varintSize(n) + n;
const utf8Size = (s: string | null | undefined): number => (s ? lenSize(Buffer.byteLength(s, "utf8")) : 0);

function entrySize(e: Entry): number {
  const d = e.data?.length ?? 0;
  return scalarSize(e.term) + scalarSize(e.index) + scalarSize(e.type) + (d > 0 ? lenSize(d) : 0);
}

function packedSize(vs: number[] | null | undefined): number {
  if (!vs || vs.length === 0) return 0;
  let n = 0;
  for (const v of vs) n += varintSize(v);
  return lenSize(n);
}

function snapSize(s: Snap): number {
  const conf = s.conf ? packedSize(s.conf.voters) + packedSize(s.conf.learners) : -1;
  return scalarSize(s.index) + scalarSize(s.term) + (conf >= 0 ? lenSize(conf) : 0);
}

function messageSize(m: PbMessage): number {
  let n = scalarSize(m.type) + scalarSize(m.from) + scalarSize(m.to) + scalarSize(m.term) + scalarSize(m.logTerm) + scalarSize(m.index);
  for (const e of m.entries ?? []) n += lenSize(entrySize(e));
  n += scalarSize(m.commit) + (m.reject ? 2 : 0) + scalarSize(m.rejectHint) + (m.rejectHintTerm ? 1 + varintSize(m.rejectHintTerm) : 0);
  if (m.snapshot) n += lenSize(snapSize(m.snapshot));
  return n + scalarSize(m.context);
}

class Out {
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

function writeMessage(o: Out, m: PbMessage): void {
  o.scalar(1, m.type); o.scalar(2, m.from); o.scalar(3, m.to); o.scalar(4, m.term); o.scalar(5, m.logTerm); o.scalar(6, m.index);
  for (const e of m.entries ?? []) {
    o.header(7, entrySize(e));
    o.scalar(1, e.term); o.scalar(2, e.index); o.scalar(3, e.type);
    if (e.data && e.data.length > 0) o.bytes(4, e.data);
  }
  o.scalar(8, m.commit);
  if (m.reject) { o.buf[o.pos++] = 9 << 3; o.buf[o.pos++] = 1; }
  o.scalar(10, m.rejectHint); o.scalar(11, m.rejectHintTerm);
  if (m.snapshot) {
    const s = m.snapshot;
    o.header(12, snapSize(s));
    o.scalar(1, s.index); o.scalar(2, s.term);
    if (s.conf) {
      o.header(3, packedSize(s.conf.voters) + packedSize(s.conf.learners));
      o.packed(1, s.conf.voters); o.packed(2, s.conf.learners);
    }
  }
  o.scalar(13, m.context);
}

/** The Envelope's protobuf bytes in one buffer. */
export function encodeEnvelope(env: PbEnvelope): Buffer {
  const sizes: number[] = [];
  let n = scalarSize(env.clusterId) + scalarSize(env.senderId) + scalarSize(env.seq);
  for (const m of env.messages ?? []) { const s = messageSize(m); sizes.push(s); n += lenSize(s); }
  for (const p of env.proposals ?? []) {
    let s = scalarSize(p.id);
    for (const r of p.requests ?? []) s += lenSize(r.length);
    sizes.push(s);
    n += lenSize(s);
  }
  for (const a of env.answers ?? []) {
    const s = scalarSize(a.id) + scalarSize(a.firstIndex) + scalarSize(a.term) + scalarSize(a.errorCode) + utf8Size(a.errorMessage);
    sizes.push(s);
    n += lenSize(s);
  }
  for (const q of env.leaseQueries ?? []) {
    const s = scalarSize(q.id) + scalarSize(q.leaseId) + (q.renew ? 2 : 0);
    sizes.push(s);
    n += lenSize(s);
  }
  for (const a of env.leaseAnswers ?? []) {
    const s = scalarSize(a.id) + scalarSize(a.ttl) + scalarSize(a.errorCode) + utf8Size(a.errorMessage);
    sizes.push(s);
    n += lenSize(s);
  }

  const o = new Out(Buffer.allocUnsafe(n));
  let k = 0;
  o.scalar(1, env.clusterId); o.scalar(2, env.senderId);
  for (const m of env.messages ?? []) { o.header(3, sizes[k++]!); writeMessage(o, m); }
  o.scalar(4, env.seq);
  for (const p of env.proposals ?? []) {
    o.header(5, sizes[k++]!);
    o.scalar(1, p.id);
    for (const r of p.requests ?? []) o.bytes(2, r);
  }
  for (const a of env.answers ?? []) {
    o.header(6, sizes[k++]!);
    o.scalar(1, a.id); o.scalar(2, a.firstIndex); o.scalar(3, a.term); o.scalar(4, a.errorCode); o.string(5, a.errorMessage);
  }
  for (const q of env.leaseQueries ?? []) {
    o.header(7, sizes[k++]!);
    o.scalar(1, q.id); o.scalar(2, q.leaseId);
    if (q.renew) { o.buf[o.pos++] = 3 << 3; o.buf[o.pos++] = 1; }
  }
  for (const a of env.leaseAnswers ?? []) {
    o.header(8, sizes[k++]!);
    o.scalar(1, a.id); o.scalar(2, a.ttl); o.scalar(3, a.errorCode); o.string(4, a.errorMessage);
  }
  if (o.pos !== n) throw new Error(`envelope encoder wrote ${o.pos} bytes of the ${n} it sized`);
  return o.buf;
}

class In {
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

  sub(end: number): In { return new In(this.buf, this.pos, end); }
}

function readNumbers(r: In, wire: number, into: number[]): void {
  if (wire !== LEN) { into.push(r.varint()); return; }
  const end = r.length();
  while (r.pos < end) into.push(r.varint());
  if (r.pos !== end) throw new Error("packed field runs past its length");
}

const EMPTY: Uint8Array = new Uint8Array(0);

function readEntry(r: In): Entry {
  const e: Entry = { term: 0, index: 0, type: 0, data: EMPTY };
  while (r.pos < r.end) {
    const tag = r.varint();
    switch (tag) {
      case 1 << 3: e.term = r.varint(); break;
      case 2 << 3: e.index = r.varint(); break;
      case 3 << 3: e.type = r.varint(); break;
      case (4 << 3) | LEN: { const end = r.length(); e.data = r.buf.subarray(r.pos, end); r.pos = end; break; }
      default: r.skip(tag & 7);
    }
  }
  return e;
}

function readSnap(r: In): Snap & { conf: { voters: number[]; learners: number[] } | null } {
  const s = { index: 0, term: 0, conf: null as { voters: number[]; learners: number[] } | null };
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 1 << 3) s.index = r.varint();
    else if (tag === 2 << 3) s.term = r.varint();
    else if (tag === ((3 << 3) | LEN)) {
      const end = r.length();
      const c = r.sub(end);
      const conf = { voters: [] as number[], learners: [] as number[] };
      while (c.pos < c.end) {
        const t = c.varint();
        if (t >> 3 === 1) readNumbers(c, t & 7, conf.voters);
        else if (t >> 3 === 2) readNumbers(c, t & 7, conf.learners);
        else c.skip(t & 7);
      }
      s.conf = conf;
      r.pos = end;
    } else r.skip(tag & 7);
  }
  return s;
}

function readMessage(r: In): PbMessage {
  const m: PbMessage = {
    type: 0, from: 0, to: 0, term: 0, logTerm: 0, index: 0, entries: [], commit: 0,
    reject: false, rejectHint: 0, rejectHintTerm: 0, snapshot: null, context: 0,
  };
  while (r.pos < r.end) {
    const tag = r.varint();
    switch (tag) {
      case 1 << 3: m.type = r.varint(); break;
      case 2 << 3: m.from = r.varint(); break;
      case 3 << 3: m.to = r.varint(); break;
      case 4 << 3: m.term = r.varint(); break;
      case 5 << 3: m.logTerm = r.varint(); break;
      case 6 << 3: m.index = r.varint(); break;
      case (7 << 3) | LEN: { const end = r.length(); m.entries!.push(readEntry(r.sub(end))); r.pos = end; break; }
      case 8 << 3: m.commit = r.varint(); break;
      case 9 << 3: m.reject = r.varint() !== 0; break;
      case 10 << 3: m.rejectHint = r.varint(); break;
      case 11 << 3: m.rejectHintTerm = r.varint(); break;
      case (12 << 3) | LEN: { const end = r.length(); m.snapshot = readSnap(r.sub(end)); r.pos = end; break; }
      case 13 << 3: m.context = r.varint(); break;
      default: r.skip(tag & 7);
    }
  }
  return m;
}

/** Reads the fields of one embedded message with `read(tag, reader)`, skipping what it does not take. */
function readEmbedded<T>(r: In, init: T, read: (o: T, tag: number, s: In) => boolean): T {
  const end = r.length();
  const s = r.sub(end);
  while (s.pos < s.end) {
    const tag = s.varint();
    if (!read(init, tag, s)) s.skip(tag & 7);
  }
  r.pos = end;
  return init;
}

function readString(s: In): string {
  const end = s.length();
  const v = Buffer.from(s.buf.buffer, s.buf.byteOffset + s.pos, end - s.pos).toString("utf8");
  s.pos = end;
  return v;
}

/** The Envelope in `bytes`; byte fields are views into it (no copies). Throws on malformed input. */
export function decodeEnvelope(bytes: Uint8Array): PbEnvelope {
  const messages: PbMessage[] = [];
  const proposals: NonNullable<PbEnvelope["proposals"]> = [];
  const answers: NonNullable<PbEnvelope["answers"]> = [];
  const leaseQueries: NonNullable<PbEnvelope["leaseQueries"]> = [];
  const leaseAnswers: NonNullable<PbEnvelope["leaseAnswers"]> = [];
  const env = { clusterId: 0, senderId: 0, seq: 0, messages, proposals, answers, leaseQueries, leaseAnswers };
  const r = new In(bytes, 0, bytes.length);
  while (r.pos < r.end) {
    const tag = r.varint();
    switch (tag) {
      case 1 << 3: env.clusterId = r.varint(); break;
      case 2 << 3: env.senderId = r.varint(); break;
      case (3 << 3) | LEN: { const end = r.length(); messages.push(readMessage(r.sub(end))); r.pos = end; break; }
      case 4 << 3: env.seq = r.varint(); break;
      case (5 << 3) | LEN:
        proposals.push(readEmbedded(r, { id: 0, requests: [] as Uint8Array[] }, (p, t, s) => {
          if (t === 1 << 3) p.id = s.varint();
          else if (t === ((2 << 3) | LEN)) { const end = s.length(); p.requests.push(s.buf.subarray(s.pos, end)); s.pos = end; }
          else return false;
          return true;
        }));
        break;
      case (6 << 3) | LEN:
        answers.push(readEmbedded(r, { id: 0, firstIndex: 0, term: 0, errorCode: 0, errorMessage: "" }, (a, t, s) => {
          if (t === 1 << 3) a.id = s.varint();
          else if (t === 2 << 3) a.firstIndex = s.varint();
          else if (t === 3 << 3) a.term = s.varint();
          else if (t === 4 << 3) a.errorCode = s.varint();
          else if (t === ((5 << 3) | LEN)) a.errorMessage = readString(s);
          else return false;
          return true;
        }));
        break;
      case (7 << 3) | LEN:
        leaseQueries.push(readEmbedded(r, { id: 0, leaseId: 0, renew: false as boolean }, (q, t, s) => {
          if (t === 1 << 3) q.id = s.varint();
          else if (t === 2 << 3) q.leaseId = s.varint();
          else if (t === 3 << 3) q.renew = s.varint() !== 0;
          else return false;
          return true;
        }));
        break;
      case (8 << 3) | LEN:
        leaseAnswers.push(readEmbedded(r, { id: 0, ttl: 0, errorCode: 0, errorMessage: "" }, (a, t, s) => {
          if (t === 1 << 3) a.id = s.varint();
          else if (t === 2 << 3) a.ttl = s.varint();
          else if (t === 3 << 3) a.errorCode = s.varint();
          else if (t === ((4 << 3) | LEN)) a.errorMessage = readString(s);
          else return false;
          return true;
        }));
        break;
      default: r.skip(tag & 7);
    }
  }
  return env;
}

