// Hand-written service definitions (grpc-js's shape, served by src/grpc) for the etcd v3 subset we serve: etcd's method
// paths, the static protobufjs codecs from src/gen/etcd.js, nothing loaded at run time.
// Requests are decoded into `Decoded<T>` so that a malformed message becomes an
// INVALID_ARGUMENT answer (not a dropped call) and the handler knows the wire size (etcd's
// max-request-bytes check).
import type { MethodDefinition } from "../grpc/types.ts";
import { Buffer } from "node:buffer";
import { etcdserverpb } from "../gen/etcd.js";
import { frameDeleteRangeResponse, framePutResponse, frameRangeResponse } from "./response-wire.ts";

interface Writer {
  finish(): Uint8Array;
}
export interface Codec<T> {
  encode(message: T): Writer;
  decode(bytes: Uint8Array): T;
}

export type Decoded<T> = { ok: true; msg: T; size: number } | { ok: false; size: number; error: string };

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** A unary method; `bidiMethod` is the same with a stream each way (Watch, LeaseKeepAlive),
 *  `serverStreamMethod` with a stream of responses only (Maintenance.Snapshot). */
export function method<Req, Res>(
  service: string,
  name: string,
  req: Codec<Req>,
  res: Codec<Res>,
  streams: boolean | "responses" = false,
): MethodDefinition<Decoded<Req>, Res> {
  return {
    path: `/etcdserverpb.${service}/${name}`,
    requestStream: streams === true,
    responseStream: streams !== false,
    requestSerialize: (d) => {
      if (!d.ok) throw new Error(`${name}: cannot send an undecodable request`);
      return toBuffer(req.encode(d.msg).finish());
    },
    requestDeserialize: (buf) => {
      try {
        return { ok: true, msg: req.decode(buf), size: buf.length };
      } catch (err) {
        return { ok: false, size: buf.length, error: (err as Error).message };
      }
    },
    responseSerialize: (m) => toBuffer(res.encode(m).finish()),
    responseDeserialize: (buf) => res.decode(buf),
    originalName: name[0].toLowerCase() + name.slice(1),
  };
}

export function bidiMethod<Req, Res>(service: string, name: string, req: Codec<Req>, res: Codec<Res>): MethodDefinition<Decoded<Req>, Res> {
  return method(service, name, req, res, true);
}

export function serverStreamMethod<Req, Res>(service: string, name: string, req: Codec<Req>, res: Codec<Res>): MethodDefinition<Decoded<Req>, Res> {
  return method(service, name, req, res, "responses");
}

import pb = etcdserverpb;
// The generated classes' static encode/decode, typed loosely enough to take plain objects: the
// message type is what `encode` takes (`$Properties`), not the class instance `decode` makes.
export const c = <T>(type: { encode(m: T): Writer; decode(b: Uint8Array): NoInfer<T> }): Codec<T> => type;

/** A generated message class, as far as its static codec goes. */
type MessageClass = { encode(message: never): Writer; decode(bytes: Uint8Array): unknown };
type MessageOf<C> = C extends { encode(message: infer T, ...rest: never[]): Writer } ? T : never;
type UnaryMethods<M extends Record<string, readonly [MessageClass, MessageClass]>> = {
  [K in keyof M]: MethodDefinition<Decoded<MessageOf<M[K][0]>>, MessageOf<M[K][1]>>;
};

/** `service`'s unary methods, each named by its key and given as [request class, response class]. */
export function unaryMethods<M extends Record<string, readonly [MessageClass, MessageClass]>>(service: string, classes: M): UnaryMethods<M> {
  const defs = Object.entries(classes).map(([name, [req, res]]) => [name, method(service, name, req as Codec<unknown>, res as Codec<unknown>)]);
  return Object.fromEntries(defs) as UnaryMethods<M>;
}

/** `def` with its responses written by a hand-made encoder (response-wire.ts). */
const framedBy = <Req, Res>(def: MethodDefinition<Req, Res>, frame: (r: Res) => Uint8Array): MethodDefinition<Req, Res> => ({ ...def, responseFrame: frame });

const kv = unaryMethods("KV", {
  Range: [pb.RangeRequest, pb.RangeResponse],
  Put: [pb.PutRequest, pb.PutResponse],
  DeleteRange: [pb.DeleteRangeRequest, pb.DeleteRangeResponse],
  Txn: [pb.TxnRequest, pb.TxnResponse],
  Compact: [pb.CompactionRequest, pb.CompactionResponse],
});
export const KVService = {
  ...kv,
  Range: framedBy(kv.Range, frameRangeResponse),
  Put: framedBy(kv.Put, framePutResponse),
  DeleteRange: framedBy(kv.DeleteRange, frameDeleteRangeResponse),
};

export const MaintenanceService = {
  ...unaryMethods("Maintenance", {
    Alarm: [pb.AlarmRequest, pb.AlarmResponse],
    Status: [pb.StatusRequest, pb.StatusResponse],
    Hash: [pb.HashRequest, pb.HashResponse],
    HashKV: [pb.HashKVRequest, pb.HashKVResponse],
    Defragment: [pb.DefragmentRequest, pb.DefragmentResponse],
    MoveLeader: [pb.MoveLeaderRequest, pb.MoveLeaderResponse],
  }),
  Snapshot: serverStreamMethod("Maintenance", "Snapshot", c(pb.SnapshotRequest), c(pb.SnapshotResponse)),
};

export const ClusterService = unaryMethods("Cluster", {
  MemberAdd: [pb.MemberAddRequest, pb.MemberAddResponse],
  MemberRemove: [pb.MemberRemoveRequest, pb.MemberRemoveResponse],
  MemberUpdate: [pb.MemberUpdateRequest, pb.MemberUpdateResponse],
  MemberList: [pb.MemberListRequest, pb.MemberListResponse],
  MemberPromote: [pb.MemberPromoteRequest, pb.MemberPromoteResponse],
});
