// The client port's most frequent responses — Put, Range, DeleteRange — written by hand straight
// into a gRPC-framed buffer (the 5-byte message prefix first), so a call's response is one
// allocation and no copy. protobufjs's encoder for a PutResponse of four numbers cost more CPU
// than the rest of the call's gRPC handling together. Anything not written here (txn, watch, ...)
// stays on protobufjs. The bytes are protobuf's; tests check protobufjs reads them alike.
import { Buffer } from "node:buffer";
import { lenSize, ProtoWriter, scalarSize } from "../grpc/proto-wire.ts";
import type { etcdserverpb, mvccpb } from "../gen/etcd.js";

type Header = etcdserverpb.ResponseHeader.$Properties;
type KeyValue = mvccpb.KeyValue.$Properties;

const bytesSize = (b: Uint8Array | null | undefined): number => (b && b.length > 0 ? lenSize(b.length) : 0);

function headerSize(h: Header): number {
  return scalarSize(h.clusterId) + scalarSize(h.memberId) + scalarSize(h.revision) + scalarSize(h.raftTerm);
}

function kvSize(kv: KeyValue): number {
  return bytesSize(kv.key) + scalarSize(kv.createRevision) + scalarSize(kv.modRevision) + scalarSize(kv.version)
    + bytesSize(kv.value) + scalarSize(kv.lease);
}

function writeBytes(o: ProtoWriter, field: number, b: Uint8Array | null | undefined): void {
  if (b && b.length > 0) o.bytes(field, b);
}

function writeHeader(o: ProtoWriter, h: Header | null | undefined): void {
  if (!h) return;
  o.header(1, headerSize(h));
  o.scalar(1, h.clusterId); o.scalar(2, h.memberId); o.scalar(3, h.revision); o.scalar(4, h.raftTerm);
}

function writeKv(o: ProtoWriter, field: number, kv: KeyValue, size: number): void {
  o.header(field, size);
  writeBytes(o, 1, kv.key);
  o.scalar(2, kv.createRevision); o.scalar(3, kv.modRevision); o.scalar(4, kv.version);
  writeBytes(o, 5, kv.value);
  o.scalar(6, kv.lease);
}

/** A buffer for a gRPC message of `n` bytes, the uncompressed prefix written. */
function framed(n: number): ProtoWriter {
  const o = new ProtoWriter(Buffer.allocUnsafe(5 + n));
  o.buf[0] = 0;
  o.buf.writeUInt32BE(n, 1);
  o.pos = 5;
  return o;
}

function done(o: ProtoWriter, n: number): Buffer {
  if (o.pos !== 5 + n) throw new Error(`response encoder wrote ${o.pos - 5} bytes of the ${n} it sized`);
  return o.buf;
}

export function framePutResponse(r: etcdserverpb.IPutResponse): Buffer {
  const kvN = r.prevKv ? kvSize(r.prevKv) : -1;
  const n = (r.header ? lenSize(headerSize(r.header)) : 0) + (kvN >= 0 ? lenSize(kvN) : 0);
  const o = framed(n);
  writeHeader(o, r.header);
  if (r.prevKv) writeKv(o, 2, r.prevKv, kvN);
  return done(o, n);
}

export function frameRangeResponse(r: etcdserverpb.IRangeResponse): Buffer {
  const kvs = r.kvs ?? [];
  const sizes = kvs.map(kvSize);
  let n = (r.header ? lenSize(headerSize(r.header)) : 0) + (r.more ? 2 : 0) + scalarSize(r.count);
  for (const s of sizes) n += lenSize(s);
  const o = framed(n);
  writeHeader(o, r.header);
  for (let i = 0; i < kvs.length; i++) writeKv(o, 2, kvs[i]!, sizes[i]!);
  if (r.more) { o.buf[o.pos++] = 3 << 3; o.buf[o.pos++] = 1; }
  o.scalar(4, r.count);
  return done(o, n);
}

export function frameDeleteRangeResponse(r: etcdserverpb.IDeleteRangeResponse): Buffer {
  const prev = r.prevKvs ?? [];
  const sizes = prev.map(kvSize);
  let n = (r.header ? lenSize(headerSize(r.header)) : 0) + scalarSize(r.deleted);
  for (const s of sizes) n += lenSize(s);
  const o = framed(n);
  writeHeader(o, r.header);
  o.scalar(2, r.deleted);
  for (let i = 0; i < prev.length; i++) writeKv(o, 3, prev[i]!, sizes[i]!);
  return done(o, n);
}
