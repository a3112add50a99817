// One call from our gRPC client: request messages go out as they are written (queued until the
// stream opens), response messages and the final status come back through callbacks. The status
// is reported exactly once, whatever ends the call: trailers, a reset, the connection, the deadline
// or cancel().
import { gunzipSync, gzip } from "node:zlib";
import { H2Error, type H2ClientStream, type HeaderList } from "../h2/types.ts";
import type { GrpcChannel } from "./channel.ts";
import { type FramedMessage, frameMessage, MessageReader } from "./framing.ts";
import { decodeGrpcMessage, GrpcStatus, type StatusObject, statusName } from "./status.ts";

export interface ClientCallOptions {
  /** Absolute deadline (Date.now() ms); sent as grpc-timeout and enforced here too. */
  deadline?: number;
  /** Wait for a connection until the deadline instead of failing UNAVAILABLE at once. */
  waitForReady?: boolean;
  /** With waitForReady: how long to wait for the connection (absolute Date.now() ms) when it is
   *  not the call's deadline, e.g. for a long-lived stream that has none. */
  readyDeadline?: number;
  /** Custom metadata (lowercase names; `-bin` values base64). */
  metadata?: HeaderList;
  /** gzip every request message (compressed off the event loop, in zlib's thread pool). */
  compress?: boolean;
  /** Largest response message accepted. */
  maxReceiveMessageBytes?: number;
}

export class GrpcCallError extends Error {
  /** `notSent`: the request provably never reached the server (no connection, or the stream was
   *  refused unprocessed), so sending it again elsewhere cannot apply it twice. */
  constructor(readonly code: number, readonly details: string, readonly notSent = false) {
    super(`${statusName(code)}: ${details}`);
  }
}

/** A call's final status; `notSent` as in GrpcCallError. */
export interface CallStatus extends StatusObject {
  notSent?: boolean;
}


/** What an HTTP status means when a response has no grpc-status (gRPC's http-grpc-status-mapping). */
function httpToGrpc(status: number): number {
  switch (status) {
    case 400: return GrpcStatus.INTERNAL;
    case 401: return GrpcStatus.UNAUTHENTICATED;
    case 403: return GrpcStatus.PERMISSION_DENIED;
    case 404: return GrpcStatus.UNIMPLEMENTED;
    case 429: case 502: case 503: case 504: return GrpcStatus.UNAVAILABLE;
    default: return GrpcStatus.UNKNOWN;
  }
}

function resetToStatus(code: number): CallStatus {
  if (code === H2Error.REFUSED_STREAM) return { code: GrpcStatus.UNAVAILABLE, details: "stream refused by the server (not processed)", notSent: true };
  if (code === H2Error.CANCEL) return { code: GrpcStatus.CANCELLED, details: "stream cancelled" };
  if (code === H2Error.ENHANCE_YOUR_CALM) return { code: GrpcStatus.RESOURCE_EXHAUSTED, details: "server said ENHANCE_YOUR_CALM" };
  return { code: GrpcStatus.INTERNAL, details: `stream reset by the server with HTTP/2 error ${code}` };
}

/** Bytes of request messages that may wait for gzip before write() says false. */
const COMPRESS_HIGH_WATER_MARK = 1 << 20;

function grpcTimeout(ms: number): string {
  const v = Math.max(1, Math.ceil(ms));
  return v < 1e8 ? `${v}m` : `${Math.ceil(v / 1000)}S`;
}

export class ClientCall<Res> {
  onMessage: (message: Res) => void = () => {};
  onStatus: (status: CallStatus) => void = () => {};
  onDrain: () => void = () => {};

  private stream: H2ClientStream | undefined;
  private pending: Uint8Array[] = [];
  private endPending = false;
  private done = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private compressChain: Promise<void> = Promise.resolve();
  private readonly reader: MessageReader;
  private readonly messages: FramedMessage[] = [];
  private responseGzip = false;
  private gotHeaders = false;
  /** write() said false: the caller waits for onDrain. */
  private owedDrain = false;
  /** The stream (or the queue before it opens) is over its high-water mark. */
  private full = false;
  /** Request bytes handed to gzip and not yet framed (compress): counted against the same mark. */
  private compressing = 0;

  constructor(
    private readonly channel: GrpcChannel,
    private readonly path: string,
    private readonly decode: (bytes: Uint8Array) => Res,
    private readonly opts: ClientCallOptions = {},
  ) {
    this.reader = new MessageReader(opts.maxReceiveMessageBytes ?? 0x7fffffff);
    const deadline = opts.deadline;
    if (deadline !== undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        const notSent = this.stream === undefined;
        this.stream?.reset(H2Error.CANCEL);
        this.finish({ code: GrpcStatus.DEADLINE_EXCEEDED, details: `deadline exceeded calling ${path} on ${channel.target}${notSent ? ` (no connection: ${channel.failure})` : ""}`, notSent });
      }, Math.max(0, deadline - Date.now()));
    }
    const conn = channel.current();
    const readyBy = opts.readyDeadline ?? deadline;
    if (conn) this.open(conn);
    else if (opts.waitForReady && readyBy !== undefined) {
      // Waiting ran into the call's own deadline (whichever timer fired first): DEADLINE_EXCEEDED,
      // as grpc-js says for a wait-for-ready call that never got a connection.
      channel.ready(readyBy).then((c) => this.open(c), (err: Error) =>
        this.finish({
          code: deadline !== undefined && Date.now() >= deadline - 1 ? GrpcStatus.DEADLINE_EXCEEDED : GrpcStatus.UNAVAILABLE,
          details: err.message,
          notSent: true,
        }));
    } else {
      // Fail in a later turn so the caller has set its callbacks.
      queueMicrotask(() => this.finish({ code: GrpcStatus.UNAVAILABLE, details: `${channel.target}: ${channel.failure}`, notSent: true }));
    }
  }

  get ended(): boolean {
    return this.done;
  }

  /** Sends one serialized request message; false when the stream is full (wait for onDrain).
   *  Messages waiting for gzip count as queued, so a fast producer is held back by compression
   *  as well as by the peer's window. */
  write(message: Uint8Array): boolean {
    if (this.done || this.endPending) return false;
    if (this.opts.compress) {
      this.compressing += message.length;
      this.compressChain = this.compressChain.then(() => new Promise<void>((resolve) => {
        gzip(message, (err, zipped) => {
          this.compressing -= message.length;
          if (err) this.fail(GrpcStatus.INTERNAL, `cannot compress a request message: ${err.message}`);
          else this.send(frameMessage(zipped, true));
          this.maybeDrain();
          resolve();
        });
      }));
      return this.room();
    }
    this.send(frameMessage(message));
    return this.room();
  }

  private room(): boolean {
    const ok = !this.full && this.compressing <= COMPRESS_HIGH_WATER_MARK;
    if (!ok) this.owedDrain = true;
    return ok;
  }

  private maybeDrain(): void {
    if (!this.owedDrain || this.done || this.full || this.compressing > COMPRESS_HIGH_WATER_MARK) return;
    this.owedDrain = false;
    this.onDrain();
  }

  /** No more request messages. */
  end(): void {
    if (this.done || this.endPending) return;
    this.endPending = true;
    void this.compressChain.then(() => {
      if (this.done) return;
      if (this.stream) this.stream.end();
    });
  }

  cancel(details = "cancelled by the caller"): void {
    if (this.done) return;
    this.stream?.reset(H2Error.CANCEL);
    this.finish({ code: GrpcStatus.CANCELLED, details });
  }

  private send(framed: Uint8Array): void {
    if (this.done) return;
    if (!this.stream) {
      this.pending.push(framed);
      if (this.pending.length >= 64) this.full = true;
      return;
    }
    if (!this.stream.write(framed)) this.full = true;
  }

  private open(conn: { request(headers: HeaderList, endStream?: boolean): H2ClientStream }): void {
    if (this.done) return;
    const headers: HeaderList = [
      [":method", "POST"],
      [":scheme", "http"],
      [":path", this.path],
      [":authority", this.channel.target],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
      ["grpc-accept-encoding", "identity,gzip"],
      ["user-agent", "trireme-grpc"],
    ];
    if (this.opts.compress) headers.push(["grpc-encoding", "gzip"]);
    if (this.opts.deadline !== undefined) headers.push(["grpc-timeout", grpcTimeout(this.opts.deadline - Date.now())]);
    if (this.opts.metadata) headers.push(...this.opts.metadata);
    const stream = conn.request(headers);
    this.stream = stream;
    stream.onHeaders = (h, endStream) => this.onHeaders(h, endStream);
    stream.onData = (chunk) => this.onData(chunk);
    stream.onEnd = () => this.finish({ code: GrpcStatus.INTERNAL, details: `${this.path}: the server ended the stream without a status` });
    stream.onReset = (code) => this.finish(resetToStatus(code));
    stream.onDrain = () => {
      this.full = false;
      this.maybeDrain();
    };
    let room = true;
    for (const p of this.pending) room = stream.write(p);
    this.pending = [];
    this.full = !room;
    if (room) queueMicrotask(() => this.maybeDrain());
    if (this.endPending) void this.compressChain.then(() => { if (!this.done) stream.end(); });
  }

  private onHeaders(headers: HeaderList, endStream: boolean): void {
    let grpcStatus: string | undefined;
    let message = "";
    let http = 0;
    for (const [name, value] of headers) {
      if (name === ":status") http = Number(value);
      else if (name === "grpc-status") grpcStatus = value;
      else if (name === "grpc-message") message = decodeGrpcMessage(value);
      else if (name === "grpc-encoding") this.responseGzip = value === "gzip";
    }
    if (!this.gotHeaders) {
      this.gotHeaders = true;
      if (http !== 200 && grpcStatus === undefined) {
        this.stream?.reset(H2Error.CANCEL);
        this.finish({ code: httpToGrpc(http), details: `${this.path}: HTTP status ${http} from ${this.channel.target}` });
        return;
      }
    }
    if (!endStream) return;
    if (grpcStatus === undefined) this.finish({ code: GrpcStatus.INTERNAL, details: `${this.path}: trailers without grpc-status` });
    else this.finish({ code: Number(grpcStatus), details: message });
  }

  private onData(chunk: Uint8Array): void {
    if (this.done) return;
    const bad = this.reader.push(chunk, this.messages);
    if (bad) {
      this.fail(bad.tooLarge ? GrpcStatus.RESOURCE_EXHAUSTED : GrpcStatus.INTERNAL,
        bad.tooLarge ? `response message larger than max (${bad.size})` : bad.error);
      return;
    }
    for (const m of this.messages) {
      if (this.done) break;
      let res: Res;
      try {
        res = this.decode(m.compressed && this.responseGzip ? gunzipSync(m.bytes) : m.bytes);
      } catch (err) {
        this.fail(GrpcStatus.INTERNAL, `cannot decode a response of ${this.path}: ${(err as Error).message}`);
        break;
      }
      this.onMessage(res);
    }
    this.messages.length = 0;
  }

  private fail(code: number, details: string): void {
    this.stream?.reset(H2Error.CANCEL);
    this.finish({ code, details });
  }

  private finish(status: CallStatus): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.pending = [];
    this.onStatus(status);
  }
}

/** A unary call: one serialized request, one response or a GrpcCallError. */
export function unaryCall<Res>(
  channel: GrpcChannel,
  path: string,
  request: Uint8Array,
  decode: (bytes: Uint8Array) => Res,
  opts: ClientCallOptions = {},
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const call = new ClientCall<Res>(channel, path, decode, opts);
    let response: Res | undefined;
    let got = false;
    call.onMessage = (m) => { response = m; got = true; };
    call.onStatus = (s) => {
      if (s.code !== GrpcStatus.OK) reject(new GrpcCallError(s.code, s.details, s.notSent === true));
      else if (!got) reject(new GrpcCallError(GrpcStatus.INTERNAL, `${path}: OK without a response message`));
      else resolve(response as Res);
    };
    call.write(request);
    call.end();
  });
}
