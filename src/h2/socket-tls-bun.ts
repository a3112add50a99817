// ByteSocket on Bun's TLS sockets (Bun.listen / Bun.connect with `tls`), ALPN "h2". A socket is
// handed to the connection only once its handshake succeeded and, on a listener that requires
// client certificates, the certificate chained to the CA and passed `authorize`; a refused one is
// closed there and reported with the remote address and the reason.
//
// Bun cannot swap a listener's certificate in place, so when the files change the listener is
// rebuilt on the same port: the old one stops accepting (its connections stay), the new one
// listens with the new material, in the same turn of the event loop.
import { type BunSocket, BunByteSocket, handlers, type SocketListenOptions, type SocketState } from "./socket-bun.ts";
import type { ByteListener, ByteSocket, H2ClientTls, H2ServerTls, TlsMaterial } from "./types.ts";

/** ALPN protocol list in wire format (length-prefixed), which is what Bun takes. */
export const ALPN_H2 = "\x02h2";

type PeerCertificate = { subject?: { CN?: string | string[] } } | undefined;

function commonName(s: BunSocket): string {
  const cert = (s as unknown as { getPeerCertificate(): PeerCertificate }).getPeerCertificate();
  const cn = cert?.subject?.CN;
  return Array.isArray(cn) ? cn.join(",") : cn ?? "";
}

const EXPLAINED: [RegExp, string][] = [
  [/PEER_DID_NOT_RETURN_A_CERTIFICATE|CERTIFICATE_REQUIRED/, "no client certificate (this port requires one signed by its trusted CA)"],
  [/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify the first certificate|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED|self[- ]signed|unknown ca|UNKNOWN_CA/i, "certificate not signed by the trusted CA"],
  [/CERT_HAS_EXPIRED|certificate has expired/i, "certificate expired"],
  [/CERT_NOT_YET_VALID/, "certificate not yet valid (clock?)"],
  [/ALTNAME|Hostname\/IP does not match/i, "certificate SANs do not name the address dialled"],
  [/ECONNRESET|EPIPE/, "the other side hung up during the handshake (did it refuse this side's certificate?)"],
  [/WRONG_VERSION_NUMBER|HTTP_REQUEST|UNKNOWN_PROTOCOL|PACKET_LENGTH_TOO_LONG/, "not TLS (a plaintext client or server?)"],
];

/** A handshake error as an operator reads it: what went wrong, then the library's words. */
export function explainTlsError(raw: string): string {
  for (const [re, text] of EXPLAINED) if (re.test(raw)) return `${text} (${raw})`;
  return raw;
}

function reasonOf(err: Error | undefined): string {
  if (!err) return "handshake failed";
  const code = (err as { code?: string }).code;
  return explainTlsError(code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message);
}

interface TlsSocketState extends SocketState {
  settled?: boolean;
  /** Taken at open: a socket that closed no longer knows its peer. */
  remote?: string;
}
type TlsBunSocket = import("bun").Socket<TlsSocketState>;

function serverTls(tls: H2ServerTls, m: TlsMaterial & { cert: string; key: string }) {
  return {
    cert: m.cert,
    key: m.key,
    ca: m.ca || undefined,
    requestCert: tls.requireClientCert,
    rejectUnauthorized: tls.requireClientCert,
    ALPNProtocols: ALPN_H2,
  };
}

export function listenTlsBun(o: SocketListenOptions, tls: H2ServerTls): Promise<ByteListener> {
  const base = handlers(() => {}, o.onSocketGone);
  const remote = (s: BunSocket) => `${s.remoteAddress}:${(s as unknown as { remotePort?: number }).remotePort ?? 0}`;
  const refuse = (s: TlsBunSocket, reason: string) => {
    s.data.settled = true;
    tls.onRefused?.(s.data.remote ?? remote(s), reason);
    s.terminate();
  };
  const socket = {
    ...base,
    open(s: TlsBunSocket) { s.data = { remote: remote(s) }; },
    handshake(s: TlsBunSocket, ok: boolean, err: Error | null) {
      if (s.data.settled) return;
      if (!ok || err) return refuse(s, reasonOf(err ?? undefined));
      if (tls.requireClientCert && tls.authorize) {
        const why = tls.authorize({ commonName: commonName(s) });
        if (why !== undefined) return refuse(s, why);
      }
      s.data.settled = true;
      const w = new BunByteSocket(s, o.onSocketGone);
      s.data.wrapper = w;
      o.onSocket(w);
    },
    close(s: TlsBunSocket, err?: Error) {
      if (s.data?.wrapper) return base.close(s, err);
      // Closed before a handshake finished: a plaintext client, or a TLS error the handshake
      // call-back did not see.
      if (s.data && !s.data.settled) refuse(s, err ? reasonOf(err) : "closed during the TLS handshake (a client speaking plaintext to a TLS port?)");
    },
    error(s: TlsBunSocket, err: Error) {
      if (s.data?.wrapper) return base.error(s, err);
      if (s.data && !s.data.settled) refuse(s, reasonOf(err));
    },
  };
  const start = (m: TlsMaterial & { cert: string; key: string }, port: number) =>
    Bun.listen<TlsSocketState>({ hostname: o.host, port, data: {}, tls: serverTls(tls, m), socket });
  let material: TlsMaterial & { cert: string; key: string };
  let current: ReturnType<typeof start>;
  try {
    material = tls.material();
    current = start(material, o.port);
  } catch (err) {
    return Promise.reject(new Error(`cannot listen with TLS on ${o.host}:${o.port}: ${(err as Error).message}`));
  }
  const port = current.port;
  const unwatch = tls.watch?.(() => {
    let next: TlsMaterial & { cert: string; key: string };
    try {
      next = tls.material();
    } catch (err) {
      tls.onReloaded?.(err as Error);
      return;
    }
    current.stop(false);
    try {
      current = start(next, port);
      material = next;
      tls.onReloaded?.();
    } catch (err) {
      try {
        current = start(material, port);
        tls.onReloaded?.(new Error(`kept the previous certificate: ${(err as Error).message}`));
      } catch (again) {
        // The port was taken in between: nothing listens now, and the log must say so.
        tls.onReloaded?.(new Error(`could not listen on ${o.host}:${port} again (${(again as Error).message}); this port accepts no new connections until a restart`));
      }
    }
  });
  return Promise.resolve({
    port,
    close: () => {
      unwatch?.();
      current.stop(false);
    },
  });
}

export function connectTlsBun(host: string, port: number, timeoutMs: number, tls: H2ClientTls): Promise<ByteSocket> {
  return new Promise<ByteSocket>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`connecting to ${host}:${port} (TLS) took over ${timeoutMs} ms`), timeoutMs);
    let m: TlsMaterial;
    try {
      m = tls.material();
    } catch (err) {
      fail(`cannot connect to ${host}:${port}: ${(err as Error).message}`);
      return;
    }
    const base = handlers(() => {});
    Bun.connect<TlsSocketState>({
      hostname: host,
      port,
      data: {},
      // The verdict is ours, in `handshake` (an error there refuses): with rejectUnauthorized Bun
      // may close before reporting why, and the caller would only learn "closed".
      tls: { ca: m.ca || undefined, cert: m.cert, key: m.key, serverName: tls.serverName ?? host, rejectUnauthorized: false, ALPNProtocols: ALPN_H2 },
      socket: {
        ...base,
        open(s: TlsBunSocket) { s.data = {}; },
        handshake(s: TlsBunSocket, ok: boolean, err: Error | null) {
          if (!ok || err) {
            // Before terminate(): it calls `close` at once, which would report a bare "closed".
            fail(`TLS handshake with ${host}:${port} failed: ${reasonOf(err ?? undefined)}`);
            return s.terminate();
          }
          clearTimeout(timer);
          const w = new BunByteSocket(s);
          s.data.wrapper = w;
          if (settled) return w.destroy();
          settled = true;
          resolve(w);
        },
        close(s: TlsBunSocket, err?: Error) {
          if (s.data?.wrapper) return base.close(s, err);
          fail(`TLS handshake with ${host}:${port} failed: ${err ? reasonOf(err) : "the server closed the connection (not a TLS port?)"}`);
        },
        error(s: TlsBunSocket, err: Error) {
          if (s.data?.wrapper) return base.error(s, err);
          fail(`TLS handshake with ${host}:${port} failed: ${reasonOf(err)}`);
        },
        connectError(_s: TlsBunSocket, err: Error) { fail(`cannot connect to ${host}:${port}: ${err.message}`); },
      },
    }).catch((err: Error) => fail(`cannot connect to ${host}:${port}: ${err.message}`));
  });
}
