// Unary calls to other members' client ports (src/node/member-client.ts: membership changes
// passed on, the removal watch, HashKV, "who leads?" at start-up): one channel per address, kept
// while the pool lives.
import { Buffer } from "node:buffer";
import { GrpcChannel } from "./channel.ts";
import { type ClientCallOptions, unaryCall } from "./client-call.ts";
import type { H2ClientTls, HeaderList } from "../h2/types.ts";
import type { MethodDefinition } from "./types.ts";

/** Metadata a member adds to its calls to other members' client ports (auth's member secret),
 *  registered per member under its own client address. A call goes with the destination's
 *  provider (members of one cluster share the secret; several test clusters may share a
 *  process), else with the only one registered (one member per process). */
const memberCredentials = new Map<string, () => HeaderList>();

export function setMemberCredentials(ownClientAddress: string, provider: (() => HeaderList) | undefined): void {
  if (provider === undefined) memberCredentials.delete(ownClientAddress);
  else memberCredentials.set(ownClientAddress, provider);
}

function credentialsFor(address: string): HeaderList {
  const p = memberCredentials.get(address) ?? (memberCredentials.size === 1 ? memberCredentials.values().next().value : undefined);
  return p?.() ?? [];
}

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
    const credentials = credentialsFor(address);
    return unaryCall(ch, method.path, bytes, (b) => method.responseDeserialize(toBuffer(b)), {
      deadline: Date.now() + timeoutMs,
      // As grpc-js without waitForReady: wait while a connection is being made, fail fast while
      // the address is known to be down.
      waitForReady: ch.state === "idle" || ch.state === "connecting",
      ...opts,
      ...(credentials.length > 0 ? { metadata: [...(opts.metadata ?? []), ...credentials] } : {}),
    });
  }

  close(): void {
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
  }
}
