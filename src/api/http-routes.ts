// What the client port answers over HTTP (HTTP/1.1, and h2c/h2 streams that are not gRPC), in
// etcd's formats: /health, /livez, /readyz (health.ts), /version (the etcd API version this
// member speaks), /metrics (the member's Prometheus text) and the gRPC gateway's JSON API
// (gateway.ts). Gateway calls go through this member's own gRPC server; health checks read as
// etcd's do, past the gRPC layer.
import type { GrpcServer } from "../grpc/server.ts";
import type { ByteSocket, H2ServerStream } from "../h2/types.ts";
import type { KvBackend } from "./backend.ts";
import { gatewayRoute, gatewayStreamsBody } from "./gateway.ts";
import { health, type HealthProbe, PROBE_RANGE, probeRoute } from "./health.ts";
import { type HttpReply, type HttpRequest, type HttpRoute, methodNotAllowed, notFound } from "./http-types.ts";
import { serveHttp1 } from "./http1.ts";
import { serveHttp2Stream } from "./http2.ts";

/** The cluster version etcd 3.4 reports; trireme speaks its v3 API. */
const CLUSTER_VERSION = "3.4.0";

const ALARM_NAMES: Record<number, string> = { 1: "NOSPACE", 2: "CORRUPT" };

export interface ClientPortHttpOptions {
  backend: KvBackend;
  /** The member's gRPC server (it exists once the port is set up, before the first request). */
  grpc(): GrpcServer;
  metricsText?: () => Promise<{ contentType: string; body: string }>;
  /** etcd's --max-request-bytes: a JSON body may carry that in base64 (4/3) plus its syntax. */
  maxRequestBytes: number;
}

function probeOf(o: ClientPortHttpOptions): HealthProbe {
  return {
    // etcd's checks call its server's Range as root (AuthStore().WithRoot), past the gRPC
    // layer's auth and learner rules: here the backend's barrier and the store directly.
    async range(serializable) {
      if (!serializable) await o.backend.readBarrier();
      o.backend.store.range(PROBE_RANGE);
    },
    async alarms() {
      // This member's applied alarm list, as etcd's srv.Alarms(): no quorum needed to see it.
      const store = o.backend.store as { alarms?: () => readonly { alarm: number }[] };
      return (store.alarms?.() ?? []).map((a) => ALARM_NAMES[a.alarm] ?? "UNKNOWN");
    },
    isLearner: () => o.backend.isLearner?.() === true,
    leader: () => o.backend.status().leader,
  };
}

/** etcd's default --cors="*": every answer of its client port carries these, a 404 too, and
 *  OPTIONS (a browser's preflight) is answered 200 with them alone, without a content type. */
const CORS: [string, string][] = [
  ["Access-Control-Allow-Headers", "accept, content-type, authorization"],
  ["Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE"],
  ["Access-Control-Allow-Origin", "*"],
];

export function httpRoutes(o: ClientPortHttpOptions): HttpRoute {
  const route = routes(o);
  const withCors: HttpRoute = (req) => {
    if (req.method === "OPTIONS") return Promise.resolve({ status: 200, contentType: "", body: "", headers: CORS });
    return (route(req) ?? Promise.resolve(notFound(req.path))).then((r) => ({ ...r, headers: [...CORS, ...(r.headers ?? [])] }));
  };
  withCors.streamsBody = gatewayStreamsBody;
  return withCors;
}

function routes(o: ClientPortHttpOptions): HttpRoute {
  const probe = probeOf(o);
  const gateway = gatewayRoute(o.grpc);
  return (req: HttpRequest): Promise<HttpReply> | undefined => {
    switch (req.path) {
      case "/health":
        return health(probe, req);
      case "/version":
        // etcd's versionHandler takes GET alone (HEAD is a 405 there too).
        if (req.method !== "GET") return Promise.resolve(methodNotAllowed("GET"));
        return Promise.resolve({
          status: 200,
          contentType: "application/json",
          body: JSON.stringify({ etcdserver: o.backend.status().version, etcdcluster: CLUSTER_VERSION }),
        });
      case "/metrics":
        if (!o.metricsText) return undefined;
        return o.metricsText().then((m) => ({ status: 200, contentType: m.contentType, body: m.body }));
      default:
        return probeRoute(probe, req) ?? gateway(req);
    }
  };
}

/** The client port's HTTP handlers for GrpcServerOptions: HTTP/1.x connections, and h2 streams
 *  that are not gRPC calls. */
export function clientPortHttp(o: ClientPortHttpOptions): {
  onHttp1(socket: ByteSocket, first: Uint8Array): void;
  onHttp(stream: H2ServerStream): void;
} {
  const route = httpRoutes(o);
  const limits = { maxBodyBytes: Math.ceil((o.maxRequestBytes * 4) / 3) + 64 * 1024 };
  return {
    onHttp1: (socket, first) => serveHttp1(socket, first, route, limits),
    onHttp: (stream) => serveHttp2Stream(stream, route, limits),
  };
}
