// A plain TCP listener in front of a node:tls server that never listens itself (the client port
// on Deno and node, the metrics address on every runtime): each connection's first bytes say
// whether it is TLS, so a plaintext client can be told what it did wrong instead of getting an
// alert it cannot read, and the server's certificate is swapped in place when its files change.
import type { Socket } from "node:net";
import type { Server as TlsServer, TLSSocket } from "node:tls";
import { explainTlsError, TLS_HANDSHAKE_RECORD } from "./socket-tls-bun.ts";
import type { H2ServerTls } from "./types.ts";

/** A connection that sends nothing for this long is closed (the listener would hold it forever). */
const FIRST_BYTES_TIMEOUT_MS = 10_000;

/** Hands `raw` to `tls`, bytes put back, when its first byte opens a TLS handshake; otherwise
 *  calls `plaintext` with those bytes on the paused socket. */
export function routeFirstBytes(raw: Socket, tls: TlsServer, plaintext: (first: Buffer) => void): void {
  const timer = setTimeout(() => raw.destroy(), FIRST_BYTES_TIMEOUT_MS);
  timer.unref?.();
  raw.once("close", () => clearTimeout(timer));
  raw.once("data", (first: Buffer) => {
    clearTimeout(timer);
    raw.pause();
    if (first[0] === TLS_HANDSHAKE_RECORD) {
      raw.unshift(first);
      tls.emit("connection", raw);
      return;
    }
    plaintext(first);
  });
}

/** Reports each failed handshake to `t.onRefused`, with the TCP socket's address from `remotes`
 *  when the TLS socket forgot its peer (Deno's does once the handshake failed). */
export function reportFailedHandshakes(server: TlsServer, t: H2ServerTls, remotes: WeakMap<object, string>): void {
  server.on("tlsClientError", (err: Error, s: TLSSocket) => {
    const parent = (s as unknown as { _parent?: object })._parent;
    const remote = s.remoteAddress ? `${s.remoteAddress}:${s.remotePort}` : (parent && remotes.get(parent)) ?? "an unknown address";
    t.onRefused?.(remote, explainTlsError(err.message));
  });
}

/** Swaps the server's certificate when `t` says its files changed; returns the unwatch. */
export function reloadOnChange(server: TlsServer, t: H2ServerTls): (() => void) | undefined {
  return t.watch?.(() => {
    try {
      const m = t.material();
      server.setSecureContext({ cert: m.cert, key: m.key, ca: m.ca || undefined });
      t.onReloaded?.();
    } catch (err) {
      t.onReloaded?.(new Error(`kept the previous certificate: ${(err as Error).message}`));
    }
  });
}
