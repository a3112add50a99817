// The HTTP endpoint: /metrics text, /health and /ready flipping with the source, 404 elsewhere.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Metrics, MetricsServer } from "../../src/metrics/index.ts";
import { FakeSource, baseSample, seriesValue } from "./fake-source.ts";

const ADDRESS = "127.0.0.1:25001";
const BASE = `http://${ADDRESS}`;

async function get(path: string, method = "GET"): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`${BASE}${path}`, { method });
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() };
}

describe("MetricsServer", () => {
  const src = new FakeSource({ ...baseSample(), started: false });
  const metrics = new Metrics(src);
  const server = new MetricsServer(metrics, { address: ADDRESS }, { health: { maxApplyLagEntries: 10 } });

  before(async () => {
    assert.equal(await server.start(), 25001);
  });
  after(async () => {
    await server.close();
  });

  test("GET /metrics serves Prometheus text with current values", async () => {
    src.s = { ...baseSample(), term: 11 };
    const r = await get("/metrics");
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/plain; version=0\.0\.4/);
    assert.equal(seriesValue(r.body, "trireme_raft_term"), 11);
    assert.ok((seriesValue(r.body, "process_resident_memory_bytes") ?? 0) > 0);
  });

  test("/ready is 503 before start-up completes, then 200 and stays so", async () => {
    src.s = { ...baseSample(), started: false };
    let r = await get("/ready");
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.body), { health: "false", reason: "node is still starting" });
    src.s = { ...baseSample(), commitIndex: 500, appliedIndex: 100 };
    r = await get("/ready");
    assert.equal(r.status, 503, "not caught up yet");
    src.s = baseSample();
    assert.equal((await get("/ready")).status, 200);
    src.s = { ...baseSample(), leaderId: 0 };
    assert.equal((await get("/ready")).status, 200, "readiness latches; /health reports leader loss");
  });

  test("/health flips with leader and apply lag", async () => {
    src.s = baseSample();
    let r = await get("/health");
    assert.equal(r.status, 200);
    assert.equal(r.type, "application/json");
    assert.deepEqual(JSON.parse(r.body), { health: "true" });

    src.s = { ...baseSample(), leaderId: 0, isLeader: false, term: 7 };
    r = await get("/health");
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.body), { health: "false", reason: "no leader in term 7" });

    src.s = { ...baseSample(), commitIndex: 200, appliedIndex: 189 };
    r = await get("/health");
    assert.equal(r.status, 503);
    assert.match(JSON.parse(r.body).reason, /applied index 189 is 11 entries behind commit index 200 \(bound 10\)/);

    src.s = { ...baseSample(), commitIndex: 200, appliedIndex: 190 };
    assert.equal((await get("/health")).status, 200, "a lag equal to the bound is healthy");
  });

  test("unknown paths are 404 and other methods 405", async () => {
    assert.equal((await get("/nope")).status, 404);
    assert.equal((await get("/metrics", "POST")).status, 405);
    const head = await get("/health", "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
  });

  test("a taken address fails start() with a message naming the key", async () => {
    const other = new MetricsServer(new Metrics(undefined, { processMetrics: false }), { address: ADDRESS });
    await assert.rejects(other.start(), /\[metrics\] address "127\.0\.0\.1:25001"/);
    await other.close();
  });
});
