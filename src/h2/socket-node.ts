// ByteSocket on node:net. node's write() keeps a reference to the buffer it is given, and the
// connection reuses its frame buffer, so each write is copied first.
import { Buffer } from "node:buffer";
import * as net from "node:net";
import type { SocketListenOptions } from "./socket-bun.ts";
import type { ByteListener, ByteSocket } from "./types.ts";

const noop = (): void => {};

export class NodeByteSocket implements ByteSocket {
  onData: (chunk: Uint8Array) => void = noop;
  onDrain: () => void = noop;
  onClose: (err?: Error) => void = noop;
  readonly remoteAddress: string;
  readonly remotePort: number;
  peerCommonName?: string;
  private error: Error | undefined;
  private closed = false;

  constructor(private readonly s: net.Socket, gone?: (s: ByteSocket) => void) {
    this.remoteAddress = s.remoteAddress ?? "";
    this.remotePort = s.remotePort ?? 0;
    s.setNoDelay(true);
    s.on("data", (chunk: Buffer) => this.onData(chunk));
    s.on("drain", () => this.onDrain());
    s.on("error", (err) => { this.error = err; });
    s.on("close", () => {
      if (this.closed) return;
      this.closed = true;
      gone?.(this);
      this.onClose(this.error);
    });
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed || this.s.writableEnded) return false;
    return this.s.write(Buffer.from(bytes));
  }

  end(): void {
    if (!this.closed) this.s.end();
  }

  destroy(): void {
    if (!this.closed) this.s.destroy();
  }

  setKeepAlive(initialDelayMs: number): boolean {
    if (this.closed) return false;
    this.s.setKeepAlive(true, initialDelayMs);
    return true;
  }
}

export function listenNode(o: SocketListenOptions): Promise<ByteListener> {
  return new Promise<ByteListener>((resolve, reject) => {
    const server = net.createServer({ noDelay: true }, (s) => o.onSocket(new NodeByteSocket(s, o.onSocketGone)));
    server.once("error", (err) => reject(new Error(`cannot listen on ${o.host}:${o.port}: ${err.message}`)));
    server.listen(o.port, o.host, () => {
      const addr = server.address();
      resolve({ port: typeof addr === "object" && addr ? addr.port : o.port, close: () => server.close() });
    });
  });
}

export function connectNode(host: string, port: number, timeoutMs: number): Promise<ByteSocket> {
  return new Promise<ByteSocket>((resolve, reject) => {
    const s = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connecting to ${host}:${port} took over ${timeoutMs} ms`));
    }, timeoutMs);
    s.once("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot connect to ${host}:${port}: ${err.message}`));
    });
    s.once("connect", () => {
      clearTimeout(timer);
      resolve(new NodeByteSocket(s));
    });
  });
}
