// The client port's HTTP side, driven by curl as a monitoring probe would: etcd serves /health,
// /livez, /readyz and /version beside gRPC on the same port, over HTTP/1.1 and h2c, and so must we.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { etcdctl, requireEtcdctl, type Running, startLocal } from "./harness.ts";
import { curl } from "./curl.ts";

const PORT = 22010;

/** Sends raw bytes and collects everything until the server closes. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(PORT, "127.0.0.1", () => s.write(bytes));
    let got = "";
    s.on("data", (d) => { got += d.toString("latin1"); });
    s.on("close", () => resolve(got));
    s.on("error", reject);
    s.setTimeout(5000, () => { s.destroy(); reject(new Error(`no close from the server; got ${JSON.stringify(got)}`)); });
  });
}

describe("client port over HTTP/1.1", () => {
  let r: Running;
  before(async () => {
    requireEtcdctl();
    r = await startLocal(PORT);
  });
  after(() => r.stop());

  it("answers /health with etcd's body, after a quorum read", async () => {
    const { status, body } = await curl([`http://127.0.0.1:${PORT}/health`]);
    assert.equal(status, 200);
    assert.deepEqual(JSON.parse(body), { health: "true", reason: "" });
  });

  it("answers /version with the etcd API version", async () => {
    const { status, body } = await curl([`http://127.0.0.1:${PORT}/version`]);
    assert.equal(status, 200);
    const v = JSON.parse(body) as { etcdserver: string; etcdcluster: string };
    assert.match(v.etcdserver, /^3\.\d+\.\d+/);
    assert.equal(v.etcdcluster, "3.4.0");
  });

  it("says what it serves for an unknown path, and refuses other methods as etcd's handlers do", async () => {
    const nf = await curl([`http://127.0.0.1:${PORT}/v2/keys`]);
    assert.equal(nf.status, 404);
    assert.match(nf.body, /\/health, \/livez, \/readyz, \/version/);
    assert.equal((await curl(["-X", "DELETE", `http://127.0.0.1:${PORT}/health`])).status, 405);
    assert.equal((await curl(["-d", "{}", `http://127.0.0.1:${PORT}/health`])).status, 405);
    assert.equal((await curl(["-d", "{}", `http://127.0.0.1:${PORT}/livez`])).status, 405);
    assert.equal((await curl(["-I", `http://127.0.0.1:${PORT}/version`])).status, 405, "etcd takes GET alone");
  });

  it("answers /livez and /readyz with etcd's ok, ?verbose, ?exclude= and per-check paths", async () => {
    const live = await curl([`http://127.0.0.1:${PORT}/livez`]);
    assert.equal(live.status, 200);
    assert.equal(live.body, "ok\n");
    assert.equal((await curl([`http://127.0.0.1:${PORT}/livez?verbose`])).body, "[+]serializable_read ok\nok\n");
    const ready = await curl([`http://127.0.0.1:${PORT}/readyz?verbose`]);
    assert.equal(ready.status, 200);
    assert.equal(ready.body, "[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\n[+]non_learner ok\nok\n");
    const some = await curl([`http://127.0.0.1:${PORT}/readyz?verbose&exclude=non_learner&exclude=data_corruption&exclude=no_such_check`]);
    assert.equal(some.body, "[+]serializable_read ok\n[+]linearizable_read ok\nok\n");
    const one = await curl([`http://127.0.0.1:${PORT}/readyz/linearizable_read?verbose`]);
    assert.equal(one.body, "[+]linearizable_read ok\nok\n");
    assert.equal((await curl([`http://127.0.0.1:${PORT}/readyz/nothing`])).status, 404);
  });

  it("answers /health?serializable=true and ignores an excluded alarm name", async () => {
    const { status, body } = await curl([`http://127.0.0.1:${PORT}/health?serializable=true&exclude=NOSPACE`]);
    assert.equal(status, 200);
    assert.deepEqual(JSON.parse(body), { health: "true", reason: "" });
  });

  it("serves the same paths to h2c GETs (curl --http2-prior-knowledge), next to gRPC", async () => {
    for (const path of ["/health", "/livez", "/readyz?verbose", "/version"]) {
      const h1 = await curl([`http://127.0.0.1:${PORT}${path}`]);
      const h2 = await curl(["--http2-prior-knowledge", `http://127.0.0.1:${PORT}${path}`]);
      assert.equal(h2.status, 200, `${path}: ${h2.body}`);
      assert.equal(h2.body, h1.body, path);
    }
    assert.equal((await curl(["--http2-prior-knowledge", `http://127.0.0.1:${PORT}/nothing`])).status, 404);
    assert.equal((await curl(["--http2-prior-knowledge", "-X", "PUT", `http://127.0.0.1:${PORT}/readyz`])).status, 405);
  });

  it("sends etcd's default CORS headers, and answers a browser's OPTIONS preflight", async () => {
    const pre = await curl(["-i", "-X", "OPTIONS", `http://127.0.0.1:${PORT}/v3/kv/range`]);
    assert.equal(pre.status, 200);
    assert.match(pre.body, /^Access-Control-Allow-Origin: \*\r$/m);
    assert.match(pre.body, /^Access-Control-Allow-Headers: accept, content-type, authorization\r$/m);
    const h = await curl(["-i", `http://127.0.0.1:${PORT}/health`]);
    assert.match(h.body, /^Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r$/m);
    const gw = await curl(["-i", "-d", "{}", `http://127.0.0.1:${PORT}/v3/maintenance/status`]);
    assert.match(gw.body, /^Access-Control-Allow-Origin: \*\r$/m);
  });

  it("reads chunked request bodies (curl -H 'Transfer-Encoding: chunked'), and refuses bad chunking", async () => {
    const put = await curl(["-H", "Transfer-Encoding: chunked", "-d", '{"key":"Y2h1bmtlZA==","value":"eWVz"}', `http://127.0.0.1:${PORT}/v3/kv/put`]);
    assert.equal(put.status, 200, put.body);
    const got = await raw(`POST /v3/kv/range HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
      `5\r\n{"key\r\n11;ext=1\r\n":"Y2h1bmtlZA=="}\r\n0\r\nX-Trailer: t\r\n\r\n`);
    assert.match(got, /^HTTP\/1\.1 200 /);
    assert.match(got, /"value":"eWVz"/);
    const bad = await raw(`POST /v3/kv/range HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`);
    assert.match(bad, /^HTTP\/1\.1 400 /);
    const gzip = await raw(`POST /v3/kv/range HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n`);
    assert.match(gzip, /^HTTP\/1\.1 501 /);
  });

  it("refuses a body over the limit with 413 and closes", async () => {
    const got = await raw(`POST /v3/kv/put HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n`);
    assert.match(got, /^HTTP\/1\.1 413 /);
  });

  it("serves several requests on one kept-alive connection, and closes when asked", async () => {
    const got = await raw("GET /version HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.equal(got.match(/HTTP\/1\.1 200 OK/g)?.length, 2, got);
    assert.match(got, /"etcdcluster"/);
    assert.match(got, /"health":"true"/);
  });

  it("refuses a request head over 8 KiB with 431 and closes", async () => {
    const got = await raw(`GET /health HTTP/1.1\r\nX-Big: ${"a".repeat(9000)}\r\n`);
    assert.match(got, /^HTTP\/1\.1 431 /);
  });

  it("still serves gRPC on the same port", async () => {
    const put = await etcdctl(`127.0.0.1:${PORT}`, ["put", "http1-key", "v"]);
    assert.equal(put.code, 0, put.stderr);
    const get = await etcdctl(`127.0.0.1:${PORT}`, ["get", "http1-key", "--print-value-only"]);
    assert.equal(get.stdout.trim(), "v");
  });
});
