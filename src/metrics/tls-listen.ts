// The metrics address over HTTPS (metrics.tls): a plain listener reads each connection's first
// byte, as the client port's does (src/h2): a TLS handshake record (0x16) goes to a node:tls server
// with [tls.client]'s certificate, whose secured sockets the metrics HTTP server serves; a plaintext
// request gets a 400 that says to use https:// (a TLS alert means nothing to curl or to a scraper
// configured for http). Not node:https: Bun's ignores a connection handed to it.
import type { Server as HttpServer } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { reloadOnChange, reportFailedHandshakes, routeFirstBytes } from "../h2/tls-front.ts";
import type { H2ServerTls } from "../h2/types.ts";

const PLAINTEXT_ANSWER = "Client sent an HTTP request to an HTTPS server: the metrics address serves TLS only (metrics.tls = true): use https:// with the cluster CA (curl --cacert ca.pem, plus --cert/--key when client_cert_auth is on)\n";

export interface TlsMetricsListener {
  /** The plain listener to call listen() on; its connections reach `handler` over TLS. */
  readonly server: NetServer;
  /** Closes every connection (scrapers keep theirs alive). */
  closeAll(): void;
  close(): void;
}

export function tlsMetricsListener(t: H2ServerTls, http: HttpServer): TlsMetricsListener {
  const m = t.material();
  const https = createTlsServer({
    cert: m.cert, key: m.key, ca: m.ca || undefined,
    requestCert: t.requireClientCert, rejectUnauthorized: t.requireClientCert,
  }, (s: TLSSocket) => http.emit("connection", s));
  const sockets = new Set<Socket>();
  const remotes = new WeakMap<object, string>();
  reportFailedHandshakes(https, t, remotes);
  const server = createNetServer((raw: Socket) => {
    const remote = `${raw.remoteAddress}:${raw.remotePort}`;
    remotes.set(raw, remote);
    sockets.add(raw);
    raw.once("close", () => sockets.delete(raw));
    raw.on("error", () => {});
    routeFirstBytes(raw, https, () => {
      t.onRefused?.(remote, "not TLS (a plaintext client?)");
      raw.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(PLAINTEXT_ANSWER)}\r\nConnection: close\r\n\r\n${PLAINTEXT_ANSWER}`);
    });
  });
  const unwatch = reloadOnChange(https, t);
  return {
    server,
    closeAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => unwatch?.(),
  };
}
