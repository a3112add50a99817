// An HTTP/2 client connection (prior knowledge on plain TCP, ALPN "h2" on TLS) on Bun's sockets or node:net/node:tls. It is
// handed over once the server's SETTINGS arrived, so a server that is not HTTP/2 fails here.
import { ClientConnection } from "./client-connection.ts";
import { resolveConfig } from "./settings.ts";
import { connectBun } from "./socket-bun.ts";
import { connectNode } from "./socket-node.ts";
import { connectTlsBun } from "./socket-tls-bun.ts";
import { connectTlsNode } from "./socket-tls-node.ts";
import type { H2ClientConnection, H2ClientOptions } from "./types.ts";

const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;

export async function connectH2(opts: H2ClientOptions): Promise<H2ClientConnection> {
  const config = resolveConfig(opts);
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const handshakeMs = opts.handshakeTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  const useNode = opts.socket === "node" || (opts.socket === undefined && (globalThis as { Bun?: unknown }).Bun === undefined);
  const { host, port, tls } = opts;
  const socket = tls
    ? await (useNode ? connectTlsNode(host, port, handshakeMs ?? timeoutMs, tls) : connectTlsBun(host, port, handshakeMs ?? timeoutMs, tls))
    : await (useNode ? connectNode(host, port, timeoutMs) : connectBun(host, port, timeoutMs));
  if (opts.tcpKeepAliveMs) socket.setKeepAlive(opts.tcpKeepAliveMs);
  const conn = new ClientConnection(socket, config, `${opts.host}:${opts.port}`);
  await conn.ready(handshakeMs ?? deadline - Date.now()).catch((err: Error) => {
    // Under TLS 1.3 the server checks our certificate after our handshake ended: its refusal
    // reaches us as a close before SETTINGS.
    throw tls && /before its HTTP\/2 SETTINGS/.test(err.message)
      ? new Error(`${err.message} (over TLS: the server may have refused this side's certificate; its log says why)`)
      : err;
  });
  return conn;
}
