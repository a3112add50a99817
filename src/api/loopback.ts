// gRPC calls made inside the member, on its own client server, without a socket: etcd's JSON
// gateway and its health checks dial the member's own gRPC port, so they pass through the same
// validation, learner rules, limits and handled-calls metric as any client. Here the call runs on
// an in-memory HTTP/2 stream handed to GrpcServer.serveStream.
import { frameMessage, type FramedMessage, MessageReader } from "../grpc/framing.ts";
import type { GrpcServer } from "../grpc/server.ts";
import { decodeGrpcMessage, GrpcStatus, type StatusObject } from "../grpc/status.ts";
import { H2Error, type H2ErrorCode, type H2ServerStream, type HeaderList } from "../h2/types.ts";

export interface LoopbackHandlers {
  /** One response message; return false to stop the flow until `LoopbackCall.resume()`. */
  onMessage(bytes: Uint8Array): boolean;
  /** The call ended with this status (OK too); nothing follows. */
  onStatus(status: StatusObject): void;
}

export interface LoopbackCall {
  /** One more request message (a streaming call whose requests keep coming). */
  send(request: Uint8Array): void;
  /** The client's half-close: no more requests. */
  end(): void;
  /** The consumer can take messages again after onMessage returned false. */
  resume(): void;
  /** The consumer went away: the handler sees a cancelled call. */
  cancel(): void;
}

/** Responses larger than this are refused, as a grpc-go client refuses them by default (4 MiB);
 *  the gateway is such a client. A Watch of large values still passes: etcd fragments it. */
const MAX_RESPONSE_BYTES = 64 << 20;

function statusOf(headers: HeaderList): StatusObject | undefined {
  let code: number | undefined;
  let details = "";
  for (const [n, v] of headers) {
    if (n === "grpc-status") code = Number(v);
    else if (n === "grpc-message") details = decodeGrpcMessage(v);
  }
  return code === undefined ? undefined : { code, details };
}

class LoopbackStream implements H2ServerStream {
  readonly id = 1;
  readonly headers: HeaderList;
  closed = false;
  onData: (chunk: Uint8Array) => void = () => {};
  onEnd: () => void = () => {};
  onReset: (code: number) => void = () => {};
  onDrain: () => void = () => {};
  /** True while the consumer asked to wait; writes report a full stream. */
  blocked = false;
  private readonly reader = new MessageReader(MAX_RESPONSE_BYTES);
  private readonly messages: FramedMessage[] = [];

  constructor(path: string, metadata: HeaderList, readonly remoteAddress: string, private readonly handlers: LoopbackHandlers) {
    this.headers = [[":method", "POST"], [":scheme", "http"], [":path", path], ["content-type", "application/grpc"], ["te", "trailers"], ...metadata];
  }

  respond(headers: HeaderList, endStream?: boolean): void {
    if (!endStream) return;
    this.finish(statusOf(headers) ?? { code: GrpcStatus.INTERNAL, details: "trireme: a call ended without a gRPC status" });
  }

  write(data: Uint8Array): boolean {
    if (this.closed) return false;
    const bad = this.reader.push(data, this.messages);
    if (bad) {
      this.finish({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: bad.tooLarge ? `response of ${bad.size} bytes is over ${MAX_RESPONSE_BYTES}` : bad.error });
      return false;
    }
    for (const m of this.messages) if (!this.handlers.onMessage(m.bytes)) this.blocked = true;
    this.messages.length = 0;
    return !this.blocked;
  }

  end(trailers?: HeaderList): void {
    this.finish(statusOf(trailers ?? []) ?? { code: GrpcStatus.OK, details: "" });
  }

  reset(code: H2ErrorCode): void {
    this.finish({ code: GrpcStatus.INTERNAL, details: `trireme: the call was reset (HTTP/2 code ${code})` });
  }

  pause(): void {}
  resume(): void {}

  /** The consumer side going away. */
  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.onReset(H2Error.CANCEL);
  }

  private finish(status: StatusObject): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onStatus(status);
  }
}

/** Starts a call: these request messages go in, then the client's half-close unless `open`
 *  (the caller then sends more and ends it). */
export function loopbackCall(
  server: GrpcServer,
  path: string,
  requests: Uint8Array[],
  handlers: LoopbackHandlers,
  opts: { remoteAddress?: string; metadata?: HeaderList; open?: boolean } = {},
): LoopbackCall {
  const stream = new LoopbackStream(path, opts.metadata ?? [], opts.remoteAddress ?? "loopback", handlers);
  server.serveStream(stream);
  let ended = false;
  const send = (r: Uint8Array) => {
    if (!stream.closed && !ended) stream.onData(frameMessage(r));
  };
  const end = () => {
    if (ended) return;
    ended = true;
    if (!stream.closed) stream.onEnd();
  };
  for (const r of requests) send(r);
  if (opts.open !== true) end();
  return {
    send,
    end,
    resume() {
      if (!stream.blocked || stream.closed) return;
      stream.blocked = false;
      stream.onDrain();
    },
    cancel: () => stream.cancel(),
  };
}

/** A unary call: the response message (OK) or the status it failed with. */
export function loopbackUnary(
  server: GrpcServer,
  path: string,
  request: Uint8Array,
  opts?: { remoteAddress?: string; metadata?: HeaderList },
): Promise<{ ok: true; message: Uint8Array } | { ok: false; status: StatusObject }> {
  return new Promise((resolve) => {
    let message: Uint8Array | undefined;
    loopbackCall(server, path, [request], {
      onMessage(bytes) {
        message = bytes.slice();
        return true;
      },
      onStatus(status) {
        if (status.code === GrpcStatus.OK && message) resolve({ ok: true, message });
        else if (status.code === GrpcStatus.OK) resolve({ ok: false, status: { code: GrpcStatus.INTERNAL, details: `${path} answered no message` } });
        else resolve({ ok: false, status });
      },
    }, opts);
  });
}
