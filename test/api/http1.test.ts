// The client port's HTTP/1.1 side, driven by curl as a monitoring probe would: etcd serves
// /health and /version beside gRPC on the same port, and so must we.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { etcdctl, requireEtcdctl, type Running, startLocal } from "./harness.ts";

const PORT = 22010;

/** curl in a child process (the server runs on this event loop: a synchronous spawn would stall it). */
function curl(args: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("curl", ["-s", "-m", "10", "-o", "-", "-w", "\n%{http_code}", ...args]);
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.on("error", (e) => reject(new Error(`curl could not run: ${e.message}`)));
    child.on("close", () => {
      const lines = out.split("\n");
      resolve({ status: Number(lines.pop()), body: lines.join("\n") });
    });
  });
}

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

  it("says what it serves for an unknown path, and refuses other methods and bodies", async () => {
    const nf = await curl([`http://127.0.0.1:${PORT}/v3/kv/range`]);
    assert.equal(nf.status, 404);
    assert.match(nf.body, /\/health, \/version/);
    assert.equal((await curl(["-X", "DELETE", `http://127.0.0.1:${PORT}/health`])).status, 405);
    assert.equal((await curl(["-d", "{}", `http://127.0.0.1:${PORT}/health`])).status, 400);
    assert.equal((await curl(["-I", `http://127.0.0.1:${PORT}/version`])).status, 200);
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
