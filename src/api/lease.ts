// etcd's Lease service (server/etcdserver/api/v3rpc/lease.go): LeaseGrant and LeaseRevoke are
// replicated writes; LeaseKeepAlive and the remaining TTL of LeaseTimeToLive are answered by the
// primary (the leader keeps the deadlines, followers ask it: KvBackend.leases); LeaseLeases
// and the granted TTL / keys of LeaseTimeToLive come from the local store after a read barrier.
import type { StreamHandler } from "../grpc/types.ts";
import { GrpcStatus, type StatusObject } from "../grpc/status.ts";
import { etcdserverpb } from "../gen/etcd.js";
import { EtcdError, Errors, StatusCode } from "../kv/errors.ts";
import { checkLeaseGrant, randomLeaseId } from "../kv/lease.ts";
import type { WriteResponse } from "../kv/types.ts";
import type { KvBackend, LeaseBackend } from "./backend.ts";
import { bidiMethod, c, type Decoded, unaryMethods } from "./services.ts";

import pb = etcdserverpb;
type KeepAliveRequest = pb.LeaseKeepAliveRequest.$Properties;
type KeepAliveResponse = pb.LeaseKeepAliveResponse.$Properties;
type WireHeader = pb.ResponseHeader.$Properties;

export const LeaseService = {
  ...unaryMethods("Lease", {
    LeaseGrant: [pb.LeaseGrantRequest, pb.LeaseGrantResponse],
    LeaseRevoke: [pb.LeaseRevokeRequest, pb.LeaseRevokeResponse],
    LeaseTimeToLive: [pb.LeaseTimeToLiveRequest, pb.LeaseTimeToLiveResponse],
    LeaseLeases: [pb.LeaseLeasesRequest, pb.LeaseLeasesResponse],
  }),
  LeaseKeepAlive: bidiMethod("Lease", "LeaseKeepAlive", c<KeepAliveRequest>(pb.LeaseKeepAliveRequest), c<KeepAliveResponse>(pb.LeaseKeepAliveResponse)),
};

function expectOp<K extends WriteResponse["op"]>(r: WriteResponse, op: K): Extract<WriteResponse, { op: K }> {
  if (r.op !== op) throw new Error(`backend answered a ${op} request with a ${r.op} response`);
  return r as Extract<WriteResponse, { op: K }>;
}

const toStatus = (err: unknown): StatusObject =>
  err instanceof EtcdError ? { code: err.code, details: err.message } : { code: GrpcStatus.UNKNOWN, details: (err as Error).message };

/** The Lease handlers over a backend; `header(revision)` fills the cluster part. */
export class LeaseApi {
  readonly #open = new Set<() => void>();

  constructor(private readonly backend: KvBackend, private readonly header: (revision: number) => WireHeader) {}

  #leases(): LeaseBackend {
    const l = this.backend.leases;
    if (l === undefined) throw new EtcdError(StatusCode.UNIMPLEMENTED, "trireme: leases are not supported by this backend");
    return l;
  }

  /** ID 0: this member picks a random id below 2^53; a TTL under the minimum is raised to it. */
  grant(req: pb.LeaseGrantRequest.$Properties): Promise<pb.LeaseGrantResponse.$Properties> {
    const leases = this.#leases();
    const asked = req.ID ?? 0;
    checkLeaseGrant(asked, req.TTL ?? 0);
    const ID = asked === 0 ? randomLeaseId() : asked;
    const TTL = Math.max(req.TTL ?? 0, leases.minTtl);
    return this.backend.write({ leaseGrant: { ID, TTL } }).then((r) => {
      const g = expectOp(r, "leaseGrant").leaseGrant;
      return { header: this.header(g.header.revision), ID: g.ID, TTL: g.TTL };
    });
  }

  revoke(req: pb.LeaseRevokeRequest.$Properties): Promise<pb.LeaseRevokeResponse.$Properties> {
    this.#leases();
    return this.backend.write({ leaseRevoke: { ID: req.ID ?? 0 } }).then((r) => ({
      header: this.header(expectOp(r, "leaseRevoke").leaseRevoke.header.revision),
    }));
  }

  /** Remaining TTL from the primary; granted TTL and keys from this member's applied state. An
   *  unknown lease is answered TTL -1, as etcd does (etcdctl prints "already expired"). */
  async timeToLive(req: pb.LeaseTimeToLiveRequest.$Properties): Promise<pb.LeaseTimeToLiveResponse.$Properties> {
    const ID = req.ID ?? 0;
    const remaining = await this.#leases().remaining(ID);
    await this.backend.readBarrier();
    const store = this.backend.store;
    const l = store.lease(ID, req.keys === true);
    if (remaining < 0 || l === undefined) return { header: this.header(store.revision), ID, TTL: -1 };
    return { header: this.header(store.revision), ID, TTL: remaining, grantedTTL: l.ttl, keys: l.keys };
  }

  async list(): Promise<pb.LeaseLeasesResponse.$Properties> {
    this.#leases();
    await this.backend.readBarrier();
    const store = this.backend.store;
    return { header: this.header(store.revision), leases: store.leases().map((l) => ({ ID: l.id })) };
  }

  /** One answer per request, in order; an unknown or expired lease is answered TTL 0 (etcd).
   *  When the client half-closes, the stream ends after the answers still owed (etcd returns on
   *  EOF). A failure (no leader, timeout) ends the stream with that error; clients reopen it. */
  readonly keepAlive: StreamHandler<Decoded<KeepAliveRequest>, KeepAliveResponse> = (call) => {
    let leases: LeaseBackend;
    try {
      leases = this.#leases();
    } catch (err) {
      call.emit("error", toStatus(err));
      return;
    }
    let ended = false;
    let chain = Promise.resolve();
    const finish = (status?: StatusObject) => {
      if (ended) return;
      ended = true;
      this.#open.delete(stop);
      if (call.destroyed || call.writableEnded) return;
      if (status) call.emit("error", status);
      else call.end();
    };
    const stop = () => finish({ code: StatusCode.UNAVAILABLE, details: Errors.stopped().message });
    this.#open.add(stop);
    call.on("data", (d: Decoded<KeepAliveRequest>) => {
      if (ended) return;
      if (!d.ok) {
        finish({ code: StatusCode.INVALID_ARGUMENT, details: `${LeaseService.LeaseKeepAlive.path}: malformed request (${d.error})` });
        return;
      }
      const ID = d.msg.ID ?? 0;
      chain = chain.then(async () => {
        if (ended) return;
        try {
          const TTL = await leases.renew(ID);
          if (!ended && !call.destroyed && !call.writableEnded) call.write({ header: this.header(this.backend.store.revision), ID, TTL });
        } catch (err) {
          finish(toStatus(err));
        }
      });
    });
    call.on("end", () => void chain.then(() => finish()));
    call.on("cancelled", () => finish());
    call.on("close", () => void chain.then(() => finish()));
  };

  /** Ends every open keep-alive stream (UNAVAILABLE "server stopped": clients go elsewhere);
   *  grpc-js's tryShutdown would otherwise wait for them. */
  close(): void {
    for (const stop of [...this.#open]) stop();
  }
}
