// One listening port: a grpc-js Server fed by our own net.Server through a connection injector.
// Owning the TCP listener lets us set SO_KEEPALIVE on accepted sockets (grpc-js has no option for
// it), count live connections per plane, and close the port deterministically on shutdown.
import * as grpc from "@grpc/grpc-js";
import type * as http2 from "node:http2";
import * as net from "node:net";

export class PlaneListener {
  readonly server: grpc.Server;
  private readonly tcp: net.Server;
  private injector: ReturnType<grpc.Server["createConnectionInjector"]> | undefined;
  private readonly sockets = new Set<net.Socket>();
  private boundPort = 0;
  /** Raft messages (and snapshot chunks) delivered by the services on this port. */
  messagesIn = 0;

  /** Whether `receiveWindow` could be applied (see applyReceiveWindow). */
  readonly receiveWindowApplied: boolean;

  constructor(
    readonly name: string,
    private readonly address: string,
    options: grpc.ChannelOptions,
    private readonly tcpKeepAliveMs: number,
    receiveWindow: number,
  ) {
    this.server = new grpc.Server(options);
    this.receiveWindowApplied = applyReceiveWindow(this.server, receiveWindow);
    this.tcp = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  private accept(socket: net.Socket): void {
    if (!this.injector) {
      socket.destroy();
      return;
    }
    if (this.tcpKeepAliveMs > 0) socket.setKeepAlive(true, this.tcpKeepAliveMs);
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    this.injector.injectConnection(socket);
  }

  /** Call after every addService. Resolves once the port accepts connections. */
  async listen(): Promise<void> {
    const { host, port } = splitHostPort(this.address, this.name);
    this.injector = this.server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) =>
        reject(new Error(`cannot listen on ${this.name} address ${this.address}: ${e.message}`));
      this.tcp.once("error", onError);
      this.tcp.listen(port, host, () => {
        this.tcp.off("error", onError);
        resolve();
      });
    });
    const a = this.tcp.address();
    this.boundPort = typeof a === "object" && a ? a.port : port;
  }

  port(): number {
    return this.boundPort;
  }

  /** Remote "host:port" of every open connection: one per peer per plane when isolated. */
  remotes(): string[] {
    return [...this.sockets].map((s) => `${s.remoteAddress}:${s.remotePort}`);
  }

  /** Stop accepting, let calls finish, then cut whatever is still open after `timeoutMs`
   *  (grpc-js's tryShutdown waits forever on open streams). */
  async close(timeoutMs: number): Promise<void> {
    const tcpClosed = new Promise<void>((r) => this.tcp.close(() => r()));
    const graceful = new Promise<boolean>((resolve) => this.server.tryShutdown(() => resolve(true)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const clean = await Promise.race([graceful, timedOut]);
    clearTimeout(timer);
    if (!clean) this.server.forceShutdown();
    this.injector?.destroy();
    for (const s of this.sockets) s.destroy();
    await tcpClosed;
  }
}

export function splitHostPort(address: string, what: string): { host: string; port: number } {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new Error(`${what} address "${address}" is not host:port`);
  }
  return { host: m[1] || "0.0.0.0", port };
}

/** HTTP/2's largest window. */
const MAX_WINDOW = 2 ** 31 - 1;

/** grpc-js has no option for a server's receive window, so a pushed snapshot (client→server)
 *  would crawl at 64 KiB per round trip on a long link. grpc-js builds its HTTP/2 server in
 *  `createHttp2Server`; wrapping that one method lets us advertise `connection_window_size` as the
 *  stream window (SETTINGS_INITIAL_WINDOW_SIZE) and raise each session's connection window.
 *  Returns false, and changes nothing, if this grpc-js no longer has the method. */
function applyReceiveWindow(server: grpc.Server, bytes: number): boolean {
  const hook = server as unknown as { createHttp2Server?: (c: grpc.ServerCredentials) => http2.Http2Server };
  const original = hook.createHttp2Server;
  if (typeof original !== "function") return false;
  const window = Math.min(Math.max(bytes, 65535), MAX_WINDOW);
  hook.createHttp2Server = (creds) => {
    const h2 = original.call(server, creds);
    h2.updateSettings({ initialWindowSize: window });
    h2.on("session", (session: http2.ServerHttp2Session) => {
      session.setLocalWindowSize(window);
    });
    return h2;
  };
  return true;
}
