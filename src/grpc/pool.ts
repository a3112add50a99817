// Unary calls to other members' client ports (lease questions to the leader, membership changes
// passed on, "who leads?" at start-up): one channel per address, kept while the pool lives.
import { Buffer } from "node:buffer";
import { GrpcChannel } from "./channel.ts";
import { type ClientCallOptions, unaryCall } from "./client-call.ts";
import type { H2ClientTls } from "../h2/types.ts";
import type { MethodDefinition } from "./types.ts";

const toBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

export class GrpcClientPool {
  private readonly channels = new Map<string, GrpcChannel>();

  /** `tls`: dial with TLS (another member's client port under `[tls.client]`). */
  constructor(private readonly backoff = { initialMs: 100, maxMs: 1000 }, private readonly tls?: H2ClientTls) {}

  private channel(address: string): GrpcChannel {
    let ch = this.channels.get(address);
    if (ch === undefined) {
      const colon = address.lastIndexOf(":");
      ch = new GrpcChannel({
        host: address.slice(0, colon).replace(/^\[|\]$/g, ""),
        port: Number(address.slice(colon + 1)),
        backoff: this.backoff,
        ...(this.tls ? { h2: { tls: this.tls } } : {}),
      });
      this.channels.set(address, ch);
    }
    return ch;
  }

  /** One call; rejects with GrpcCallError. A fresh address waits for its connection until the
   *  deadline (there is no connection to fail fast on yet). */
  unary<Req, Res>(address: string, method: MethodDefinition<Req, Res>, request: Req, timeoutMs: number, opts: ClientCallOptions = {}): Promise<Res> {
    const ch = this.channel(address);
    const bytes: Buffer = method.requestSerialize(request);
    return unaryCall(ch, method.path, bytes, (b) => method.responseDeserialize(toBuffer(b)), {
      deadline: Date.now() + timeoutMs,
      // As grpc-js without waitForReady: wait while a connection is being made, fail fast while
      // the address is known to be down.
      waitForReady: ch.state === "idle" || ch.state === "connecting",
      ...opts,
    });
  }

  close(): void {
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
  }
}
