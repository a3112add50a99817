// One HTTP request and its answer as the client port's routes see them, whichever protocol
// carried it: HTTP/1.1 (http1.ts) or an h2c/h2 stream that is not gRPC (http2.ts). The routes
// (http-routes.ts, health.ts, gateway.ts) never see the wire.

export interface HttpRequest {
  method: string;
  /** The path without the query. */
  path: string;
  query: URLSearchParams;
  /** Lowercase names. */
  headers: ReadonlyMap<string, string>;
  body: Uint8Array;
  /** For a route that streams its request body (`HttpRoute.streamsBody`) and a body that comes
   *  as it is sent (chunked, or HTTP/2 DATA): the body, while the answer is already going out;
   *  `body` is then empty. */
  bodyStream?: BodyQueue;
  remoteAddress: string;
}

/** A request body arriving in pieces: what came before the route listened is kept for it. */
export class BodyQueue {
  private pending: Uint8Array[] = [];
  private ended = false;
  private onData: ((chunk: Uint8Array) => void) | undefined;
  private onEnd: (() => void) | undefined;

  push(chunk: Uint8Array): void {
    if (this.ended || chunk.length === 0) return;
    if (this.onData) this.onData(chunk);
    else this.pending.push(chunk);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd?.();
  }

  listen(onData: (chunk: Uint8Array) => void, onEnd: () => void): void {
    this.onData = onData;
    this.onEnd = onEnd;
    for (const c of this.pending) onData(c);
    this.pending = [];
    if (this.ended) onEnd();
  }
}

/** A whole answer, sent with its length. */
export interface HttpAnswer {
  status: number;
  /** "" sends none (Go's net/http sends none for an empty body it had nothing to sniff in). */
  contentType: string;
  body: string;
  headers?: [name: string, value: string][];
}

/** Where a streamed answer goes (a watch of the gRPC gateway): chunked on HTTP/1.1, DATA
 *  frames on HTTP/2. */
export interface HttpStreamSink {
  /** False once the client is not keeping up; `onDrain` follows. */
  write(text: string): boolean;
  end(): void;
  onDrain: () => void;
  /** The client went away (or the connection closed) before `end()`. */
  onClose: () => void;
}

/** An answer of unbounded length: `open` is called once the status line is out. */
export interface HttpStreamAnswer {
  status: number;
  contentType: string;
  headers?: [name: string, value: string][];
  open(sink: HttpStreamSink): void;
}

export type HttpReply = HttpAnswer | HttpStreamAnswer;

export const isStream = (r: HttpReply): r is HttpStreamAnswer => "open" in r;

/** undefined: no such path (404). `streamsBody(path)`: the route takes a body that is still
 *  coming (`HttpRequest.bodyStream`) instead of waiting for all of it. */
export type HttpRoute = ((req: HttpRequest) => Promise<HttpReply> | undefined) & { streamsBody?: (path: string) => boolean };

export const REASONS: Record<number, string> = {
  200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
  409: "Conflict", 411: "Length Required", 412: "Precondition Failed", 413: "Payload Too Large", 429: "Too Many Requests",
  431: "Request Header Fields Too Large", 499: "Client Closed Request", 500: "Internal Server Error", 501: "Not Implemented",
  503: "Service Unavailable", 504: "Gateway Timeout",
};

export const textAnswer = (status: number, body: string, headers?: [string, string][]): HttpAnswer =>
  ({ status, contentType: "text/plain; charset=utf-8", body, headers: [["X-Content-Type-Options", "nosniff"], ...(headers ?? [])] });

/** No route for the path: Go's 404 status and headers, with what this port does serve. */
export const notFound = (path: string): HttpAnswer =>
  textAnswer(404, `404 page not found: ${path} (this port serves gRPC, the gRPC gateway under /v3/, and /health, /livez, /readyz, /version, /metrics)\n`);

/** The Date header Go's net/http puts on every answer (RFC 9110's IMF-fixdate). */
export const httpDate = (): string => new Date().toUTCString();

/** Go's http.Error for a method a handler does not take, as etcd's handlers answer. */
export const methodNotAllowed = (allow: string): HttpAnswer => textAnswer(405, "Method Not Allowed\n", [["Allow", allow]]);
