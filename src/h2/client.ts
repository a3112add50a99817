// An HTTP/2 client connection (prior knowledge, plain TCP) on Bun's sockets or node:net. It is
// handed over once the server's SETTINGS arrived, so a server that is not HTTP/2 fails here.
import { ClientConnection } from "./client-connection.ts";
import { resolveConfig } from "./settings.ts";
import { connectBun } from "./socket-bun.ts";
import { connectNode } from "./socket-node.ts";
import type { H2ClientConnection, H2ClientOptions } from "./types.ts";

const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;

export async function connectH2(opts: H2ClientOptions): Promise<H2ClientConnection> {
  const config = resolveConfig(opts);
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const useNode = opts.socket === "node" || (opts.socket === undefined && (globalThis as { Bun?: unknown }).Bun === undefined);
  const socket = useNode ? await connectNode(opts.host, opts.port, timeoutMs) : await connectBun(opts.host, opts.port, timeoutMs);
  if (opts.tcpKeepAliveMs) socket.setKeepAlive(opts.tcpKeepAliveMs);
  const conn = new ClientConnection(socket, config, `${opts.host}:${opts.port}`);
  await conn.ready(deadline - Date.now());
  return conn;
}
