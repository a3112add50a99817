// ByteSocket on Bun's TLS sockets, ALPN "h2". A socket is handed to the connection only once its
// handshake succeeded and, on a listener that requires client certificates, the certificate chained
// to the CA and passed `authorize`; a refused one is closed there and reported with the remote
// address and the reason.
//
// The listener is a plain Bun.listen that reads the first bytes itself: a TLS client's first record
// is a handshake (0x16), and the socket is upgraded to TLS in place with those bytes fed back
// (Bun's upgradeTLS with isServer and initialData, the path its own node:tls server takes); anything
// else is a plaintext client, which Bun's TLS listener could only drop with a TLS alert it does not
// understand. It goes to `onPlaintext`, so the server can tell it, in its own protocol, to use TLS.
// The certificate is read per upgrade, so replaced files take effect for the next connection
// without touching the listening socket.
import { createSecureContext } from "node:tls";
import { type BunSocket, BunByteSocket, handlers, type SocketListenOptions, type SocketState } from "./socket-bun.ts";
import type { ByteListener, ByteSocket, H2ClientTls, H2ServerTls, PeerIdentity, TlsMaterial } from "./types.ts";

/** ALPN protocol list in wire format (length-prefixed), which is what Bun takes. */
export const ALPN_H2 = "\x02h2";
/** h2 first, then HTTP/1.1: for a port that also answers HTTP/1.1 (the client port's /health,
 *  /metrics and JSON gateway, which probes and curl --http1.1 reach over TLS). */
export const ALPN_H2_HTTP1 = "\x02h2\x08http/1.1";

type PeerCertificate = { subject?: { CN?: string | string[] }; subjectaltname?: string } | undefined;

/** The verified client certificate's names, for `authorize` (node:tls's shape on both runtimes). */
export function identityOf(cert: PeerCertificate): PeerIdentity {
  const cn = cert?.subject?.CN;
  return { commonName: Array.isArray(cn) ? cn.join(",") : cn ?? "", subjectAltName: cert?.subjectaltname ?? "" };
}

const identity = (s: BunSocket): PeerIdentity => identityOf((s as unknown as { getPeerCertificate(): PeerCertificate }).getPeerCertificate());

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
  /** The listener's deadline for the handshake (cleared once settled). */
  timer?: ReturnType<typeof setTimeout>;
}
type TlsBunSocket = import("bun").Socket<TlsSocketState>;

/** A connection to a TLS port, before and after its first bytes. */
interface RawState extends SocketState {
  remote: string;
  /** first: nothing read yet; tls: upgraded (what this socket reads is ciphertext for the TLS one); plain: not TLS. */
  phase: "first" | "tls" | "plain";
  timer?: ReturnType<typeof setTimeout>;
}
type RawSocket = import("bun").Socket<RawState>;

/** The content type of a TLS handshake record (RFC 8446 §5.1), the first byte a TLS client sends. */
export const TLS_HANDSHAKE_RECORD = 0x16;
/** A connection that has not finished its handshake by then is dropped (the plaintext listener
 *  holds every silent socket otherwise). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface TlsListenOptions extends SocketListenOptions {
  /** A client whose first byte is not a TLS record, on a plain ByteSocket with those bytes; absent,
   *  it is closed. Either way it is reported to the TLS options' onRefused. */
  onPlaintext?(s: ByteSocket, firstBytes: Uint8Array): void;
  /** Offer HTTP/1.1 as well as h2 in ALPN (the port also serves HTTP/1.1). */
  http1?: boolean;
}

function serverTls(tls: H2ServerTls, m: TlsMaterial & { cert: string; key: string }, http1: boolean) {
  return {
    cert: m.cert,
    key: m.key,
    ca: m.ca || undefined,
    requestCert: tls.requireClientCert,
    rejectUnauthorized: tls.requireClientCert,
    ALPNProtocols: http1 ? ALPN_H2_HTTP1 : ALPN_H2,
  };
}

const NOT_TLS = "not TLS (a plaintext client or server?)";

export function listenTlsBun(o: TlsListenOptions, tls: H2ServerTls): Promise<ByteListener> {
  const base = handlers(() => {}, o.onSocketGone);
  const remote = (s: BunSocket | RawSocket) => `${s.remoteAddress}:${(s as unknown as { remotePort?: number }).remotePort ?? 0}`;
  const refuse = (s: TlsBunSocket, reason: string) => {
    clearTimeout(s.data.timer);
    s.data.settled = true;
    tls.onRefused?.(s.data.remote ?? remote(s), reason);
    s.terminate();
  };
  const secured = {
    ...base,
    open() {},
    handshake(s: TlsBunSocket, ok: boolean, err: Error | null) {
      if (s.data.settled) return;
      // Without requestCert Bun still reports why a certificate the client did not send cannot
      // be verified: only a failed handshake refuses then.
      if (!ok || (err && tls.requireClientCert)) return refuse(s, reasonOf(err ?? undefined));
      if (tls.requireClientCert && tls.authorize) {
        const why = tls.authorize(identity(s));
        if (why !== undefined) return refuse(s, why);
      }
      clearTimeout(s.data.timer);
      s.data.settled = true;
      const w = new BunByteSocket(s, o.onSocketGone);
      if (tls.requireClientCert) w.peerCommonName = identity(s).commonName;
      s.data.wrapper = w;
      o.onSocket(w);
    },
    close(s: TlsBunSocket, err?: Error) {
      if (s.data?.wrapper) return base.close(s, err);
      // Closed before a handshake finished: a TLS error the handshake call-back did not see.
      if (s.data && !s.data.settled) refuse(s, err ? reasonOf(err) : "closed during the TLS handshake");
    },
    error(s: TlsBunSocket, err: Error) {
      if (s.data?.wrapper) return base.error(s, err);
      if (s.data && !s.data.settled) refuse(s, reasonOf(err));
    },
  };
  let options: ReturnType<typeof serverTls>;
  const upgrade = (s: RawSocket, first: Uint8Array) => {
    s.data.phase = "tls";
    const state: TlsSocketState = { remote: s.data.remote, timer: s.data.timer };
    try {
      const [, t] = s.upgradeTLS<TlsSocketState>({ isServer: true, initialData: first, data: state, tls: options, socket: secured } as unknown as import("bun").TLSUpgradeOptions<TlsSocketState>);
      state.timer = setTimeout(() => { if (!state.settled) refuse(t, `no TLS handshake within ${HANDSHAKE_TIMEOUT_MS / 1000} s`); }, HANDSHAKE_TIMEOUT_MS);
      state.timer.unref?.();
    } catch (err) {
      tls.onRefused?.(s.data.remote, `cannot start TLS: ${(err as Error).message}`);
      s.terminate();
    }
  };
  const plaintext = (s: RawSocket, first: Uint8Array) => {
    s.data.phase = "plain";
    tls.onRefused?.(s.data.remote, NOT_TLS);
    if (!o.onPlaintext) return s.terminate();
    const w = new BunByteSocket(s as unknown as BunSocket, o.onSocketGone);
    s.data.wrapper = w;
    o.onPlaintext(w, first);
  };
  const raw = {
    open(s: RawSocket) {
      s.data = { remote: remote(s), phase: "first" };
      s.data.timer = setTimeout(() => {
        if (s.data.phase !== "first") return;
        s.data.phase = "plain";
        s.terminate();
      }, HANDSHAKE_TIMEOUT_MS);
      s.data.timer.unref?.();
    },
    data(s: RawSocket, chunk: Uint8Array) {
      if (s.data.phase === "plain") return s.data.wrapper?.onData(chunk);
      if (s.data.phase === "tls") return; // ciphertext: the TLS socket reads it
      clearTimeout(s.data.timer);
      if (chunk[0] === TLS_HANDSHAKE_RECORD) upgrade(s, chunk);
      else plaintext(s, chunk);
    },
    drain(s: RawSocket) { if (s.data.phase === "plain") s.data.wrapper?.drained(); },
    end(s: RawSocket) { if (s.data.phase !== "tls") base.end(s as unknown as BunSocket); },
    close(s: RawSocket, err?: Error) {
      clearTimeout(s.data?.timer);
      if (s.data?.phase === "plain") base.close(s as unknown as BunSocket, err);
    },
    error(s: RawSocket, err: Error) { if (s.data?.phase === "plain") base.error(s as unknown as BunSocket, err); },
  };
  let listener: import("bun").TCPSocketListener<RawState>;
  try {
    options = serverTls(tls, tls.material(), o.http1 === true);
    listener = Bun.listen<RawState>({ hostname: o.host, port: o.port, data: { remote: "", phase: "first" }, socket: raw });
  } catch (err) {
    return Promise.reject(new Error(`cannot listen with TLS on ${o.host}:${o.port}: ${(err as Error).message}`));
  }
  const unwatch = tls.watch?.(() => {
    try {
      const next = serverTls(tls, tls.material(), o.http1 === true);
      // What Bun would refuse at the next upgrade is refused now, and the old pair stays.
      createSecureContext({ cert: next.cert, key: next.key, ca: next.ca });
      options = next;
      tls.onReloaded?.();
    } catch (err) {
      tls.onReloaded?.(new Error(`kept the previous certificate: ${(err as Error).message}`));
    }
  });
  return Promise.resolve({
    port: listener.port,
    close: () => {
      unwatch?.();
      listener.stop(false);
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
