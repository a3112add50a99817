// The client port's HTTP answers side by side with a real etcd's (the installed etcd 3.4): for
// each probe path and method, the same status, the same header names, the same Content-Type,
// Allow and CORS values and, where etcd's body is fixed, the same body. What trireme adds on
// purpose is listed where it is compared: /health's "reason" (etcd 3.5.11+), /livez and
// /readyz (etcd 3.5+; 3.4 answers 404), and a 404 body that says what the port serves.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metrics } from "../../src/metrics/metrics.ts";
import { type Running, startLocal } from "./harness.ts";

const OURS = 22016;
const ETCD = 22017; // its peer port 22018

const haveEtcd = spawnSync("etcd", ["--version"]).status === 0;

interface Answer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** `curl -i`, headers parsed; framing headers (length, chunking) dropped, Date checked apart. */
function fetchRaw(port: number, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const args = ["-s", "-i", "-m", "10", "-X", method, ...(method === "HEAD" ? ["-I"] : []), `http://127.0.0.1:${port}${path}`];
    const child = spawn("curl", args);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", () => {
      const split = out.indexOf("\r\n\r\n");
      const head = (split < 0 ? out : out.slice(0, split)).split("\r\n");
      const headers = new Map<string, string>();
      for (const line of head.slice(1)) {
        const i = line.indexOf(":");
        if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
      }
      resolve({ status: Number(head[0]!.split(" ")[1]), headers, body: split < 0 ? "" : out.slice(split + 4) });
    });
  });
}

const FRAMING = new Set(["content-length", "transfer-encoding", "connection"]);
const names = (a: Answer) => [...a.headers.keys()].filter((n) => !FRAMING.has(n)).sort();

describe("the client port's HTTP answers against a real etcd", { skip: haveEtcd ? false : "etcd is not installed" }, () => {
  let r: Running;
  let etcd: ChildProcess;
  const dir = mkdtempSync(join(tmpdir(), "trireme-etcd-parity-"));

  before(async () => {
    // The member's registry, as the node hands it to its client port.
    const metrics = new Metrics();
    r = await startLocal(OURS, undefined, { metricsText: async () => ({ contentType: metrics.contentType, body: await metrics.text() }) });
    etcd = spawn("etcd", [
      "--data-dir", join(dir, "etcd"), "--name", "parity",
      "--listen-client-urls", `http://127.0.0.1:${ETCD}`, "--advertise-client-urls", `http://127.0.0.1:${ETCD}`,
      "--listen-peer-urls", `http://127.0.0.1:${ETCD + 1}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${ETCD + 1}`,
      "--initial-cluster", `parity=http://127.0.0.1:${ETCD + 1}`, "--log-level", "error",
    ], { stdio: "ignore" });
    for (let i = 0; ; i++) {
      const h = await fetchRaw(ETCD, "GET", "/health").catch(() => undefined);
      if (h?.status === 200) break;
      if (i > 100) throw new Error("etcd did not become healthy");
      await new Promise((res) => setTimeout(res, 100));
    }
  });
  after(async () => {
    etcd?.kill("SIGTERM");
    await new Promise((res) => (etcd?.exitCode !== null ? res(undefined) : etcd.once("exit", res)));
    await r?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: [method: string, path: string][] = [
    ["GET", "/health"], ["GET", "/health?serializable=true"], ["POST", "/health"], ["HEAD", "/health"], ["PUT", "/health"],
    ["GET", "/version"], ["POST", "/version"], ["HEAD", "/version"],
    ["GET", "/metrics"], ["POST", "/metrics"],
    ["OPTIONS", "/health"], ["OPTIONS", "/v3/kv/range"],
    ["GET", "/nothing-here"], ["GET", "/healthz"],
  ];
  for (const [method, path] of cases) {
    it(`${method} ${path}: etcd's status and headers`, async () => {
      const [ours, theirs] = await Promise.all([fetchRaw(OURS, method, path), fetchRaw(ETCD, method, path)]);
      assert.equal(ours.status, theirs.status);
      assert.deepEqual(names(ours), names(theirs));
      for (const h of ["content-type", "allow", "x-content-type-options", "access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers"]) {
        assert.equal(ours.headers.get(h), theirs.headers.get(h), h);
      }
      assert.ok(!Number.isNaN(Date.parse(ours.headers.get("date") ?? "")), `a Date header: ${ours.headers.get("date")}`);
      if (method === "HEAD" || method === "OPTIONS" || ours.status === 405) assert.equal(ours.body, theirs.body);
    });
  }

  it("GET /health: etcd's JSON, plus the reason etcd 3.5.11+ gives", async () => {
    const [ours, theirs] = await Promise.all([fetchRaw(OURS, "GET", "/health"), fetchRaw(ETCD, "GET", "/health")]);
    assert.deepEqual(JSON.parse(theirs.body), { health: "true" });
    assert.deepEqual(JSON.parse(ours.body), { health: "true", reason: "" });
  });

  it("GET /version: the same keys, the same cluster version", async () => {
    const [ours, theirs] = await Promise.all([fetchRaw(OURS, "GET", "/version"), fetchRaw(ETCD, "GET", "/version")]);
    const o = JSON.parse(ours.body) as Record<string, string>;
    const t = JSON.parse(theirs.body) as Record<string, string>;
    assert.deepEqual(Object.keys(o).sort(), Object.keys(t).sort());
    assert.equal(o.etcdcluster, t.etcdcluster);
  });

  it("a 404: etcd's first line, then what this port serves", async () => {
    const [ours, theirs] = await Promise.all([fetchRaw(OURS, "GET", "/nothing-here"), fetchRaw(ETCD, "GET", "/nothing-here")]);
    assert.equal(theirs.body, "404 page not found\n");
    assert.ok(ours.body.startsWith("404 page not found"), ours.body);
  });
});
