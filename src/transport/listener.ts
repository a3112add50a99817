// One listening port: our gRPC server with the plane's HTTP/2 settings, the count of what it
// delivered, TCP keep-alive on its accepted connections, and a bounded close.
import type { ServerCall } from "../grpc/call.ts";
import { GrpcServer, type GrpcServerOptions } from "../grpc/server.ts";
import type { PortCounter } from "./receiver.ts";

interface KeepAliveSocket {
  setKeepAlive(enable: boolean, initialDelayMs: number): unknown;
}

export class PlaneListener implements PortCounter {
  readonly server: GrpcServer;
  private boundPort = 0;
  /** Raft messages (and snapshot chunks) delivered by the services on this port. */
  messagesIn = 0;
  /** Sockets already given SO_KEEPALIVE (one per connection). */
  private readonly keptAlive = new WeakSet<object>();
  private keepAliveWarned = false;

  constructor(
    readonly name: string,
    private readonly address: string,
    options: GrpcServerOptions,
    private readonly tcpKeepAliveMs: number,
    /** Called once if SO_KEEPALIVE cannot be set on an accepted socket. */
    private readonly onKeepAliveFailed: () => void = () => {},
  ) {
    this.server = new GrpcServer(options);
  }

  /** Call after every addService. Resolves once the port accepts connections. */
  async listen(): Promise<void> {
    const { host, port } = splitHostPort(this.address, this.name);
    try {
      this.boundPort = await this.server.listen(host, port);
    } catch (e) {
      throw new Error(`cannot listen on ${this.name} address ${this.address}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  port(): number {
    return this.boundPort;
  }

  /** Open HTTP/2 connections: one per peer per plane when isolated. */
  connectionCount(): number {
    return this.server.connectionCount();
  }

  /** NEEDS(h2): a `tcpKeepAliveMs` option on H2ServerOptions, applied to each accepted socket
   *  when it opens. Until then SO_KEEPALIVE is set here at a connection's first call, reaching
   *  the socket through the call's stream (`stream.host.socket.s`); a connection that never
   *  carries a call is watched by the HTTP/2 PING keep-alive alone. */
  sawCall(call: ServerCall<unknown, unknown>): void {
    if (this.tcpKeepAliveMs <= 0) return;
    const conn = (call as unknown as { stream?: { host?: { socket?: { s?: Partial<KeepAliveSocket> } } } }).stream?.host;
    const raw = conn?.socket?.s;
    if (raw !== undefined && this.keptAlive.has(raw)) return;
    let ok = false;
    if (raw !== undefined) {
      this.keptAlive.add(raw);
      try {
        // Bun's returns false when it could not set the option; node's returns the socket.
        ok = typeof raw.setKeepAlive === "function" && raw.setKeepAlive(true, this.tcpKeepAliveMs) !== false;
      } catch {
        ok = false;
      }
    }
    if (!ok && !this.keepAliveWarned) {
      this.keepAliveWarned = true;
      this.onKeepAliveFailed();
    }
  }

  /** Stops accepting, lets calls finish for up to `timeoutMs`, then cuts what is still open. */
  close(timeoutMs: number): Promise<void> {
    return this.server.close(timeoutMs);
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
