// ByteSocket on Bun's TCP sockets (Bun.listen, Bun.connect): the only file of src/h2 that uses
// Bun.*. Bun's write() takes what the kernel takes and returns the count; the rest is kept here
// (copied, the caller may reuse its buffer) and written on drain, in order.
import type { ByteListener, ByteSocket } from "./types.ts";

export type BunSocket = import("bun").Socket<SocketState>;
export interface SocketState { wrapper?: BunByteSocket }

const noop = (): void => {};

export class BunByteSocket implements ByteSocket {
  onData: (chunk: Uint8Array) => void = noop;
  onDrain: () => void = noop;
  onClose: (err?: Error) => void = noop;
  readonly remoteAddress: string;
  peerCommonName?: string;
  readonly remotePort: number;
  private pending: Uint8Array[] = [];
  private pendingAt = 0;
  private ending = false;
  private closed = false;

  constructor(private readonly s: BunSocket, private readonly gone?: (s: ByteSocket) => void) {
    this.remoteAddress = s.remoteAddress;
    // remotePort is not in every Bun release's types; read it defensively.
    this.remotePort = (s as unknown as { remotePort?: number }).remotePort ?? 0;
    s.setNoDelay(true);
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed || this.ending) return false;
    if (this.pending.length > 0) {
      this.pending.push(bytes.slice());
      return false;
    }
    const n = this.s.write(bytes);
    if (n >= bytes.length) return true;
    if (n < 0) return false;
    this.pending.push(bytes.slice(n));
    this.pendingAt = 0;
    return false;
  }

  /** Bun's drain: the kernel takes more; write what we kept. */
  drained(): void {
    while (this.pending.length > 0 && !this.closed) {
      const head = this.pending[0]!;
      const n = this.s.write(head, this.pendingAt);
      if (n < 0) return;
      if (this.pendingAt + n < head.length) {
        this.pendingAt += n;
        return;
      }
      this.pending.shift();
      this.pendingAt = 0;
    }
    if (this.closed) return;
    if (this.ending) {
      this.s.end();
      return;
    }
    this.onDrain();
  }

  end(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    if (this.pending.length === 0) this.s.end();
  }

  destroy(): void {
    if (this.closed) return;
    this.pending = [];
    this.s.terminate();
    this.closedBy();
  }

  setKeepAlive(initialDelayMs: number): boolean {
    if (this.closed) return false;
    // Bun's setKeepAlive takes the delay in ms and returns false when the option was refused.
    return this.s.setKeepAlive(true, initialDelayMs) !== false;
  }

  closedBy(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.gone?.(this);
    this.onClose(err);
  }
}

export function handlers(onOpen: (w: BunByteSocket) => void, gone?: (s: ByteSocket) => void) {
  return {
    open(s: BunSocket) {
      const w = new BunByteSocket(s, gone);
      s.data = { wrapper: w };
      onOpen(w);
    },
    data(s: BunSocket, chunk: Uint8Array) { s.data.wrapper?.onData(chunk); },
    drain(s: BunSocket) { s.data.wrapper?.drained(); },
    // The peer's FIN: HTTP/2 has nothing more to read, so close our side too (after what is queued).
    end(s: BunSocket) { if (s.data?.wrapper) s.data.wrapper.end(); else s.end(); },
    close(s: BunSocket, err?: Error) { s.data?.wrapper?.closedBy(err); },
    error(s: BunSocket, err: Error) { s.data?.wrapper?.closedBy(err); },
  };
}

export interface SocketListenOptions {
  host: string;
  port: number;
  onSocket(s: ByteSocket): void;
  /** Every accepted socket's end, whoever owns it by then. */
  onSocketGone(s: ByteSocket): void;
}

export function listenBun(o: SocketListenOptions): Promise<ByteListener> {
  try {
    const listener = Bun.listen<SocketState>({
      hostname: o.host,
      port: o.port,
      data: {},
      socket: handlers((w) => o.onSocket(w), o.onSocketGone),
    });
    return Promise.resolve({ port: listener.port, close: () => listener.stop(false) });
  } catch (err) {
    return Promise.reject(new Error(`cannot listen on ${o.host}:${o.port}: ${(err as Error).message}`));
  }
}

export function connectBun(host: string, port: number, timeoutMs: number): Promise<ByteSocket> {
  return new Promise<ByteSocket>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new Error(`connecting to ${host}:${port} took over ${timeoutMs} ms`));
    }, timeoutMs);
    Bun.connect<SocketState>({
      hostname: host,
      port,
      data: {},
      socket: {
        ...handlers((w) => {
          clearTimeout(timer);
          if (settled) { w.destroy(); return; }
          settled = true;
          resolve(w);
        }),
        connectError(_s: BunSocket, err: Error) {
          clearTimeout(timer);
          if (settled) return;
          settled = true;
          reject(new Error(`cannot connect to ${host}:${port}: ${err.message}`));
        },
      },
    }).catch((err: Error) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(new Error(`cannot connect to ${host}:${port}: ${err.message}`));
    });
  });
}
