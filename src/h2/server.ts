// An HTTP/2 server (prior knowledge on plain TCP, ALPN "h2" on TLS) on Bun's sockets or node:net/node:tls. Each accepted socket
// is sniffed first: the client preface makes it an HTTP/2 connection; an HTTP/1.x request line
// hands it to onHttp1 (the client port answers /health, /version and /metrics like etcd); anything
// else is a bad preface and is closed. A plaintext client of a TLS port is sniffed the same way and
// told to use TLS (plaintext.ts): a gRPC error on each request, then GOAWAY; a 400 for HTTP/1.x.
import { ServerConnection } from "./server-connection.ts";
import { FrameWriter, PREFACE } from "./frames.ts";
import { resolveConfig } from "./settings.ts";
import { listenBun } from "./socket-bun.ts";
import { listenNode } from "./socket-node.ts";
import { listenTlsBun, type TlsListenOptions } from "./socket-tls-bun.ts";
import { refuseHttp1, refuseStream, TLS_REQUIRED } from "./plaintext.ts";
import { listenTlsNode } from "./socket-tls-node.ts";
import { type ByteListener, type ByteSocket, H2Error, type H2ServerOptions } from "./types.ts";

export interface H2Server {
  readonly port: number;
  connectionCount(): number;
  /** GOAWAY(NO_ERROR) with the last stream id to every connection, wait up to graceMs for open streams,
   *  then close sockets. Stops accepting at once. */
  close(graceMs?: number): Promise<void>;
}

export type H2ServerStartOptions = H2ServerOptions & {
  host: string;
  port: number;
  socket?: "bun" | "node";
  /** A connection whose first bytes are not the HTTP/2 preface but look like HTTP/1.x is handed here (the
   *  client port will serve /health, /version, /metrics over HTTP/1.1 like etcd); absent: close it. */
  onHttp1?: (socket: ByteSocket, firstBytes: Uint8Array) => void;
};

/** A client that has not sent its preface by then is dropped. */
const PREFACE_TIMEOUT_MS = 10_000;
/** After the grace period, how long closed sockets get to report that they are gone. */
const CLOSE_WAIT_MS = 1000;

const noop = (): void => {};

/** "yes": an HTTP/1.x method and a space; "maybe": too few bytes to tell; "no". */
function http1Verdict(b: Uint8Array): "yes" | "maybe" | "no" {
  for (let i = 0; i < b.length && i < 16; i++) {
    const c = b[i]!;
    if (c === 0x20) return i > 0 ? "yes" : "no";
    if (c < 0x41 || c > 0x5a) return "no";
  }
  return b.length < 16 ? "maybe" : "no";
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export async function startH2Server(opts: H2ServerStartOptions): Promise<H2Server> {
  const config = resolveConfig(opts);
  const conns = new Set<ServerConnection>();
  const sockets = new Set<ByteSocket>();
  const http1 = new Set<ByteSocket>();
  let closing: Promise<void> | undefined;
  let onEmpty: (() => void) | undefined;

  const badPreface = (sock: ByteSocket, why: string): void => {
    // A server's first frame is SETTINGS (§3.4), so an HTTP/2 client reads the GOAWAY after it.
    const out = new FrameWriter();
    out.settings([]);
    out.goaway(0, H2Error.PROTOCOL_ERROR, why);
    sock.write(out.take());
    sock.end();
    opts.onProtocolError?.(`${sock.remoteAddress}:${sock.remotePort}`, H2Error.PROTOCOL_ERROR, `PROTOCOL_ERROR: ${why}`);
  };

  const startH2 = (sock: ByteSocket, rest: Uint8Array): void => {
    const conn: ServerConnection = new ServerConnection(sock, config, {
      onProtocolError: opts.onProtocolError,
      onClosed: () => conns.delete(conn),
    }, opts.onStream);
    conns.add(conn);
    if (closing) conn.shutdown("server shutting down");
    if (rest.length > 0) conn.receive(rest);
  };

  /** Reads the first bytes: the HTTP/2 preface goes to `h2`, an HTTP/1.x request line to `http1`,
   *  anything else to `neither` (an HTTP/2 GOAWAY unless told otherwise). */
  const sniff = (
    sock: ByteSocket,
    h2: (rest: Uint8Array) => void,
    http1Route: (got: Uint8Array) => void,
    neither = () => badPreface(sock, "invalid connection preface"),
  ): void => {
    let got: Uint8Array = new Uint8Array(0);
    const timer = setTimeout(() => sock.destroy(), PREFACE_TIMEOUT_MS);
    timer.unref?.();
    sock.onClose = () => clearTimeout(timer);
    sock.onData = (chunk) => {
      got = got.length === 0 ? chunk : concat(got, chunk);
      const n = Math.min(got.length, PREFACE.length);
      let i = 0;
      while (i < n && got[i] === PREFACE[i]) i++;
      if (i === PREFACE.length) {
        clearTimeout(timer);
        return h2(got.subarray(PREFACE.length));
      }
      if (i === got.length) return; // a prefix of the preface so far
      // "PRI " is no HTTP/1.x method (RFC 9113 §3.4 reserved it): a broken HTTP/2 preface.
      const verdict = i >= 4 ? "no" : http1Verdict(got);
      if (verdict === "maybe") return;
      clearTimeout(timer);
      sock.onData = noop;
      sock.onClose = noop;
      if (verdict === "no") return neither();
      http1Route(got);
    };
  };

  const serveHttp1 = (sock: ByteSocket, got: Uint8Array): void => {
    if (!opts.onHttp1 || closing) return sock.end();
    http1.add(sock);
    opts.onHttp1(sock, got);
  };

  /** A plaintext client of a TLS port: each request it makes is told to use TLS, then it is closed. */
  const refusePlaintextH2 = (sock: ByteSocket, rest: Uint8Array): void => {
    const deadline = setTimeout(() => conn.destroy(), PREFACE_TIMEOUT_MS);
    deadline.unref?.();
    const conn: ServerConnection = new ServerConnection(sock, config, {
      onClosed: () => {
        clearTimeout(deadline);
        conns.delete(conn);
      },
    }, (s) => {
      refuseStream(s);
      conn.shutdown(TLS_REQUIRED);
    });
    conns.add(conn);
    if (closing) conn.shutdown("server shutting down");
    if (rest.length > 0) conn.receive(rest);
  };

  const listen: TlsListenOptions = {
    host: opts.host,
    port: opts.port,
    http1: opts.onHttp1 !== undefined,
    onSocket: (sock) => {
      sockets.add(sock);
      if (closing) return sock.destroy();
      if (opts.tcpKeepAliveMs) sock.setKeepAlive(opts.tcpKeepAliveMs);
      sniff(sock, (rest) => startH2(sock, rest), (got) => serveHttp1(sock, got));
    },
    onPlaintext: (sock, first) => {
      sockets.add(sock);
      if (closing) return sock.destroy();
      sniff(sock, (rest) => refusePlaintextH2(sock, rest), () => refuseHttp1(sock), () => sock.end());
      sock.onData(first);
    },
    onSocketGone: (sock) => {
      sockets.delete(sock);
      http1.delete(sock);
      if (sockets.size === 0) onEmpty?.();
    },
  };
  const useNode = opts.socket === "node" || (opts.socket === undefined && (globalThis as { Bun?: unknown }).Bun === undefined);
  const listener: ByteListener = opts.tls
    ? await (useNode ? listenTlsNode(listen, opts.tls) : listenTlsBun(listen, opts.tls))
    : await (useNode ? listenNode(listen) : listenBun(listen));

  const waitEmpty = (ms: number): Promise<void> => new Promise<void>((resolve) => {
    if (sockets.size === 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      onEmpty = undefined;
      resolve();
    }
    onEmpty = done;
  });

  const close = async (graceMs: number): Promise<void> => {
    listener.close();
    for (const c of conns) c.shutdown("server shutting down");
    // HTTP/1.x sockets may sit idle in keep-alive for ever: end them now, as a FIN after what is queued.
    for (const s of http1) s.end();
    await waitEmpty(graceMs);
    for (const c of conns) c.destroy();
    for (const s of sockets) s.destroy();
    await waitEmpty(CLOSE_WAIT_MS);
  };

  return {
    port: listener.port,
    connectionCount: () => conns.size,
    close(graceMs = 2000): Promise<void> {
      closing ??= close(graceMs);
      return closing;
    },
  };
}
