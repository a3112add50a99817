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
// The generated classes' static encode/decode, typed loosely enough to take plain objects.
export const c = <T>(type: { encode(m: T): Writer; decode(b: Uint8Array): T }): Codec<T> => type;

/** `def` with its responses written by a hand-made encoder (response-wire.ts). */
const framedBy = <Req, Res>(def: MethodDefinition<Req, Res>, frame: (r: Res) => Uint8Array): MethodDefinition<Req, Res> => ({ ...def, responseFrame: frame });

export const KVService = {
  Range: framedBy(method("KV", "Range", c<pb.RangeRequest.$Properties>(pb.RangeRequest), c<pb.RangeResponse.$Properties>(pb.RangeResponse)), frameRangeResponse),
  Put: framedBy(method("KV", "Put", c<pb.PutRequest.$Properties>(pb.PutRequest), c<pb.PutResponse.$Properties>(pb.PutResponse)), framePutResponse),
  DeleteRange: framedBy(
    method("KV", "DeleteRange", c<pb.DeleteRangeRequest.$Properties>(pb.DeleteRangeRequest), c<pb.DeleteRangeResponse.$Properties>(pb.DeleteRangeResponse)),
    frameDeleteRangeResponse,
  ),
  Txn: method("KV", "Txn", c<pb.TxnRequest.$Properties>(pb.TxnRequest), c<pb.TxnResponse.$Properties>(pb.TxnResponse)),
  Compact: method("KV", "Compact", c<pb.CompactionRequest.$Properties>(pb.CompactionRequest), c<pb.CompactionResponse.$Properties>(pb.CompactionResponse)),
};

export const MaintenanceService = {
  Alarm: method("Maintenance", "Alarm", c<pb.AlarmRequest.$Properties>(pb.AlarmRequest), c<pb.AlarmResponse.$Properties>(pb.AlarmResponse)),
  Status: method("Maintenance", "Status", c<pb.StatusRequest.$Properties>(pb.StatusRequest), c<pb.StatusResponse.$Properties>(pb.StatusResponse)),
  Hash: method("Maintenance", "Hash", c<pb.HashRequest.$Properties>(pb.HashRequest), c<pb.HashResponse.$Properties>(pb.HashResponse)),
  HashKV: method("Maintenance", "HashKV", c<pb.HashKVRequest.$Properties>(pb.HashKVRequest), c<pb.HashKVResponse.$Properties>(pb.HashKVResponse)),
  Defragment: method(
    "Maintenance",
    "Defragment",
    c<pb.DefragmentRequest.$Properties>(pb.DefragmentRequest),
    c<pb.DefragmentResponse.$Properties>(pb.DefragmentResponse),
  ),
  Snapshot: serverStreamMethod(
    "Maintenance",
    "Snapshot",
    c<pb.SnapshotRequest.$Properties>(pb.SnapshotRequest),
    c<pb.SnapshotResponse.$Properties>(pb.SnapshotResponse),
  ),
  MoveLeader: method(
    "Maintenance",
    "MoveLeader",
    c<pb.MoveLeaderRequest.$Properties>(pb.MoveLeaderRequest),
    c<pb.MoveLeaderResponse.$Properties>(pb.MoveLeaderResponse),
  ),
};

export const ClusterService = {
  MemberAdd: method("Cluster", "MemberAdd", c<pb.MemberAddRequest.$Properties>(pb.MemberAddRequest), c<pb.MemberAddResponse.$Properties>(pb.MemberAddResponse)),
  MemberRemove: method("Cluster", "MemberRemove", c<pb.MemberRemoveRequest.$Properties>(pb.MemberRemoveRequest), c<pb.MemberRemoveResponse.$Properties>(pb.MemberRemoveResponse)),
  MemberUpdate: method("Cluster", "MemberUpdate", c<pb.MemberUpdateRequest.$Properties>(pb.MemberUpdateRequest), c<pb.MemberUpdateResponse.$Properties>(pb.MemberUpdateResponse)),
  MemberList: method("Cluster", "MemberList", c<pb.MemberListRequest.$Properties>(pb.MemberListRequest), c<pb.MemberListResponse.$Properties>(pb.MemberListResponse)),
  MemberPromote: method("Cluster", "MemberPromote", c<pb.MemberPromoteRequest.$Properties>(pb.MemberPromoteRequest), c<pb.MemberPromoteResponse.$Properties>(pb.MemberPromoteResponse)),
};
