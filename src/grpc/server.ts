// A gRPC server on our HTTP/2 connection: routes a stream by :path to a handler, turns DATA into
// request messages (gzip per message when the client says grpc-encoding: gzip), and answers with
// headers, messages and the status in trailers. Every request problem is a gRPC status on that
// stream; the connection and the other calls go on.
import { Buffer } from "node:buffer";
import { gunzip } from "node:zlib";
import { startH2Server, type H2Server } from "../h2/server.ts";
import type { ByteSocket, H2ServerOptions, H2ServerStream, HeaderList } from "../h2/types.ts";
import { ServerCall } from "./call.ts";
import { type FramedMessage, MessageReader, parseGrpcTimeout } from "./framing.ts";
import { encodeGrpcMessage, GrpcStatus, type StatusObject } from "./status.ts";
import type { MethodDefinition, ServiceDefinition, ServiceImplementation, StreamHandler, UnaryCallback, UnaryHandler } from "./types.ts";

type AnyMethod = MethodDefinition<unknown, unknown>;
interface Route {
  method: AnyMethod;
  unary?: UnaryHandler<unknown, unknown>;
  stream?: StreamHandler<unknown, unknown>;
}

export interface GrpcServerOptions {
  /** Largest request message, after decompression; larger is RESOURCE_EXHAUSTED as in grpc-go. */
  maxReceiveMessageBytes: number;
  /** HTTP/2 settings, windows and keep-alive of the port. */
  h2?: Omit<H2ServerOptions, "onStream">;
  /** Every call that reached a method, once it ended: its path, streaming kind and status code
   *  (etcd's grpc_server_handled_total). */
  onHandled?: (path: string, kind: CallKind, code: number, seconds: number) => void;
  /** Every request message decoded and response message encoded, by its size: what etcd's
   *  codec counts (etcd_network_client_grpc_received_bytes_total / _sent_bytes_total). */
  onMessageBytes?: (direction: "received" | "sent", bytes: number) => void;
  /** Every call that reached a method, as it starts (etcd's grpc_server_started_total). */
  onStarted?: (path: string, kind: CallKind) => void;
  /** A connection that speaks HTTP/1.x on the same port (the client port's /health and friends). */
  onHttp1?: (socket: ByteSocket, firstBytes: Uint8Array) => void;
  /** An HTTP/2 stream that is not a gRPC call (no application/grpc content-type): the client
   *  port's /health and friends over h2c. Absent: answered as a bad gRPC call. */
  onHttp?: (stream: H2ServerStream) => void;
}

export type CallKind = "unary" | "client_stream" | "server_stream" | "bidi_stream";

const kindOf = (m: AnyMethod): CallKind =>
  m.requestStream ? (m.responseStream ? "bidi_stream" : "client_stream") : m.responseStream ? "server_stream" : "unary";

const toBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

/** A response with no messages: the status in the only HEADERS frame. */
function trailersOnly(stream: H2ServerStream, status: StatusObject, httpStatus = "200"): void {
  const headers: HeaderList = [[":status", httpStatus], ["content-type", "application/grpc"], ["grpc-status", String(status.code)]];
  if (status.details) headers.push(["grpc-message", encodeGrpcMessage(status.details)]);
  stream.respond(headers, true);
  stream.onData = () => {};
  stream.onEnd = () => {};
  stream.onReset = () => {};
}

export class GrpcServer {
  private readonly routes = new Map<string, Route>();
  private h2: H2Server | undefined;

  constructor(private readonly opts: GrpcServerOptions) {}

  /** Registers every method of the definition; the implementation is keyed by the method's
   *  lower-camel name (grpc-js's `originalName`) or by the definition's key. */
  addService(definition: ServiceDefinition, implementation: ServiceImplementation): void {
    for (const [key, declared] of Object.entries(definition)) {
      const fn = implementation[declared.originalName ?? ""] ?? implementation[key];
      const method = this.opts.onMessageBytes ? countedCodec(declared, this.opts.onMessageBytes) : declared;
      if (fn === undefined) continue;
      if (this.routes.has(method.path)) throw new Error(`gRPC method ${method.path} is registered twice`);
      // Unary and client-streaming handlers answer through a callback, as in grpc-js.
      this.routes.set(method.path, method.responseStream
        ? { method, stream: fn as StreamHandler<unknown, unknown> }
        : { method, unary: fn as UnaryHandler<unknown, unknown> });
    }
  }

  async listen(host: string, port: number): Promise<number> {
    this.h2 = await startH2Server({
      ...this.opts.h2,
      host,
      port,
      onHttp1: this.opts.onHttp1,
      onStream: (s) => this.onStream(s),
    });
    return this.h2.port;
  }

  connectionCount(): number {
    return this.h2?.connectionCount() ?? 0;
  }

  /** Stops accepting, lets calls in flight finish for up to graceMs, then cuts the rest. */
  close(graceMs = 2000): Promise<void> {
    return this.h2 ? this.h2.close(graceMs) : Promise.resolve();
  }

  /** Serves one call on a stream that did not come from this server's listener (the client
   *  port's JSON gateway runs its calls through here, as etcd's gateway dials its own port). */
  serveStream(stream: H2ServerStream): void {
    this.onStream(stream);
  }

  private onStream(stream: H2ServerStream): void {
    let path = "";
    let httpMethod = "";
    let contentType = "";
    let encoding = "identity";
    let timeout: string | undefined;
    for (const [name, value] of stream.headers) {
      switch (name) {
        case ":path": path = value; break;
        case ":method": httpMethod = value; break;
        case "content-type": contentType = value; break;
        case "grpc-encoding": encoding = value; break;
        case "grpc-timeout": timeout = value; break;
      }
    }
    if (this.opts.onHttp && !contentType.startsWith("application/grpc")) {
      this.opts.onHttp(stream);
      return;
    }
    if (httpMethod !== "POST") {
      trailersOnly(stream, { code: GrpcStatus.INTERNAL, details: `gRPC requires POST, got ${httpMethod || "no method"}` }, "405");
      return;
    }
    if (!contentType.startsWith("application/grpc")) {
      trailersOnly(stream, { code: GrpcStatus.INTERNAL, details: `invalid gRPC content-type "${contentType}"` }, "415");
      return;
    }
    const route = this.routes.get(path);
    if (route === undefined) {
      trailersOnly(stream, { code: GrpcStatus.UNIMPLEMENTED, details: unknownMethod(path, this.routes) });
      return;
    }
    if (encoding !== "identity" && encoding !== "gzip") {
      stream.respond([[":status", "200"], ["content-type", "application/grpc"], ["grpc-accept-encoding", "identity,gzip"],
        ["grpc-status", String(GrpcStatus.UNIMPLEMENTED)], ["grpc-message", encodeGrpcMessage(`grpc: unsupported compression "${encoding}"`)]], true);
      return;
    }
    const call = new ServerCall<unknown, unknown>(stream, route.method);
    const handled = this.opts.onHandled;
    if (handled || this.opts.onStarted) {
      const kind = kindOf(route.method);
      this.opts.onStarted?.(path, kind);
      const t0 = performance.now();
      if (handled) call.onDone = (code) => handled(path, kind, code, (performance.now() - t0) / 1000);
    }
    const ms = parseGrpcTimeout(timeout);
    if (ms !== undefined) call.setDeadline(ms);
    this.bind(stream, call, route, encoding === "gzip");
  }

  private bind(stream: H2ServerStream, call: ServerCall<unknown, unknown>, route: Route, gzip: boolean): void {
    const { method } = route;
    const max = this.opts.maxReceiveMessageBytes;
    const reader = new MessageReader(max);
    const framed: FramedMessage[] = [];
    // Messages are handed on in arrival order. A compressed one is inflated in zlib's thread
    // pool, and those behind it wait: inflating a 256 KiB snapshot chunk takes ~0.3 ms of the
    // event loop that also answers heartbeats.
    const inbox: FramedMessage[] = [];
    let inflating = false;
    let ended = false;
    let received = 0;
    let request: unknown;
    const fail = (code: number, details: string) => {
      inbox.length = 0;
      call.sendStatus({ code, details });
    };

    /** False once the call failed: nothing after it is delivered. */
    const deliver = (bytes: Uint8Array): boolean => {
      let value: unknown;
      try {
        value = method.requestDeserialize(toBuffer(bytes));
      } catch (err) {
        fail(GrpcStatus.INTERNAL, `grpc: error unmarshalling request: ${(err as Error).message}`);
        return false;
      }
      received++;
      if (method.requestStream) call.emit("data", value);
      else if (received > 1) { fail(GrpcStatus.INTERNAL, `grpc: ${method.path} takes one request message, got more`); return false; }
      else request = value;
      return true;
    };

    const inflated = (err: Error | null, bytes: Uint8Array): void => {
      inflating = false;
      if (call.writableEnded) return;
      if (err) {
        if (err instanceof RangeError) fail(GrpcStatus.RESOURCE_EXHAUSTED, `grpc: received message after decompression larger than max (${max})`);
        else fail(GrpcStatus.INTERNAL, `grpc: failed to decompress the received message: ${err.message}`);
        return;
      }
      if (deliver(bytes)) pump();
    };

    const pump = (): void => {
      while (inbox.length > 0 && !inflating && !call.writableEnded) {
        const m = inbox.shift()!;
        if (!m.compressed) {
          if (!deliver(m.bytes)) return;
          continue;
        }
        if (!gzip) return fail(GrpcStatus.INTERNAL, "grpc: compressed flag set on a message of a call with no grpc-encoding");
        inflating = true;
        gunzip(m.bytes, { maxOutputLength: Math.max(1, max) }, inflated);
      }
      if (ended && inbox.length === 0 && !inflating && !call.writableEnded) finish();
    };

    const finish = (): void => {
      if (method.requestStream) { call.emit("end"); return; }
      if (received !== 1) { fail(GrpcStatus.INTERNAL, `grpc: ${method.path} takes one request message, got none`); return; }
      call.request = request;
      if (route.unary) runUnary(call, route.unary);
      else runStream(call, route.stream!);
    };

    stream.onData = (chunk) => {
      if (call.writableEnded) return;
      const bad = reader.push(chunk, framed);
      if (bad) {
        if (bad.tooLarge) fail(GrpcStatus.RESOURCE_EXHAUSTED, `grpc: received message larger than max (${bad.size} vs. ${max})`);
        else fail(GrpcStatus.INTERNAL, `grpc: ${bad.error}`);
        return;
      }
      for (let i = 0; i < framed.length; i++) {
        const m = framed[i]!;
        // The common case, on every hot path: nothing waits ahead of a plain message.
        if (!m.compressed && inbox.length === 0 && !inflating) {
          if (call.writableEnded || !deliver(m.bytes)) break;
        } else inbox.push(m);
      }
      framed.length = 0;
      pump();
    };
    stream.onEnd = () => {
      if (call.writableEnded) return;
      if (!reader.idle) { fail(GrpcStatus.INTERNAL, "grpc: the request ended inside a message"); return; }
      ended = true;
      pump();
    };
    stream.onReset = () => call.onReset();
    stream.onDrain = () => call.emit("drain");
    // Client- and bidi-streaming handlers listen for "data" before the first message arrives.
    if (method.requestStream) {
      if (route.unary) runUnary(call, route.unary);
      else runStream(call, route.stream!);
    }
  }
}

function runUnary(call: ServerCall<unknown, unknown>, handler: UnaryHandler<unknown, unknown>): void {
  let answered = false;
  const callback: UnaryCallback<unknown> = (error, value) => {
    if (answered) return;
    answered = true;
    if (error) call.sendStatus({ code: error.code ?? GrpcStatus.UNKNOWN, details: error.details ?? "" });
    else {
      call.write(value);
      call.end();
    }
  };
  try {
    handler(call, callback);
  } catch (err) {
    callback({ code: GrpcStatus.UNKNOWN, details: (err as Error).message });
  }
}

function runStream(call: ServerCall<unknown, unknown>, handler: StreamHandler<unknown, unknown>): void {
  try {
    handler(call);
  } catch (err) {
    call.sendStatus({ code: GrpcStatus.UNKNOWN, details: (err as Error).message });
  }
}

/** The method with its codec reporting each message's size, as etcd's codec wrapper does. */
function countedCodec(m: AnyMethod, count: NonNullable<GrpcServerOptions["onMessageBytes"]>): AnyMethod {
  return {
    ...m,
    requestDeserialize: (bytes) => {
      count("received", bytes.length);
      return m.requestDeserialize(bytes);
    },
    responseSerialize: (value) => {
      const bytes = m.responseSerialize(value);
      count("sent", bytes.length);
      return bytes;
    },
  };
}

/** grpc-go's words, so clients that match on them keep working. */
function unknownMethod(path: string, routes: Map<string, Route>): string {
  const slash = path.lastIndexOf("/");
  const service = path.slice(1, slash);
  const name = path.slice(slash + 1);
  for (const known of routes.keys()) {
    if (known.startsWith(`/${service}/`)) return `unknown method ${name} for service ${service}`;
  }
  return `unknown service ${service}`;
}
