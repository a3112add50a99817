// The Envelope of proto/raft.proto encoded and decoded by hand (src/grpc/proto-wire.ts). Every
// append, heartbeat and forwarded batch crosses this code twice per follower, and protobufjs's
// writer was the largest single cost of the leader's main thread after the sockets. The bytes are protobuf's, so
// protobufjs (tests, older members) reads them, and anything protobufjs writes is read here:
// unknown fields are skipped, packed and unpacked repeated numbers are both accepted.
import { Buffer } from "node:buffer";
import { LEN, lenSize, ProtoReader, ProtoWriter, scalarSize, utf8Size, varintSize } from "../grpc/proto-wire.ts";
import type { PbEnvelope, PbMessage } from "./codec.ts";

type Entry = { term?: number | null; index?: number | null; type?: number | null; data?: Uint8Array | null };
type Conf = { voters?: number[] | null; learners?: number[] | null };
type Snap = { index?: number | null; term?: number | null; conf?: Conf | null };

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


function writeMessage(o: ProtoWriter, m: PbMessage): void {
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
  let n = scalarSize(env.clusterId) + scalarSize(env.senderId) + scalarSize(env.seq) + (env.cumulativeAcks ? 2 : 0) + (env.noAck ? 2 : 0) +
    (env.takesCarriedAcks ? 2 : 0) + scalarSize(env.carriedAck);
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

  const o = new ProtoWriter(Buffer.allocUnsafe(n));
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
  if (env.cumulativeAcks) { o.buf[o.pos++] = 9 << 3; o.buf[o.pos++] = 1; }
  if (env.noAck) { o.buf[o.pos++] = 10 << 3; o.buf[o.pos++] = 1; }
  if (env.takesCarriedAcks) { o.buf[o.pos++] = 11 << 3; o.buf[o.pos++] = 1; }
  o.scalar(12, env.carriedAck);
  if (o.pos !== n) throw new Error(`envelope encoder wrote ${o.pos} bytes of the ${n} it sized`);
  return o.buf;
}


function readNumbers(r: ProtoReader, wire: number, into: number[]): void {
  if (wire !== LEN) { into.push(r.varint()); return; }
  const end = r.length();
  while (r.pos < end) into.push(r.varint());
  if (r.pos !== end) throw new Error("packed field runs past its length");
}

const EMPTY: Uint8Array = new Uint8Array(0);

function readEntry(r: ProtoReader): Entry {
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

function readSnap(r: ProtoReader): Snap & { conf: { voters: number[]; learners: number[] } | null } {
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

function readMessage(r: ProtoReader): PbMessage {
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
function readEmbedded<T>(r: ProtoReader, init: T, read: (o: T, tag: number, s: ProtoReader) => boolean): T {
  const end = r.length();
  const s = r.sub(end);
  while (s.pos < s.end) {
    const tag = s.varint();
    if (!read(init, tag, s)) s.skip(tag & 7);
  }
  r.pos = end;
  return init;
}

function readString(s: ProtoReader): string {
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
  const env = { clusterId: 0, senderId: 0, seq: 0, messages, proposals, answers, leaseQueries, leaseAnswers, cumulativeAcks: false, noAck: false, takesCarriedAcks: false, carriedAck: 0 };
  const r = new ProtoReader(bytes, 0, bytes.length);
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
      case 9 << 3: env.cumulativeAcks = r.varint() !== 0; break;
      case 10 << 3: env.noAck = r.varint() !== 0; break;
      case 11 << 3: env.takesCarriedAcks = r.varint() !== 0; break;
      case 12 << 3: env.carriedAck = r.varint(); break;
      default: r.skip(tag & 7);
    }
  }
  return env;
}

