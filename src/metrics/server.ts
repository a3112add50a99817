// The metrics HTTP endpoint on `[metrics] address`: GET /metrics, /health, /ready; over HTTPS with
// the `tls` option (metrics.tls, with [tls.client]'s files: tls-listen.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MetricsSection } from "../config/types.ts";
import type { H2ServerTls } from "../h2/types.ts";
import { tlsMetricsListener, type TlsMetricsListener } from "./tls-listen.ts";
import { DEFAULT_HEALTH_POLICY, judgeHealth, Readiness, type HealthPolicy, type HealthVerdict } from "./health.ts";
import type { Metrics } from "./metrics.ts";

export interface MetricsServerOptions {
  health?: HealthPolicy;
  /** HTTPS instead of HTTP (the client port's certificate and client-certificate rule). */
  tls?: H2ServerTls;
}

/** What close() needs of either listener. */
interface Listening {
  readonly server: Server | TlsMetricsListener["server"];
  closeAll(): void;
  stop?(): void;
}

export class MetricsServer {
  private listening: Listening | undefined;
  private readonly health: HealthPolicy;
  private readonly tls: H2ServerTls | undefined;
  private readonly readiness: Readiness;

  constructor(
    private readonly metrics: Metrics,
    private readonly section: Pick<MetricsSection, "address">,
    options: MetricsServerOptions = {},
  ) {
    this.health = options.health ?? DEFAULT_HEALTH_POLICY;
    this.readiness = new Readiness(this.health);
    this.tls = options.tls;
  }

  /** Listens on the configured address; resolves with the bound port (useful with port 0). */
  async start(): Promise<number> {
    const { host, port } = splitAddress(this.section.address);
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`metrics: ${err instanceof Error ? err.message : String(err)}\n`);
      });
    };
    const http = createServer(handler);
    let listening: Listening;
    if (this.tls) {
      const t = tlsMetricsListener(this.tls, http);
      listening = { server: t.server, closeAll: t.closeAll, stop: t.close };
    } else {
      // Scrapers keep connections alive; do not wait for them to go away.
      listening = { server: http, closeAll: () => http.closeAllConnections() };
    }
    this.listening = listening;
    const server = listening.server;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) =>
        reject(new Error(`metrics: cannot listen on [metrics] address "${this.section.address}": ${err.message}`));
      server.once("error", onError);
      server.listen(port, host, () => {
        server.off("error", onError);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const l = this.listening;
    if (l === undefined) return;
    this.listening = undefined;
    l.stop?.();
    l.closeAll();
    await new Promise<void>((resolve) => l.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const known = path === "/metrics" || path === "/health" || path === "/ready";
    if (!known) return send(res, 404, "text/plain", `not found: ${path} (try /metrics, /health or /ready)\n`);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return send(res, 405, "text/plain", `method ${req.method} not allowed on ${path}\n`);
    }
    if (path === "/metrics") return send(res, 200, this.metrics.contentType, await this.metrics.text());
    const verdict = path === "/health" ? judgeHealth(this.metrics.sample(), this.health) : this.readiness.check(this.metrics.sample());
    return send(res, verdict.healthy ? 200 : 503, "application/json", healthJson(verdict));
  }
}

/** etcd's /health body: the value is the string "true"/"false", as etcd writes it. */
export function healthJson(v: HealthVerdict): string {
  return JSON.stringify(v.healthy ? { health: "true" } : { health: "false", reason: v.reason });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

/** "host:port" or "[v6]:port" of an already validated config. */
function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon).replace(/^\[|\]$/g, "");
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`metrics: [metrics] address "${address}" is not host:port`);
  }
  return { host, port };
}
