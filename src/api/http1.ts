// The client port's HTTP/1.1 side, as etcd's: /health, /livez, /readyz, /version, /metrics and
// the gRPC gateway's JSON API next to gRPC on the same port (the HTTP/2 layer hands over
// connections that do not start with its preface). Requests are served one at a time per
// connection; a head over 8 KiB or a body over the limit is refused, and a streamed answer
// (a gateway watch) goes out chunked until it ends or the client goes away.
import type { ByteSocket } from "../h2/types.ts";
import { BodyQueue, type HttpAnswer, type HttpReply, type HttpRoute, type HttpStreamSink, httpDate, isStream, notFound, REASONS, textAnswer } from "./http-types.ts";

const MAX_HEAD_BYTES = 8 * 1024;

export interface Http1Options {
  /** The largest request body read; a larger Content-Length is answered 413 and the connection closed. */
  maxBodyBytes: number;
}

function headLines(status: number, contentType: string, extra: [string, string][] | undefined, framing: string, close: boolean): Buffer {
  const lines = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}`,
    ...(contentType === "" ? [] : [`Content-Type: ${contentType}`]),
    ...(extra ?? []).map(([n, v]) => `${n}: ${v}`),
    `Date: ${httpDate()}`,
    framing,
    ...(close ? ["Connection: close"] : []),
    "",
    "",
  ];
  return Buffer.from(lines.join("\r\n"), "latin1");
}

/** The complete chunks (RFC 9112 §7.1) at the start of `buf`: their data, the bytes they took,
 *  and whether the last chunk and the trailers (read and dropped) are among them; or an error
 *  text. `max` bounds the data taken at once. */
export function takeChunks(buf: Buffer, max: number): { data: Buffer[]; used: number; done: boolean } | string {
  const data: Buffer[] = [];
  let size = 0;
  let at = 0;
  let used = 0;
  for (;;) {
    const eol = buf.indexOf("\r\n", at);
    if (eol < 0) return buf.length - at > 1024 ? "bad chunk size line" : { data, used, done: false };
    const n = Number.parseInt(buf.subarray(at, eol).toString("latin1").split(";")[0]!.trim(), 16);
    if (!Number.isSafeInteger(n) || n < 0) return "bad chunk size";
    let next = eol + 2;
    if (n === 0) {
      // Trailer fields, then the empty line that ends the message.
      for (;;) {
        const end = buf.indexOf("\r\n", next);
        if (end < 0) return { data, used, done: false };
        if (end === next) return { data, used: end + 2, done: true };
        next = end + 2;
      }
    }
    if (size + n > max) return `a chunked body over this port's limit of ${max} bytes`;
    if (buf.length < next + n + 2) return { data, used, done: false };
    if (buf[next + n] !== 0x0d || buf[next + n + 1] !== 0x0a) return "a chunk not followed by CRLF";
    data.push(buf.subarray(next, next + n));
    size += n;
    at = used = next + n + 2;
  }
}

/** A whole chunked body at the start of `buf`, or "incomplete", or an error text. */
export function dechunk(buf: Buffer, max: number): { body: Buffer; used: number } | "incomplete" | string {
  const got = takeChunks(buf, max);
  if (typeof got === "string") return got;
  return got.done ? { body: Buffer.concat(got.data), used: got.used } : "incomplete";
}

function respond(socket: ByteSocket, a: HttpAnswer, head: boolean, close: boolean): void {
  const body = Buffer.from(a.body);
  socket.write(headLines(a.status, a.contentType, a.headers, `Content-Length: ${body.length}`, close));
  if (!head) socket.write(body);
  if (close) socket.end();
}

/** Serves HTTP/1.x requests on the socket, one at a time, until the client closes or asks to. */
export function serveHttp1(socket: ByteSocket, first: Uint8Array, route: HttpRoute, opts: Http1Options): void {
  let buffered = Buffer.from(first);
  let busy = false;
  let ended = false;
  /** The streamed answer in progress, told when the socket drains or closes. */
  let streaming: HttpStreamSink | undefined;
  /** 100 Continue went out for the request whose body is awaited. */
  let continued = false;
  /** A chunked body still coming to a route that reads it as it comes. */
  let bodyIn: BodyQueue | undefined;
  /** Hands what arrived of the body in progress to its route; the next request waits for its end. */
  const feedBody = (): void => {
    const q = bodyIn;
    if (q === undefined) return;
    const got = takeChunks(buffered, opts.maxBodyBytes);
    if (typeof got === "string") {
      bodyIn = undefined;
      q.end();
      ended = true;
      socket.destroy();
      return;
    }
    buffered = buffered.subarray(got.used);
    for (const d of got.data) q.push(Buffer.from(d));
    if (got.done) {
      bodyIn = undefined;
      q.end();
      next();
    }
  };
  const send = (a: HttpAnswer, head: boolean, close: boolean): void => {
    if (ended) return;
    ended = close;
    respond(socket, a, head, close);
  };

  /** Chunked transfer: the connection stays with this answer until it ends, then serves the next request. */
  const openStream = (s: Extract<HttpReply, { open: unknown }>, close: boolean, done: () => void): void => {
    socket.write(headLines(s.status, s.contentType, s.headers, "Transfer-Encoding: chunked", close));
    let finished = false;
    const sink: HttpStreamSink = {
      write(text) {
        if (finished || ended) return false;
        const bytes = Buffer.from(text);
        if (bytes.length === 0) return true;
        return socket.write(Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`, "latin1"), bytes, Buffer.from("\r\n", "latin1")]));
      },
      end() {
        if (finished) return;
        finished = true;
        streaming = undefined;
        if (!ended) socket.write(Buffer.from("0\r\n\r\n", "latin1"));
        if (close && !ended) {
          ended = true;
          socket.end();
        }
        done();
      },
      onDrain: () => {},
      onClose: () => {},
    };
    streaming = sink;
    s.open(sink);
  };

  const next = (): void => {
    if (busy || ended || bodyIn !== undefined) return;
    const end = buffered.indexOf("\r\n\r\n");
    if (end < 0) {
      if (buffered.length > MAX_HEAD_BYTES) send(textAnswer(431, "request head over 8 KiB\n"), false, true);
      return;
    }
    const headText = buffered.subarray(0, end).toString("latin1");
    const [requestLine = "", ...headerLines] = headText.split("\r\n");
    const [method = "", target = "", version = ""] = requestLine.split(" ");
    const headers = new Map(headerLines.map((l) => {
      const colon = l.indexOf(":");
      return [l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim()] as const;
    }));
    const close = version !== "HTTP/1.1" || headers.get("connection")?.toLowerCase() === "close";
    if (!version.startsWith("HTTP/1.")) return send(textAnswer(400, "not an HTTP/1.x request\n"), false, true);
    // curl sends a body over 1 KiB (and every -T upload) only after 100 Continue, or a second later.
    if (headers.get("expect")?.toLowerCase() === "100-continue" && !continued) {
      continued = true;
      socket.write(Buffer.from("HTTP/1.1 100 Continue\r\n\r\n", "latin1"));
    }
    let body: Buffer;
    let bodyStream: BodyQueue | undefined;
    const coding = headers.get("transfer-encoding")?.toLowerCase();
    const pathOnly = target.split("?")[0] ?? "";
    if (coding === "chunked" && route.streamsBody?.(pathOnly) === true) {
      // The route reads the body as it comes (a gateway watch): serve now, feed it as it arrives.
      body = Buffer.alloc(0);
      bodyStream = new BodyQueue();
      buffered = buffered.subarray(end + 4);
    } else if (coding !== undefined) {
      if (coding !== "chunked") return send(textAnswer(501, `transfer-encoding ${coding} is not supported (chunked is)\n`), false, true);
      // The whole body is read before the request is served (a watch starts once its requests are in).
      const got = dechunk(buffered.subarray(end + 4), opts.maxBodyBytes);
      if (got === "incomplete") return;
      if (typeof got === "string") return send(textAnswer(got.includes("limit") ? 413 : 400, `${got}\n`), false, true);
      body = got.body;
      buffered = buffered.subarray(end + 4 + got.used);
    } else {
      const length = Number(headers.get("content-length") ?? "0");
      if (!Number.isSafeInteger(length) || length < 0) return send(textAnswer(400, "bad Content-Length\n"), false, true);
      if (length > opts.maxBodyBytes) {
        return send(textAnswer(413, `request body of ${length} bytes is over this port's limit of ${opts.maxBodyBytes}\n`), false, true);
      }
      if (buffered.length < end + 4 + length) return; // the body is still coming
      body = buffered.subarray(end + 4, end + 4 + length);
      buffered = buffered.subarray(end + 4 + length);
    }
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1));
    const head = method === "HEAD";
    continued = false;
    const answer = route({ method, path, query, headers, body, remoteAddress: socket.remoteAddress, ...(bodyStream ? { bodyStream } : {}) });
    if (answer !== undefined && bodyStream !== undefined) {
      bodyIn = bodyStream;
      feedBody();
    }
    if (answer === undefined) {
      return send(notFound(path), head, close);
    }
    busy = true;
    const done = () => {
      busy = false;
      if (!close) next();
    };
    answer.then(
      (a) => {
        if (ended) return;
        if (isStream(a)) return openStream(a, close, done);
        send(a, head, close);
        done();
      },
      (err: unknown) => send(textAnswer(500, `${err instanceof Error ? err.message : String(err)}\n`), false, true),
    );
  };

  socket.onData = (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (bodyIn !== undefined) feedBody();
    else next();
  };
  socket.onDrain = () => streaming?.onDrain();
  socket.onClose = () => {
    ended = true;
    const s = streaming;
    streaming = undefined;
    s?.onClose();
  };
  next();
}
