// ByteSocket on node:tls (Deno and node; Bun uses socket-tls-bun.ts), ALPN "h2". node's server
// swaps its certificate in place (setSecureContext), so replaced files take effect for the next
// handshake without touching the listening socket. As on Bun, a plain listener reads the first
// bytes: a TLS handshake record is handed, bytes put back, to the TLS server (which never listens
// itself), anything else goes to onPlaintext.
import { createServer as createNetServer, isIP, type Socket as NetSocket } from "node:net";
import * as tls from "node:tls";
import { explainTlsError, identityOf, type TlsListenOptions } from "./socket-tls-bun.ts";
import { NodeByteSocket } from "./socket-node.ts";
import { reloadOnChange, reportFailedHandshakes, routeFirstBytes } from "./tls-front.ts";
import type { ByteListener, ByteSocket, H2ClientTls, H2ServerTls } from "./types.ts";

const NOT_TLS = "not TLS (a plaintext client or server?)";

export function listenTlsNode(o: TlsListenOptions, t: H2ServerTls): Promise<ByteListener> {
  return new Promise<ByteListener>((resolve, reject) => {
    let server: tls.Server;
    try {
      const m = t.material();
      server = tls.createServer({
        cert: m.cert, key: m.key, ca: m.ca || undefined,
        requestCert: t.requireClientCert, rejectUnauthorized: t.requireClientCert,
        ALPNProtocols: o.http1 === true ? ["h2", "http/1.1"] : ["h2"],
      });
    } catch (err) {
      reject(new Error(`cannot listen with TLS on ${o.host}:${o.port}: ${(err as Error).message}`));
      return;
    }
    server.on("secureConnection", (s: tls.TLSSocket) => {
      if (t.requireClientCert && t.authorize) {
        const why = t.authorize(identityOf(s.getPeerCertificate()));
        if (why !== undefined) {
          t.onRefused?.(`${s.remoteAddress}:${s.remotePort}`, why);
          s.destroy();
          return;
        }
      }
      s.setNoDelay(true);
      const w = new NodeByteSocket(s, o.onSocketGone);
      if (t.requireClientCert) w.peerCommonName = identityOf(s.getPeerCertificate()).commonName;
      o.onSocket(w);
    });
    // Deno's TLS socket forgets its peer once the handshake failed: keep the TCP socket's.
    const remotes = new WeakMap<object, string>();
    const plain = createNetServer({ noDelay: true }, (raw: NetSocket) => {
      const remote = `${raw.remoteAddress}:${raw.remotePort}`;
      remotes.set(raw, remote);
      raw.once("error", () => {});
      routeFirstBytes(raw, server, (first) => {
        t.onRefused?.(remote, NOT_TLS);
        if (!o.onPlaintext) return raw.destroy();
        const w = new NodeByteSocket(raw, o.onSocketGone);
        raw.resume();
        o.onPlaintext(w, first);
      });
    });
    reportFailedHandshakes(server, t, remotes);
    const unwatch = reloadOnChange(server, t);
    plain.once("error", (err) => reject(new Error(`cannot listen on ${o.host}:${o.port}: ${err.message}`)));
    plain.listen(o.port, o.host, () => {
      const addr = plain.address();
      resolve({
        port: typeof addr === "object" && addr ? addr.port : o.port,
        close: () => {
          unwatch?.();
          plain.close();
        },
      });
    });
  });
}

export function connectTlsNode(host: string, port: number, timeoutMs: number, t: H2ClientTls): Promise<ByteSocket> {
  return new Promise<ByteSocket>((resolve, reject) => {
    let m;
    try {
      m = t.material();
    } catch (err) {
      reject(new Error(`cannot connect to ${host}:${port}: ${(err as Error).message}`));
      return;
    }
    const name = t.serverName ?? host;
    const s = tls.connect({
      host, port, ca: m.ca || undefined, cert: m.cert, key: m.key, ALPNProtocols: ["h2"], rejectUnauthorized: true,
      // SNI carries host names only; an IP is checked against the certificate's IP SANs.
      ...(isIP(name) ? { checkServerIdentity: (_h: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(name, cert) } : { servername: name }),
    });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connecting to ${host}:${port} (TLS) took over ${timeoutMs} ms`));
    }, timeoutMs);
    s.once("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`TLS handshake with ${host}:${port} failed: ${explainTlsError(err.message)}`));
    });
    s.once("secureConnect", () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve(new NodeByteSocket(s));
    });
  });
}
