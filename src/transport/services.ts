// The three planes' gRPC methods over the static protobufjs codecs (no .proto at run time), in the
// definition shape our server takes (and grpc-js, which tests use as a reference client).
// The paths match the services declared in proto/raft.proto.
import { Buffer } from "node:buffer";
import type { MethodDefinition, ServiceDefinition } from "../grpc/types.ts";
import { pb, wireSize, type PbAck, type PbChunk, type PbEnvelope } from "./codec.ts";
import { decodeEnvelope as decodeEnvelopeBytes, encodeEnvelope as encodeEnvelopeBytes } from "./wire.ts";

const toBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

export const encodeEnvelope = (m: PbEnvelope): Buffer => encodeEnvelopeBytes(m);
export const encodeChunk = (m: PbChunk): Buffer => toBuffer(pb.SnapshotChunk.encode(m).finish());
export const encodeAck = (m: PbAck): Buffer => toBuffer(pb.Ack.encode(m).finish());
export const decodeAck = (b: Uint8Array): PbAck => pb.Ack.decode(b);

const decodeEnvelope = (b: Buffer): PbEnvelope => {
  const m = decodeEnvelopeBytes(b);
  wireSize.set(m, b.length);
  return m;
};
const decodeChunk = (b: Buffer): PbChunk => pb.SnapshotChunk.decode(b);

export const CONTROL_SEND = "/trireme.raft.RaftControl/Send";
export const CONTROL_STREAM = "/trireme.raft.RaftControl/Stream";
export const DATA_APPEND = "/trireme.raft.RaftData/Append";
export const BULK_INSTALL = "/trireme.raft.RaftBulk/InstallSnapshot";

/** A method whose requests are envelopes and whose responses are acks (the control and data planes). */
const envelopeMethod = (path: string, streams: Pick<MethodDefinition<PbEnvelope, PbAck>, "requestStream" | "responseStream">): MethodDefinition<PbEnvelope, PbAck> => ({
  path,
  ...streams,
  requestSerialize: encodeEnvelope,
  requestDeserialize: decodeEnvelope,
  responseSerialize: encodeAck,
  responseDeserialize: decodeAck,
});

export const controlService = {
  Send: envelopeMethod(CONTROL_SEND, { requestStream: false, responseStream: false }),
  Stream: envelopeMethod(CONTROL_STREAM, { requestStream: true, responseStream: true }),
} satisfies ServiceDefinition;

export const dataService = {
  Append: envelopeMethod(DATA_APPEND, { requestStream: true, responseStream: true }),
} satisfies ServiceDefinition;

export const bulkService = {
  InstallSnapshot: {
    path: BULK_INSTALL,
    requestStream: true,
    responseStream: false,
    requestSerialize: encodeChunk,
    requestDeserialize: decodeChunk,
    responseSerialize: encodeAck,
    responseDeserialize: decodeAck,
  },
} satisfies ServiceDefinition;
