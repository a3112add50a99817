// What the client port answers over HTTP/1.1, in etcd's formats: /health is a quorum read (a
// member that cannot reach a leader within a second is unhealthy, 503), /version names the etcd
// API version this member speaks, /metrics is the member's Prometheus text.
import type { KvBackend } from "./backend.ts";
import type { HttpAnswer, HttpRoute } from "./http1.ts";

const HEALTH_TIMEOUT_MS = 1000;
/** The cluster version etcd 3.4 reports; trireme speaks its v3 API. */
const CLUSTER_VERSION = "3.4.0";

const json = (status: number, value: unknown): HttpAnswer => ({ status, contentType: "application/json", body: JSON.stringify(value) });

async function health(backend: KvBackend): Promise<HttpAnswer> {
  if (backend.status().leader === 0) return json(503, { health: "false", reason: "RAFT NO LEADER" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => { timer = setTimeout(() => resolve("timeout"), HEALTH_TIMEOUT_MS); });
  try {
    const r = await Promise.race([backend.readBarrier().then(() => "ok" as const), timeout]);
    if (r === "timeout") return json(503, { health: "false", reason: `QGET ERROR: no quorum read within ${HEALTH_TIMEOUT_MS} ms` });
    return json(200, { health: "true", reason: "" });
  } catch (err) {
    return json(503, { health: "false", reason: `QGET ERROR: ${err instanceof Error ? err.message : String(err)}` });
  } finally {
    clearTimeout(timer);
  }
}

export function httpRoutes(backend: KvBackend, metricsText?: () => Promise<{ contentType: string; body: string }>): HttpRoute {
  return (path) => {
    switch (path) {
      case "/health":
        return health(backend);
      case "/version":
        return Promise.resolve(json(200, { etcdserver: backend.status().version, etcdcluster: CLUSTER_VERSION }));
      case "/metrics":
        if (!metricsText) return undefined;
        return metricsText().then((m) => ({ status: 200, contentType: m.contentType, body: m.body }));
      default:
        return undefined;
    }
  };
}
