// One call on the server, shaped like grpc-js's server call objects so the API handlers read the
// same: `request`, `metadata`, write() → false when the stream is full, end(), emit("error",
// status) to end with a status, and "data", "end", "drain", "cancelled", "close" events.
import { Buffer } from "node:buffer";
import type { HeaderList, H2ServerStream } from "../h2/types.ts";
import { frameMessage } from "./framing.ts";
import { Metadata } from "./metadata.ts";
import { encodeGrpcMessage, GrpcStatus, type StatusObject } from "./status.ts";

const RESPONSE_HEADERS: HeaderList = [[":status", "200"], ["content-type", "application/grpc"], ["grpc-accept-encoding", "identity,gzip"]];
const OK_TRAILERS: HeaderList = [["grpc-status", "0"]];

export interface CallCodec<Res> {
  responseSerialize(value: Res): Buffer;
  responseFrame?(value: Res): Uint8Array;
}

function statusHeaders(status: StatusObject): HeaderList {
  if (status.code === GrpcStatus.OK && status.details === "") return OK_TRAILERS;
  const out: HeaderList = [["grpc-status", String(status.code)]];
  if (status.details !== "") out.push(["grpc-message", encodeGrpcMessage(status.details)]);
  return out;
}

/** grpc-js accepts partial statuses from handlers; a missing code is UNKNOWN, as there. */
export function toStatus(s: Partial<StatusObject> | Error): StatusObject {
  if (s instanceof Error) return { code: GrpcStatus.UNKNOWN, details: s.message };
  return { code: s.code ?? GrpcStatus.UNKNOWN, details: s.details ?? "" };
}

type Listener = (...args: never[]) => void;
type CallEvent = "data" | "end" | "drain" | "cancelled" | "close" | "error";

/** A unary call is created and dropped thousands of times a second: its events are a lazily made
 *  list of listeners, not a node:events EventEmitter (whose constructor and first `on` cost more
 *  than the rest of the call object), and its metadata is parsed only when a handler asks. */
export class ServerCall<Req, Res> {
  /** The request of a unary or server-streaming call. */
  request!: Req;
  /** The client cancelled, the connection went away or the deadline passed. */
  cancelled = false;
  private headersSent = false;
  private statusSent = false;
  private closed = false;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  /** Told the code the call ended with, once (the server's handled-calls count). */
  onDone: ((code: number) => void) | undefined;

  private listeners: Array<{ event: CallEvent; fn: Listener; once: boolean }> | undefined;
  private parsedMetadata: Metadata | undefined;

  constructor(
    private readonly stream: H2ServerStream,
    private readonly codec: CallCodec<Res>,
  ) {}

  /** The request's custom metadata (grpc-js's `call.metadata`). */
  get metadata(): Metadata {
    return this.parsedMetadata ??= Metadata.fromHeaders(this.stream.headers);
  }

  on(event: CallEvent, fn: Listener): this {
    (this.listeners ??= []).push({ event, fn, once: false });
    return this;
  }

  once(event: CallEvent, fn: Listener): this {
    (this.listeners ??= []).push({ event, fn, once: true });
    return this;
  }

  off(event: CallEvent, fn: Listener): this {
    const i = this.listeners?.findIndex((l) => l.event === event && l.fn === fn) ?? -1;
    if (i >= 0) this.listeners!.splice(i, 1);
    return this;
  }

  /** Calls the event's listeners in the order they were added. grpc-js ends a call with the
   *  status a handler emits as "error"; handlers rely on it. */
  emit(event: CallEvent, ...args: unknown[]): boolean {
    const all = this.listeners;
    let called = false;
    if (all !== undefined) {
      for (const l of all.filter((x) => x.event === event)) {
        if (l.once) this.off(event, l.fn);
        (l.fn as (...a: unknown[]) => void)(...args);
        called = true;
      }
    }
    if (event === "error") this.sendStatus(toStatus(args[0] as Partial<StatusObject>));
    return called;
  }

  get destroyed(): boolean {
    return this.closed;
  }

  get writableEnded(): boolean {
    return this.statusSent;
  }

  getPeer(): string {
    return this.stream.remoteAddress;
  }

  /** The CN of the client certificate the TLS port verified, if it requires one. */
  get peerCommonName(): string | undefined {
    return this.stream.peerCommonName;
  }

  /** Stops crediting the stream's receive window, so a client streaming requests faster than
   *  the handler consumes them is held back by HTTP/2 flow control; resume() gives credit again. */
  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  /** Sends one response message; false once the stream's queue is over its high-water mark. */
  write(message: Res): boolean {
    if (this.statusSent || this.closed) return false;
    let framed: Uint8Array;
    try {
      const frame = this.codec.responseFrame;
      framed = frame ? frame(message) : frameMessage(this.codec.responseSerialize(message));
    } catch (err) {
      this.sendStatus({ code: GrpcStatus.INTERNAL, details: `error serializing response: ${(err as Error).message}` });
      return false;
    }
    if (!this.headersSent) {
      this.headersSent = true;
      this.stream.respond(RESPONSE_HEADERS);
    }
    return this.stream.write(framed);
  }

  /** Ends the call with OK. */
  end(): void {
    this.sendStatus({ code: GrpcStatus.OK, details: "" });
  }

  sendStatus(status: StatusObject): void {
    if (this.statusSent || this.closed) return;
    this.statusSent = true;
    this.clearDeadline();
    this.onDone?.(status.code);
    if (this.headersSent) {
      this.stream.end(statusHeaders(status));
    } else {
      // Trailers-only: one HEADERS frame with the status and END_STREAM.
      this.headersSent = true;
      this.stream.respond([...RESPONSE_HEADERS, ...statusHeaders(status)], true);
    }
    this.finish();
  }

  /** Arms the grpc-timeout deadline: when it passes the call ends DEADLINE_EXCEEDED and the
   *  handler sees "cancelled", as with grpc-js. */
  setDeadline(ms: number): void {
    this.deadline = setTimeout(() => {
      this.deadline = undefined;
      if (this.statusSent || this.closed) return;
      this.cancelled = true;
      this.emit("cancelled");
      this.sendStatus({ code: GrpcStatus.DEADLINE_EXCEEDED, details: "Deadline exceeded" });
    }, Math.max(0, ms));
  }

  /** The stream was reset by the client or lost with the connection. */
  onReset(): void {
    if (this.closed) return;
    this.clearDeadline();
    if (!this.statusSent) {
      this.cancelled = true;
      this.onDone?.(GrpcStatus.CANCELLED);
      this.emit("cancelled");
    }
    this.finish();
  }

  private clearDeadline(): void {
    if (this.deadline !== undefined) {
      clearTimeout(this.deadline);
      this.deadline = undefined;
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit("close");
  }
}
