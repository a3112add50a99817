// `tcp_keepalive_in_secs` on outgoing connections. grpc-js has only HTTP/2 PING keep-alive
// options, so these credentials (insecure, like the default) set SO_KEEPALIVE on each new TCP
// socket before the HTTP/2 handshake. The listener side sets it in listener.ts.
import * as grpc from "@grpc/grpc-js";
import type { Socket } from "node:net";

type Connector = ReturnType<grpc.ChannelCredentials["_createSecureConnector"]>;

export class KeepAliveInsecureCredentials extends grpc.ChannelCredentials {
  private readonly inner = grpc.credentials.createInsecure();
  constructor(private readonly keepAliveMs: number) {
    super();
  }
  override compose(): never {
    throw new Error("peer channels are insecure; call credentials cannot be composed onto them");
  }
  _isSecure(): boolean {
    return false;
  }
  _equals(other: grpc.ChannelCredentials): boolean {
    return other instanceof KeepAliveInsecureCredentials && other.keepAliveMs === this.keepAliveMs;
  }
  _createSecureConnector(...args: Parameters<grpc.ChannelCredentials["_createSecureConnector"]>): Connector {
    const inner = this.inner._createSecureConnector(...args);
    const ms = this.keepAliveMs;
    return {
      connect(socket: Socket) {
        if (ms > 0) socket.setKeepAlive(true, ms);
        return inner.connect(socket);
      },
      waitForReady: () => inner.waitForReady(),
      getCallCredentials: () => inner.getCallCredentials(),
      destroy: () => inner.destroy(),
    };
  }
}
