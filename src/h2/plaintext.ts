// What a TLS port says to a client that spoke plaintext to it, in the client's own protocol, so
// that it fails at once with a reason instead of retrying a connection it cannot read (a TLS
// alert is noise to an HTTP/2 client: etcdctl and grpc-js retry until their deadline). etcd only
// closes such a connection; Go's HTTP server answers HTTP/1.x with a 400, as this does.
import type { ByteSocket, H2ServerStream } from "./types.ts";

export const TLS_REQUIRED = "this port serves TLS only: connect with https:// and the cluster CA (etcdctl --cacert ca.pem, plus --cert/--key where client certificates are required; gRPC clients: TLS credentials)";

/** gRPC UNAUTHENTICATED: not UNAVAILABLE, which etcd's clients and grpc retry until their deadline. */
const GRPC_UNAUTHENTICATED = "16";

/** Answers one request stream with a gRPC trailers-only error (the message is plain ASCII
 *  without '%', so it needs no percent-encoding). */
export function refuseStream(s: H2ServerStream): void {
  s.onData = () => {};
  s.onEnd = () => {};
  s.onReset = () => {};
  s.respond([[":status", "200"], ["content-type", "application/grpc"], ["grpc-status", GRPC_UNAUTHENTICATED], ["grpc-message", TLS_REQUIRED]], true);
}

/** Go's net/http says "Client sent an HTTP request to an HTTPS server."; this says what to do too. */
export function refuseHttp1(sock: ByteSocket): void {
  const body = `Client sent an HTTP request to an HTTPS server: ${TLS_REQUIRED}\n`;
  sock.onData = () => {};
  sock.write(new TextEncoder().encode(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`));
  sock.end();
}
