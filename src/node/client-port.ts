// The member's client port: the etcd v3 API (src/api) over the node's KvBackend, with auth,
// request limits, TLS, and /metrics served beside it as etcd does.
import type { KvBackend } from "../api/backend.ts";
import { authOptions } from "../api/auth-service.ts";
import { startClientServer, type ClientServer } from "../api/server.ts";
import type { Config } from "../config/types.ts";
import type { Metrics } from "../metrics/index.ts";
import type { memberTls } from "../tls/options.ts";

export function startClientPort(
  config: Config,
  backend: KvBackend,
  tls: ReturnType<typeof memberTls>,
  metrics: Metrics | undefined,
): Promise<ClientServer> {
  return startClientServer({
    address: config.node.client_address,
    auth: authOptions(config.auth),
    backend,
    limits: config.limits,
    // etcd ends a leader-requiring watch after an election timeout without a leader.
    watch: { leaderCheckMs: config.raft.election_timeout_ms },
    metricsText: metricsText(metrics),
    ...(tls.clientPort ? { tls: tls.clientPort } : {}),
    onCallHandled: metrics ? (path, kind, code, seconds) => metrics.grpcHandled(path, kind, code, seconds) : undefined,
    onCallStarted: metrics ? (path, kind) => metrics.grpcStarted(path, kind) : undefined,
    onMessageBytes: metrics ? (direction, n) => metrics.clientGrpcBytes(direction, n) : undefined,
  });
}

/** etcd serves /metrics on its client port too; the same registry as `[metrics] address`. */
function metricsText(metrics: Metrics | undefined): (() => Promise<{ contentType: string; body: string }>) | undefined {
  if (metrics === undefined) return undefined;
  return async () => ({ contentType: metrics.contentType, body: await metrics.text() });
}
