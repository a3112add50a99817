// A follower forwards client writes to the leader's etcd v3 client port: the leader validates,
// replicates and applies them, and its answer is relayed unchanged (the API layer re-stamps the
// header with this member's id). Using the public API keeps the wire contract single: a
// forwarded write is exactly what the client would have sent the leader itself.
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { etcdserverpb } from "../gen/etcd.js";
import { EtcdError, Errors, type StatusCode } from "../kv/errors.ts";
import type { InternalRequest, WriteResponse } from "../kv/types.ts";

interface Codec<T> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
}

const toBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** The leader could not be reached at all: the request never left this member, so sending it
 *  again (to the next leader) cannot apply it twice. */
export class LeaderUnreachable extends Error {}

export class LeaderForwarder {
  private readonly clients = new Map<string, grpc.Client>();

  constructor(private readonly timeoutMs: number) {}

  private client(address: string): grpc.Client {
    let c = this.clients.get(address);
    if (c === undefined) {
      c = new grpc.Client(address, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": -1,
        "grpc.initial_reconnect_backoff_ms": 100,
        "grpc.max_reconnect_backoff_ms": 1000,
      });
      this.clients.set(address, c);
    }
    return c;
  }

  private call<Req, Res>(address: string, method: string, req: Req, reqCodec: Codec<Req>, resCodec: Codec<Res>): Promise<Res> {
    return new Promise((resolve, reject) => {
      this.client(address).makeUnaryRequest(
        `/etcdserverpb.KV/${method}`,
        (m: Req) => toBuffer(reqCodec.encode(m).finish()),
        (b: Buffer) => resCodec.decode(b),
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + this.timeoutMs },
        (err, res) => {
          if (err) {
            if (err.code === grpc.status.DEADLINE_EXCEEDED) reject(Errors.timeout());
            else if (err.code === grpc.status.UNAVAILABLE && !err.details.startsWith("etcdserver:")) {
              // Only a connection never established proves the leader did not get the request;
              // a connection lost mid-call leaves the outcome unknown (etcd's "timed out").
              reject(/No connection established|ECONNREFUSED/.test(err.details) ? new LeaderUnreachable(err.details) : Errors.timeout());
            } else reject(new EtcdError(err.code as StatusCode, err.details));
          } else resolve(res!);
        },
      );
    });
  }

  async forward(address: string, req: InternalRequest): Promise<WriteResponse> {
    const pb = etcdserverpb;
    if (req.put) {
      const r = await this.call(address, "Put", req.put, pb.PutRequest, pb.PutResponse);
      return { op: "put", put: { header: { revision: r.header?.revision ?? 0 }, ...(r.prevKv ? { prevKv: r.prevKv as never } : {}) } };
    }
    if (req.deleteRange) {
      const r = await this.call(address, "DeleteRange", req.deleteRange, pb.DeleteRangeRequest, pb.DeleteRangeResponse);
      return { op: "deleteRange", deleteRange: { header: { revision: r.header?.revision ?? 0 }, deleted: r.deleted ?? 0, prevKvs: r.prevKvs as never } };
    }
    if (req.txn) {
      const r = await this.call(address, "Txn", req.txn, pb.TxnRequest, pb.TxnResponse);
      return { op: "txn", txn: { header: { revision: r.header?.revision ?? 0 }, succeeded: r.succeeded ?? false, responses: r.responses as never } };
    }
    if (req.compaction) {
      const r = await this.call(address, "Compact", req.compaction, pb.CompactionRequest, pb.CompactionResponse);
      return { op: "compaction", compaction: { header: { revision: r.header?.revision ?? 0 } } };
    }
    throw new EtcdError(3, "trireme: empty write request");
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
