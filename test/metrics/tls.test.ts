// The metrics address over HTTPS (metrics.tls): curl with the CA and a client certificate gets
// /health and /metrics; without a certificate it is refused at the handshake (client_cert_auth) and
// the refusal logged; plain http:// gets a 400 that says to use https://; a replaced certificate is
// served to the next connection.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { Metrics, MetricsServer } from "../../src/metrics/index.ts";
import { createAuthority, createLeaf, type Pem } from "../../src/tls/generate.ts";
import { metricsListenerTls } from "../../src/tls/options.ts";
import { FakeSource, baseSample } from "./fake-source.ts";

let dir = "";
let server: MetricsServer | undefined;
let port = 0;
let rotated: Pem;
const logged: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
const file = (n: string) => join(dir, n);

function curl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const c = spawn("curl", ["-sS", "--max-time", "10", "-w", "\n%{http_code}", ...args]);
    let out = "";
    c.stdout.on("data", (d: Buffer) => (out += d.toString()));
    c.stderr.on("data", (d: Buffer) => (out += d.toString()));
    c.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function serialOnTheWire(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port, cert: operator.cert, key: operator.key, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().serialNumber);
      s.destroy();
    });
    s.on("error", reject);
  });
}

let operator: Pem;

describe("metrics over HTTPS", () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "trireme-metrics-tls-"));
    const ca = await createAuthority("metrics test CA", 7);
    const member = await createLeaf(ca, { commonName: "node-1", hosts: ["127.0.0.1", "localhost"], role: "member", days: 7 });
    rotated = await createLeaf(ca, { commonName: "node-1", hosts: ["127.0.0.1", "localhost"], role: "member", days: 7 });
    operator = await createLeaf(ca, { commonName: "operator", hosts: [], role: "client", days: 7 });
    writeFileSync(file("ca.pem"), ca.cert);
    for (const [n, p] of [["m", member], ["operator", operator]] as const) {
      writeFileSync(file(`${n}.pem`), p.cert);
      writeFileSync(file(`${n}-key.pem`), p.key);
    }
    const t = metricsListenerTls({
      client: { cert_file: file("m.pem"), key_file: file("m-key.pem"), trusted_ca_file: file("ca.pem"), client_cert_auth: true },
      peer: { cert_file: "", key_file: "", trusted_ca_file: "", allowed_cn: "", allowed_hostname: "" },
    }, (level, msg, fields) => logged.push({ level, msg, ...(fields ? { fields } : {}) }));
    assert.ok(t);
    server = new MetricsServer(new Metrics(new FakeSource(baseSample())), { address: "127.0.0.1:0" }, { tls: t });
    port = await server.start();
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const withCert = () => ["--cacert", file("ca.pem"), "--cert", file("operator.pem"), "--key", file("operator-key.pem")];

  test("curl with the CA and a client certificate gets /health and /metrics", async () => {
    const health = await curl([...withCert(), `https://127.0.0.1:${port}/health`]);
    assert.equal(health.code, 0, health.out);
    assert.match(health.out, /\{"health":"true"\}\n200$/);
    const metrics = await curl([...withCert(), `https://localhost:${port}/metrics`]);
    assert.match(metrics.out, /trireme_raft_term[^]*\n200$/);
  });

  test("without a client certificate: refused at the handshake, logged with the address", async () => {
    const r = await curl(["--cacert", file("ca.pem"), `https://127.0.0.1:${port}/health`]);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.out, /health/);
    await until("the refusal log line", () => logged.some((l) => l.msg === "TLS handshake refused" && l.fields?.port === "metrics" && /^127\.0\.0\.1:\d+$/.test(String(l.fields.remote))));
  });

  test("plain http:// gets a 400 that says to use https://", async () => {
    const r = await curl([`http://127.0.0.1:${port}/health`]);
    assert.match(r.out, /Client sent an HTTP request to an HTTPS server: the metrics address serves TLS only[^]*\n400$/);
  });

  test("a replaced certificate is served to the next connection", async () => {
    const before = await serialOnTheWire();
    writeFileSync(file("m.pem"), rotated.cert);
    writeFileSync(file("m-key.pem"), rotated.key);
    const want = new X509Certificate(rotated.cert).serialNumber;
    assert.notEqual(before, want);
    await until("the reload", () => logged.some((l) => l.msg === "TLS certificate reloaded for new connections" && l.fields?.port === "metrics"), 10_000);
    assert.equal(await serialOnTheWire(), want);
    assert.match((await curl([...withCert(), `https://127.0.0.1:${port}/health`])).out, /\n200$/);
  });
});
