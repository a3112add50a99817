// Hand-written grpc-js ServiceDefinitions over the static protobufjs codecs (no .proto at run time).
// The paths match the services declared in proto/raft.proto.
import * as grpc from "@grpc/grpc-js";
import { pb, wireSize, type PbAck, type PbChunk, type PbEnvelope } from "./codec.ts";

const ser = {
  envelope: (m: PbEnvelope) => Buffer.from(pb.Envelope.encode(m).finish()),
  ack: (m: PbAck) => Buffer.from(pb.Ack.encode(m).finish()),
  chunk: (m: PbChunk) => Buffer.from(pb.SnapshotChunk.encode(m).finish()),
};
const de = {
  envelope: (b: Buffer): PbEnvelope => {
    const m = pb.Envelope.decode(b);
    wireSize.set(m, b.length);
    return m;
  },
  ack: (b: Buffer): PbAck => pb.Ack.decode(b),
  chunk: (b: Buffer): PbChunk => pb.SnapshotChunk.decode(b),
};

export const controlService = {
  Send: {
    path: "/trireme.raft.RaftControl/Send",
    requestStream: false,
    responseStream: false,
    requestSerialize: ser.envelope,
    requestDeserialize: de.envelope,
    responseSerialize: ser.ack,
    responseDeserialize: de.ack,
  },
} satisfies grpc.ServiceDefinition;

export const dataService = {
  Append: {
    path: "/trireme.raft.RaftData/Append",
    requestStream: true,
    responseStream: true,
    requestSerialize: ser.envelope,
    requestDeserialize: de.envelope,
    responseSerialize: ser.ack,
    responseDeserialize: de.ack,
  },
} satisfies grpc.ServiceDefinition;

export const bulkService = {
  InstallSnapshot: {
    path: "/trireme.raft.RaftBulk/InstallSnapshot",
    requestStream: true,
    responseStream: false,
    requestSerialize: ser.chunk,
    requestDeserialize: de.chunk,
    responseSerialize: ser.ack,
    responseDeserialize: de.ack,
  },
} satisfies grpc.ServiceDefinition;

/** Clients send bytes the transport encoded itself: it knows each request's exact wire size (for
 *  the byte counters and the size check) without encoding twice. */
const raw = (b: Buffer) => b;
const clientControl = { Send: { ...controlService.Send, requestSerialize: raw } };
const clientData = { Append: { ...dataService.Append, requestSerialize: raw } };
const clientBulk = { InstallSnapshot: { ...bulkService.InstallSnapshot, requestSerialize: raw } };

/** Typed views of the generic clients (makeGenericClientConstructor returns untyped methods). */
export interface ControlClient extends grpc.Client {
  Send(req: Buffer, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<PbAck>): grpc.ClientUnaryCall;
}
export interface DataClient extends grpc.Client {
  Append(md: grpc.Metadata, opts: grpc.CallOptions): grpc.ClientDuplexStream<Buffer, PbAck>;
}
export interface BulkClient extends grpc.Client {
  InstallSnapshot(md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<PbAck>): grpc.ClientWritableStream<Buffer>;
}

type Ctor<T> = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => T;

export const ControlClientCtor = grpc.makeGenericClientConstructor(clientControl, "RaftControl") as unknown as Ctor<ControlClient>;
export const DataClientCtor = grpc.makeGenericClientConstructor(clientData, "RaftData") as unknown as Ctor<DataClient>;
export const BulkClientCtor = grpc.makeGenericClientConstructor(clientBulk, "RaftBulk") as unknown as Ctor<BulkClient>;

export const encodeEnvelope = (m: PbEnvelope): Buffer => Buffer.from(pb.Envelope.encode(m).finish());
export const encodeChunk = (m: PbChunk): Buffer => Buffer.from(pb.SnapshotChunk.encode(m).finish());
