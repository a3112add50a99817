// Calls this member makes to the other members' client ports: a membership change passed on to
// the leader (and a learner asked its name), the removal watch's "who leads, and am I listed?",
// the corruption check's HashKV. One pool of channels (one per address) serves them all, so a
// member keeps one connection per peer's client port, closed when the member stops. Before a
// member runs, start-up asks through a short-lived one (the cluster id, an alarm raised for a
// full disk). Writes and lease questions do not come here: they go to the leader on the peer
// data plane.
import { GrpcClientPool } from "../grpc/pool.ts";
import type { MethodDefinition } from "../grpc/types.ts";
import type { H2ClientTls } from "../h2/types.ts";
import type { Decoded } from "../api/services.ts";

export class MemberClient {
  private readonly pool: GrpcClientPool;

  /** `tls`: `[tls.client]`, as the other members' client ports expect; absent: plaintext. */
  constructor(tls?: H2ClientTls) {
    this.pool = new GrpcClientPool(undefined, tls);
  }

  /** One unary call; rejects with GrpcCallError (the member's own etcd error, or the transport's). */
  call<Req, Res>(address: string, method: MethodDefinition<Decoded<Req>, Res>, req: Req, timeoutMs: number): Promise<Res> {
    return this.pool.unary(address, method, { ok: true, msg: req, size: 0 }, timeoutMs);
  }

  close(): void {
    this.pool.close();
  }
}
