// HTTP requests that arrive as HTTP/2 streams but are not gRPC (curl --http2-prior-knowledge,
// or any h2 client probing /health): the same routes as HTTP/1.1, answered on the stream.
// etcd serves its HTTP handlers over h2c on the client port too.
import { H2Error, type H2ServerStream } from "../h2/types.ts";
import { BodyQueue, type HttpAnswer, type HttpReply, type HttpRoute, type HttpStreamSink, httpDate, isStream, notFound, textAnswer } from "./http-types.ts";
import type { Http1Options } from "./http1.ts";

function answer(stream: H2ServerStream, a: HttpAnswer, head: boolean): void {
  const body = Buffer.from(a.body);
  stream.respond([
    [":status", String(a.status)],
    ...(a.contentType === "" ? [] : [["content-type", a.contentType] as [string, string]]),
    ["content-length", String(body.length)],
    ...(a.headers ?? []).map(([n, v]) => [n.toLowerCase(), v] as [string, string]),
    ["date", httpDate()],
  ], head || body.length === 0);
  if (!head && body.length > 0) {
    stream.write(body);
    stream.end();
  }
}

export function serveHttp2Stream(stream: H2ServerStream, route: HttpRoute, opts: Http1Options): void {
  let method = "";
  let target = "";
  const headers = new Map<string, string>();
  for (const [name, value] of stream.headers) {
    if (name === ":method") method = value;
    else if (name === ":path") target = value;
    else if (!name.startsWith(":")) headers.set(name, value);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  let refused = false;
  let sink: HttpStreamSink | undefined;
  stream.onDrain = () => sink?.onDrain();
  stream.onReset = () => {
    const s = sink;
    sink = undefined;
    s?.onClose();
  };
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1));
  const head = method === "HEAD";

  const serve = (reply: Promise<HttpReply> | undefined): void => {
    if (reply === undefined) {
      answer(stream, notFound(path), head);
      return;
    }
    reply.then((r) => {
      if (stream.closed) return;
      if (!isStream(r)) return answer(stream, r, head);
      stream.respond([
        [":status", String(r.status)],
        ["content-type", r.contentType],
        ...(r.headers ?? []).map(([n, v]) => [n.toLowerCase(), v] as [string, string]),
        ["date", httpDate()],
      ]);
      let finished = false;
      sink = {
        write: (text) => !finished && !stream.closed && stream.write(Buffer.from(text)),
        end: () => {
          if (finished) return;
          finished = true;
          sink = undefined;
          if (!stream.closed) stream.end();
        },
        onDrain: () => {},
        onClose: () => {},
      };
      r.open(sink);
    }, (err: unknown) => {
      if (!stream.closed) answer(stream, textAnswer(500, `${err instanceof Error ? err.message : String(err)}\n`), false);
    });
  };

  if (route.streamsBody?.(path) === true) {
    // The route reads the body as its DATA frames come (a gateway watch): serve at once.
    const body = new BodyQueue();
    stream.onData = (chunk) => body.push(Buffer.from(chunk));
    stream.onEnd = () => body.end();
    serve(route({ method, path, query, headers, body: new Uint8Array(0), bodyStream: body, remoteAddress: stream.remoteAddress }));
    return;
  }

  stream.onData = (chunk) => {
    if (refused) return;
    size += chunk.length;
    if (size > opts.maxBodyBytes) {
      refused = true;
      answer(stream, textAnswer(413, `request body over this port's limit of ${opts.maxBodyBytes} bytes\n`), false);
      stream.reset(H2Error.NO_ERROR);
      return;
    }
    chunks.push(chunk);
  };
  stream.onEnd = () => {
    if (refused) return;
    serve(route({ method, path, query, headers, body: Buffer.concat(chunks), remoteAddress: stream.remoteAddress }));
  };
}
