// The snapshot file format. The content is opaque bytes (the KV store produces them).
//
//   magic "TRIRSNAP" (8) | version u32 BE | header length u32 BE | header JSON (UTF-8)
//   | content | content length u64 BE | SHA-256 (32) of every byte before the trailer
//
// The length and checksum trail the content so a snapshot can be written from a stream whose
// size is not known in advance, and received from a peer byte for byte.
import type { ConfState } from "../raft/types.ts";
import { StorageError } from "./errors.ts";

export const SNAPSHOT_MAGIC = "TRIRSNAP";
export const SNAPSHOT_FORMAT_VERSION = 1;
export const PREAMBLE_BYTES = 16;
export const TRAILER_BYTES = 40;
/** A header larger than this is a corrupt length field, not a real header. */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;

export interface SnapshotHeader {
  clusterId: number;
  /** The member that produced the snapshot. */
  nodeId: number;
  index: number;
  term: number;
  conf: ConfState;
  /** Opaque member metadata (names, URLs) as base64 in the file, bytes in memory. */
  metadata: Uint8Array;
  /** ISO time the snapshot was written. */
  created: string;
}

export function encodePreambleAndHeader(h: SnapshotHeader): Uint8Array {
  const json = JSON.stringify({
    clusterId: h.clusterId,
    nodeId: h.nodeId,
    index: h.index,
    term: h.term,
    conf: { voters: h.conf.voters, learners: h.conf.learners },
    metadata: Buffer.from(h.metadata).toString("base64"),
    created: h.created,
  });
  const body = Buffer.from(json, "utf8");
  const out = Buffer.alloc(PREAMBLE_BYTES + body.length);
  out.write(SNAPSHOT_MAGIC, 0, "latin1");
  out.writeUInt32BE(SNAPSHOT_FORMAT_VERSION, 8);
  out.writeUInt32BE(body.length, 12);
  body.copy(out, PREAMBLE_BYTES);
  return out;
}

/** Parses the 16-byte preamble; returns the header JSON length. */
export function parsePreamble(b: Uint8Array, file: string): number {
  if (b.byteLength < PREAMBLE_BYTES) throw new StorageError("bad-snapshot", file, `truncated: ${b.byteLength} bytes, not even a header`);
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const magic = buf.toString("latin1", 0, 8);
  if (magic !== SNAPSHOT_MAGIC) throw new StorageError("bad-snapshot", file, `not a trireme snapshot (magic ${JSON.stringify(magic)}, expected "${SNAPSHOT_MAGIC}")`);
  const version = buf.readUInt32BE(8);
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    throw new StorageError("unknown-version", file, `snapshot format version ${version}; this trireme reads version ${SNAPSHOT_FORMAT_VERSION}`);
  }
  const len = buf.readUInt32BE(12);
  if (len === 0 || len > MAX_HEADER_BYTES) throw new StorageError("bad-snapshot", file, `header length ${len} is not plausible`);
  return len;
}

function isIdList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x));
}

export function parseHeader(json: Uint8Array, file: string): SnapshotHeader {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString("utf8"));
  } catch (err) {
    throw new StorageError("bad-snapshot", file, `header is not valid JSON: ${(err as Error).message}`);
  }
  const o = v as Record<string, unknown>;
  const conf = o.conf as Record<string, unknown> | undefined;
  const ok =
    typeof o === "object" && o !== null && Number.isSafeInteger(o.clusterId) && Number.isSafeInteger(o.nodeId) &&
    Number.isSafeInteger(o.index) && Number.isSafeInteger(o.term) && typeof o.metadata === "string" &&
    typeof o.created === "string" && conf !== undefined && isIdList(conf.voters) && isIdList(conf.learners);
  if (!ok) throw new StorageError("bad-snapshot", file, "header is missing fields (clusterId, nodeId, index, term, conf, metadata, created)");
  return {
    clusterId: o.clusterId as number,
    nodeId: o.nodeId as number,
    index: o.index as number,
    term: o.term as number,
    conf: { voters: conf!.voters as number[], learners: conf!.learners as number[] },
    metadata: new Uint8Array(Buffer.from(o.metadata as string, "base64")),
    created: o.created as string,
  };
}

export function encodeTrailer(contentLength: number, sha256: Uint8Array): Uint8Array {
  const out = Buffer.alloc(TRAILER_BYTES);
  out.writeBigUInt64BE(BigInt(contentLength), 0);
  Buffer.from(sha256).copy(out, 8);
  return out;
}

export function parseTrailer(b: Uint8Array): { contentLength: number; sha256: Buffer } {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return { contentLength: Number(buf.readBigUInt64BE(0)), sha256: Buffer.from(buf.subarray(8, 40)) };
}

/** `snap-<index>-<term>.snap`, zero-padded so names sort by index. */
export function snapshotFileName(index: number, term: number): string {
  return `snap-${String(index).padStart(16, "0")}-${String(term).padStart(16, "0")}.snap`;
}

export const SNAPSHOT_NAME_RE = /^snap-(\d{16})-(\d{16})\.snap$/;
