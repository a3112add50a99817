// A client API server over a LocalBackend in a temp dir, plus an etcdctl runner.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KvBackend } from "../../src/api/backend.ts";
import { LocalBackend } from "../../src/api/local-backend.ts";
import { type ClientServer, type ClientServerOptions, startClientServer } from "../../src/api/server.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";

export const LIMITS = { max_request_bytes: 64 * 1024, max_txn_ops: 8 };

export interface Running {
  server: ClientServer;
  store: MvccStore;
  backend: KvBackend;
  endpoint: string;
  stop(): Promise<void>;
}

export async function startLocal(
  port: number,
  wrap: (b: LocalBackend) => KvBackend = (b) => b,
  extra: Partial<ClientServerOptions> = {},
): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "trireme-api-"));
  const store = MvccStore.open(join(dir, "kv.db"));
  const endpoint = `127.0.0.1:${port}`;
  const backend = wrap(
    new LocalBackend(store, {
      clusterId: 0xc1a57e9,
      memberId: 7,
      name: "n7",
      clientURL: `http://${endpoint}`,
      peerURL: "http://127.0.0.1:2380",
    }),
  );
  const server = await startClientServer({ ...extra, address: endpoint, backend, limits: LIMITS });
  return {
    server,
    store,
    backend,
    endpoint,
    async stop() {
      await server.close(500);
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fails (throws) with an actionable message when etcdctl is not installed. */
export function requireEtcdctl(): void {
  const r = spawnSync("etcdctl", ["version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new Error(
      "etcdctl not found: these tests drive the server with etcd's own client. Install Debian's " +
        "etcd-client (apt-get update && apt-get install -y etcd-client); .ci/run does this.",
    );
  }
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs etcdctl (API v3) against `endpoint` without blocking the event loop the server runs on. */
export function etcdctl(endpoint: string, args: string[], input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn("etcdctl", [`--endpoints=${endpoint}`, "--dial-timeout=3s", "--command-timeout=5s", ...args], {
      env: { ...process.env, ETCDCTL_API: "3" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** The last line etcdctl printed on stderr (its "Error: ..." line; warnings come before). */
export function errorLine(r: Result): string {
  return r.stderr.trim().split("\n").filter((l) => l.startsWith("Error:")).pop() ?? r.stderr.trim();
}
