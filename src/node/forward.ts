// A follower asks the leader about leases (`trireme.Forward/Lease` on the leader's client port).
// Writes no longer come this way: they travel as peer messages on the data plane (forward-peer.ts).
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { triremekv } from "../gen/etcd.js";
import type { ServiceDefinition } from "../grpc/types.ts";
import { EtcdError, Errors, StatusCode } from "../kv/errors.ts";

const toBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

type LeaseQuery = triremekv.LeaseQuery.$Properties;
type LeaseAnswer = triremekv.LeaseAnswer.$Properties;

export const forwardService = {
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
} satisfies ServiceDefinition;

/** The leader could not be reached at all: the writes never left this member, so sending them
 *  again (to the next leader) cannot apply them twice. */
export class LeaderUnreachable extends Error {}

export class LeaderForwarder {
  private readonly clients = new Map<string, grpc.Client>();

  constructor(private readonly timeoutMs: number, private readonly clusterId: number) {}

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
