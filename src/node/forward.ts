// A follower forwards client writes to the leader. All writes that arrive in one event-loop turn
// travel in ONE call (`trireme.Forward/Writes` on the leader's client port) as the encoded
// entries the leader will propose; one call per write cost more CPU in grpc-js than the whole
// Raft round and capped forwarded throughput at about half of the leader's own (measured).
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { triremekv } from "../gen/etcd.js";
import { decodeInternalRequest } from "../kv/codec.ts";
import { EtcdError, Errors, StatusCode } from "../kv/errors.ts";
import type { WriteResponse } from "../kv/types.ts";

const toBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

type ForwardRequest = triremekv.ForwardRequest.$Properties;
type ForwardResponse = triremekv.ForwardResponse.$Properties;
type ForwardResult = triremekv.ForwardResult.$Properties;
type LeaseQuery = triremekv.LeaseQuery.$Properties;
type LeaseAnswer = triremekv.LeaseAnswer.$Properties;

export const forwardService: grpc.ServiceDefinition = {
  Writes: {
    path: "/trireme.Forward/Writes",
    requestStream: false,
    responseStream: false,
    requestSerialize: (m: ForwardRequest) => toBuffer(triremekv.ForwardRequest.encode(m).finish()),
    requestDeserialize: (b: Buffer) => triremekv.ForwardRequest.decode(b),
    responseSerialize: (m: ForwardResponse) => toBuffer(triremekv.ForwardResponse.encode(m).finish()),
    responseDeserialize: (b: Buffer) => triremekv.ForwardResponse.decode(b),
    originalName: "writes",
  },
  // A keep-alive or remaining-TTL question about a lease, for the leader's lessor (lessor.ts).
  Lease: {
    path: "/trireme.Forward/Lease",
    requestStream: false,
    responseStream: false,
    requestSerialize: (m: LeaseQuery) => toBuffer(triremekv.LeaseQuery.encode(m).finish()),
    requestDeserialize: (b: Buffer) => triremekv.LeaseQuery.decode(b),
    responseSerialize: (m: LeaseAnswer) => toBuffer(triremekv.LeaseAnswer.encode(m).finish()),
    responseDeserialize: (b: Buffer) => triremekv.LeaseAnswer.decode(b),
    originalName: "lease",
  },
};

/** The leader's end of write forwarding: every write of the batch is proposed with the writes
 *  of this turn (`writeEntry`), and the answers go back in order. */
export function forwardedWritesHandler(
  clusterId: number,
  writeEntry: (data: Uint8Array) => Promise<WriteResponse>,
): grpc.handleUnaryCall<triremekv.ForwardRequest, ForwardResponse> {
  return (call, callback) => {
    const req = call.request;
    if (req.clusterId !== clusterId) {
      callback({ code: grpc.status.FAILED_PRECONDITION, details: `trireme: forwarded writes from cluster ${req.clusterId}, this is cluster ${clusterId}` });
      return;
    }
    const results = req.requests.map((data, i) => {
      try {
        decodeInternalRequest(data); // a peer must not be able to make the log hold garbage
      } catch (err) {
        return Promise.resolve(errorResult(new EtcdError(StatusCode.INVALID_ARGUMENT, `trireme: forwarded write ${i}: ${(err as Error).message}`)));
      }
      return writeEntry(data).then(toForwardResult, errorResult);
    });
    Promise.all(results).then((r) => callback(null, { results: r }));
  };
}

/** The leader could not be reached at all: the writes never left this member, so sending them
 *  again (to the next leader) cannot apply them twice. */
export class LeaderUnreachable extends Error {}

export function toForwardResult(r: WriteResponse): ForwardResult {
  switch (r.op) {
    case "put":
      return { put: r.put };
    case "deleteRange":
      return { deleteRange: r.deleteRange };
    case "txn":
      return { txn: r.txn as never };
    case "compaction":
      return { compaction: r.compaction };
    case "leaseGrant":
      return { leaseGrant: r.leaseGrant };
    case "leaseRevoke":
      return { leaseRevoke: r.leaseRevoke };
  }
}

export function errorResult(err: unknown): ForwardResult {
  if (err instanceof EtcdError) return { errorCode: err.code, errorMessage: err.message };
  return { errorCode: StatusCode.UNAVAILABLE, errorMessage: `trireme: ${(err as Error).message}` };
}

function fromForwardResult(r: ForwardResult): WriteResponse {
  if (r.errorCode) throw new EtcdError(r.errorCode as StatusCode, r.errorMessage ?? "");
  const header = (h: { revision?: number | null } | null | undefined) => ({ revision: h?.revision ?? 0 });
  if (r.put) return { op: "put", put: { header: header(r.put.header), ...(r.put.prevKv ? { prevKv: r.put.prevKv as never } : {}) } };
  if (r.deleteRange) {
    return { op: "deleteRange", deleteRange: { header: header(r.deleteRange.header), deleted: r.deleteRange.deleted ?? 0, prevKvs: (r.deleteRange.prevKvs ?? []) as never } };
  }
  if (r.txn) return { op: "txn", txn: { header: header(r.txn.header), succeeded: r.txn.succeeded ?? false, responses: (r.txn.responses ?? []) as never } };
  if (r.compaction) return { op: "compaction", compaction: { header: header(r.compaction.header) } };
  if (r.leaseGrant) return { op: "leaseGrant", leaseGrant: { header: header(r.leaseGrant.header), ID: r.leaseGrant.ID ?? 0, TTL: r.leaseGrant.TTL ?? 0 } };
  if (r.leaseRevoke) return { op: "leaseRevoke", leaseRevoke: { header: header(r.leaseRevoke.header) } };
  throw new EtcdError(StatusCode.UNAVAILABLE, "trireme: the leader answered a forwarded write with nothing");
}

interface Waiting {
  data: Uint8Array;
  resolve(r: WriteResponse): void;
  reject(e: Error): void;
}

/** Calls in flight per leader before further writes wait and go out together in the next one:
 *  a lone write leaves at once (no added latency), a crowd shares calls. */
const MAX_CALLS_IN_FLIGHT = 4;

export class LeaderForwarder {
  private readonly clients = new Map<string, grpc.Client>();
  private readonly pending = new Map<string, Waiting[]>();
  private readonly inFlight = new Map<string, number>();
  private scheduled = false;

  /** `maxBatchBytes`: a call stays under the leader's request size limit. */
  constructor(private readonly timeoutMs: number, private readonly clusterId: number, private readonly maxBatchBytes: number) {}

  forward(address: string, data: Uint8Array): Promise<WriteResponse> {
    return new Promise((resolve, reject) => {
      let list = this.pending.get(address);
      if (list === undefined) this.pending.set(address, (list = []));
      list.push({ data, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // Writes handed over in the same turn (one gRPC read can carry many) share a call.
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    for (const [address, list] of this.pending) {
      if ((this.inFlight.get(address) ?? 0) >= MAX_CALLS_IN_FLIGHT) continue; // sent when one returns
      this.pending.delete(address);
      let batch: Waiting[] = [];
      let bytes = 0;
      for (const w of list) {
        if (batch.length > 0 && bytes + w.data.length > this.maxBatchBytes) {
          this.send(address, batch);
          batch = [];
          bytes = 0;
        }
        batch.push(w);
        bytes += w.data.length + 8;
      }
      if (batch.length > 0) this.send(address, batch);
    }
  }

  private client(address: string): grpc.Client {
    let c = this.clients.get(address);
    if (c === undefined) {
      c = new grpc.Client(address, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": -1,
        "grpc.max_send_message_length": -1,
        "grpc.initial_reconnect_backoff_ms": 100,
        "grpc.max_reconnect_backoff_ms": 1000,
      });
      this.clients.set(address, c);
    }
    return c;
  }

  private send(address: string, batch: Waiting[]): void {
    const req: ForwardRequest = { clusterId: this.clusterId, requests: batch.map((w) => w.data) };
    this.inFlight.set(address, (this.inFlight.get(address) ?? 0) + 1);
    this.client(address).makeUnaryRequest(
      forwardService.Writes.path,
      forwardService.Writes.requestSerialize,
      forwardService.Writes.responseDeserialize,
      req,
      new grpc.Metadata(),
      { deadline: Date.now() + this.timeoutMs },
      (err, res) => {
        this.inFlight.set(address, this.inFlight.get(address)! - 1);
        if (this.pending.has(address)) this.flush();
        if (err) {
          const e = callError(err);
          for (const w of batch) w.reject(e);
          return;
        }
        const results = (res as ForwardResponse).results ?? [];
        batch.forEach((w, i) => {
          try {
            w.resolve(fromForwardResult(results[i] ?? {}));
          } catch (e) {
            w.reject(e as Error);
          }
        });
      },
    );
  }

  /** Asks the leader at `address` about a lease (renew: a keep-alive). Not batched: keep-alives
   *  are rare next to writes. Rejects with LeaderUnreachable when the call failed in transport
   *  (a renewal is idempotent, so the caller may ask the next leader), else with EtcdError. */
  lease(address: string, id: number, renew: boolean): Promise<number> {
    const req: LeaseQuery = { clusterId: this.clusterId, ID: id, renew };
    return new Promise((resolve, reject) => {
      this.client(address).makeUnaryRequest(
        forwardService.Lease.path,
        forwardService.Lease.requestSerialize,
        forwardService.Lease.responseDeserialize,
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + this.timeoutMs },
        (err, res) => {
          if (!err) resolve((res as LeaseAnswer).TTL ?? 0);
          else if (err.code === grpc.status.UNAVAILABLE && !err.details.startsWith("etcdserver:")) reject(new LeaderUnreachable(err.details));
          else reject(callError(err));
        },
      );
    });
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

function callError(err: grpc.ServiceError): Error {
  if (err.code === grpc.status.DEADLINE_EXCEEDED) return Errors.timeout();
  if (err.code === grpc.status.UNAVAILABLE && !err.details.startsWith("etcdserver:")) {
    // Only a connection never established proves the leader did not get the writes; a
    // connection lost mid-call leaves the outcome unknown (etcd's "request timed out").
    return /No connection established|ECONNREFUSED/.test(err.details) ? new LeaderUnreachable(err.details) : Errors.timeout();
  }
  return new EtcdError(err.code as StatusCode, err.details);
}
