// One listening port: our gRPC server with the plane's HTTP/2 settings, the count of what it
// delivered, TCP keep-alive on its accepted connections, and a bounded close.
import { GrpcServer, type GrpcServerOptions } from "../grpc/server.ts";
import type { PortCounter } from "./receiver.ts";

export class PlaneListener implements PortCounter {
  readonly server: GrpcServer;
  private boundPort = 0;
  /** Raft messages (and snapshot chunks) delivered by the services on this port. */
  messagesIn = 0;

  constructor(
    readonly name: string,
    private readonly address: string,
    options: GrpcServerOptions,
    tcpKeepAliveMs: number,
  ) {
    // SO_KEEPALIVE is set on each accepted socket as it opens.
    this.server = new GrpcServer({ ...options, h2: { ...options.h2, tcpKeepAliveMs } });
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
