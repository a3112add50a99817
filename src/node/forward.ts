// A follower asks the leader about leases (`trireme.Forward/Lease` on the leader's client port).
// Writes no longer come this way: they travel as peer messages on the data plane (forward-peer.ts).
import { Buffer } from "node:buffer";
import { triremekv } from "../gen/etcd.js";
import { GrpcCallError } from "../grpc/client-call.ts";
import { GrpcClientPool } from "../grpc/pool.ts";
import { GrpcStatus } from "../grpc/status.ts";
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
  private readonly pool = new GrpcClientPool();

  constructor(private readonly timeoutMs: number, private readonly clusterId: number) {}

  /** Asks the leader at `address` about a lease (renew: a keep-alive). Not batched: keep-alives
   *  are rare next to writes. Rejects with LeaderUnreachable when the call failed in transport
   *  (a renewal is idempotent, so the caller may ask the next leader), else with EtcdError. */
  async lease(address: string, id: number, renew: boolean): Promise<number> {
    const req: LeaseQuery = { clusterId: this.clusterId, ID: id, renew };
    try {
      const res = await this.pool.unary(address, forwardService.Lease, req, this.timeoutMs);
      return (res as LeaseAnswer).TTL ?? 0;
    } catch (err) {
      // Renewals are idempotent: any transport failure may be retried at the next leader.
      if (err instanceof GrpcCallError && err.code === GrpcStatus.UNAVAILABLE && !err.details.startsWith("etcdserver:")) {
        throw new LeaderUnreachable(err.details);
      }
      throw callError(err);
    }
  }

  close(): void {
    this.pool.close();
  }
}

function callError(err: unknown): Error {
  if (!(err instanceof GrpcCallError)) return err instanceof Error ? err : new Error(String(err));
  if (err.code === GrpcStatus.DEADLINE_EXCEEDED) return Errors.timeout();
  return new EtcdError(err.code as StatusCode, err.details);
}
