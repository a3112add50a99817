// The client port's HTTP/1.1 side, as etcd's: GET /health, /version and /metrics next to gRPC on
// the same port (the HTTP/2 layer hands over connections that do not start with its preface).
// Requests are small and bounded: a head over 8 KiB is refused, bodies are not read.
import type { ByteSocket } from "../h2/types.ts";

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

export type HttpRoute = (path: string) => Promise<HttpAnswer> | undefined;

const MAX_HEAD_BYTES = 8 * 1024;
const REASONS: Record<number, string> = { 200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable" };

function respond(socket: ByteSocket, a: HttpAnswer, head: boolean, close: boolean): void {
  const body = Buffer.from(a.body);
  const lines = [
    `HTTP/1.1 ${a.status} ${REASONS[a.status] ?? "Status"}`,
    `Content-Type: ${a.contentType}`,
    `Content-Length: ${body.length}`,
    ...(close ? ["Connection: close"] : []),
    "",
    "",
  ];
  socket.write(Buffer.from(lines.join("\r\n"), "latin1"));
  if (!head) socket.write(body);
  if (close) socket.end();
}

const text = (status: number, body: string): HttpAnswer => ({ status, contentType: "text/plain; charset=utf-8", body });

/** Serves HTTP/1.x requests on the socket, one at a time, until the client closes or asks to. */
export function serveHttp1(socket: ByteSocket, first: Uint8Array, route: HttpRoute): void {
  let buffered = Buffer.from(first);
  let busy = false;
  let ended = false;
  const send = (a: HttpAnswer, head: boolean, close: boolean): void => {
    if (ended) return;
    ended = close;
    respond(socket, a, head, close);
  };

  const next = (): void => {
    if (busy || ended) return;
    const end = buffered.indexOf("\r\n\r\n");
    if (end < 0) {
      if (buffered.length > MAX_HEAD_BYTES) send(text(431, "request head over 8 KiB\n"), false, true);
      return;
    }
    const head = buffered.subarray(0, end).toString("latin1");
    buffered = buffered.subarray(end + 4);
    const [requestLine = "", ...headerLines] = head.split("\r\n");
    const [method = "", target = "", version = ""] = requestLine.split(" ");
    const headers = new Map(headerLines.map((l) => {
      const colon = l.indexOf(":");
      return [l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim().toLowerCase()] as const;
    }));
    const close = version !== "HTTP/1.1" || headers.get("connection") === "close";
    if (!version.startsWith("HTTP/1.")) return send(text(400, "not an HTTP/1.x request\n"), false, true);
    if ((headers.get("content-length") ?? "0") !== "0" || headers.has("transfer-encoding")) {
      return send(text(400, "request bodies are not accepted on this port's HTTP/1.1 side\n"), false, true);
    }
    const path = target.split("?")[0] ?? "/";
    if (method !== "GET" && method !== "HEAD") return send(text(405, `method ${method} not allowed on ${path}\n`), false, close);
    const answer = route(path);
    if (answer === undefined) {
      return send(text(404, `not found: ${path} (this port serves gRPC, and /health, /version, /metrics over HTTP/1.1)\n`), method === "HEAD", close);
    }
    busy = true;
    answer.then(
      (a) => send(a, method === "HEAD", close),
      (err: unknown) => send(text(500, `${err instanceof Error ? err.message : String(err)}\n`), false, true),
    ).finally(() => {
      busy = false;
      if (!close) next();
    });
  };

  socket.onData = (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    next();
  };
  socket.onDrain = () => {};
  socket.onClose = () => {};
  next();
}
