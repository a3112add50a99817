// The series etcd's Grafana dashboard and alert rules (contrib/mixin) read, under etcd's names and
// labels, fed by the same events as trireme's own; and the exposition passes promtool's naming
// lint except for etcd's own misnamed gauge (etcd_debugging_mvcc_keys_total).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Metrics } from "../../src/metrics/index.ts";
import { FakeSource, baseSample, seriesValue } from "./fake-source.ts";

describe("etcd's series", () => {
  test("gRPC calls started and handled, with their handling time", async () => {
    const m = new Metrics(new FakeSource(baseSample()), { processMetrics: false });
    m.grpcStarted("/etcdserverpb.KV/Range", "unary");
    m.grpcStarted("/etcdserverpb.KV/Range", "unary");
    m.grpcStarted("/etcdserverpb.Watch/Watch", "bidi_stream");
    m.grpcHandled("/etcdserverpb.KV/Range", "unary", 0, 0.003);
    const text = await m.text();
    const labels = 'grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Range"';
    assert.equal(seriesValue(text, `grpc_server_started_total{${labels}}`), 2);
    assert.equal(seriesValue(text, 'grpc_server_started_total{grpc_type="bidi_stream",grpc_service="etcdserverpb.Watch",grpc_method="Watch"}'), 1);
    assert.equal(seriesValue(text, `grpc_server_handling_seconds_count{${labels}}`), 1);
    assert.equal(seriesValue(text, `grpc_server_handling_seconds_bucket{le="0.005",${labels}}`), 1);
    assert.equal(seriesValue(text, `grpc_server_handling_seconds_bucket{le="0.001",${labels}}`) ?? 0, 0);
  });

  test("peer bytes, failures and round trips by peer id in hex, summed over the planes", async () => {
    const m = new Metrics(new FakeSource(baseSample()), { processMetrics: false });
    m.transport.bytes("control", 26, "out", 100);
    m.transport.bytes("data", 26, "out", 50);
    m.transport.bytes("bulk", 26, "in", 7);
    m.transport.rpc("control", 26, "Send", 0.0004, true);
    m.transport.rpc("data", 26, "Append", 0.2, true);
    m.transport.rpc("data", 26, "Append", 0.2, false);
    const text = await m.text();
    assert.equal(seriesValue(text, 'etcd_network_peer_sent_bytes_total{To="1a"}'), 150);
    assert.equal(seriesValue(text, 'etcd_network_peer_received_bytes_total{From="1a"}'), 7);
    assert.equal(seriesValue(text, 'etcd_network_peer_sent_failures_total{To="1a"}'), 1);
    // Only control-plane batches are round trips: a data-plane append carries up to MiBs.
    assert.equal(seriesValue(text, 'etcd_network_peer_round_trip_time_seconds_count{To="1a"}'), 1);
    assert.equal(seriesValue(text, 'etcd_network_peer_round_trip_time_seconds_bucket{le="0.0004",To="1a"}'), 1);
  });

  test("committed and applied proposals are counters that follow the indexes", async () => {
    const src = new FakeSource(baseSample());
    const m = new Metrics(src, { processMetrics: false });
    let text = await m.text();
    assert.match(text, /^# TYPE etcd_server_proposals_committed_total counter$/m);
    assert.equal(seriesValue(text, "etcd_server_proposals_committed_total"), 120);
    src.s = { ...src.s, commitIndex: 130, appliedIndex: 129 };
    text = await m.text();
    assert.equal(seriesValue(text, "etcd_server_proposals_committed_total"), 130);
    assert.equal(seriesValue(text, "etcd_server_proposals_applied_total"), 129);
  });

  test("names pass promtool's lint: counters end in _total, nothing else does (but etcd's own keys gauge)", async () => {
    const text = await new Metrics(new FakeSource(baseSample())).text();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => ({ name: x[1]!, type: x[2]! }));
    assert.ok(types.some((t) => t.name.startsWith("nodejs_")), "process metrics are on");
    const bad = types.filter((t) => (t.type === "counter") !== t.name.endsWith("_total") && t.name !== "etcd_debugging_mvcc_keys_total");
    assert.deepEqual(bad, []);
  });
});

describe("etcd's client traffic series", () => {
  test("count client message bytes each way, present at 0 before the first call", async () => {
    const m = new Metrics(new FakeSource(baseSample()), { processMetrics: false });
    assert.equal(seriesValue(await m.text(), "etcd_network_client_grpc_received_bytes_total"), 0);
    m.clientGrpcBytes("received", 12);
    m.clientGrpcBytes("received", 30);
    m.clientGrpcBytes("sent", 100);
    const text = await m.text();
    assert.equal(seriesValue(text, "etcd_network_client_grpc_received_bytes_total"), 42);
    assert.equal(seriesValue(text, "etcd_network_client_grpc_sent_bytes_total"), 100);
  });
});

describe("etcd's backend commit series", () => {
  test("observes kv.db commits in etcd's buckets", async () => {
    const m = new Metrics(new FakeSource(baseSample()), { processMetrics: false });
    m.backendCommit(0.003);
    m.backendCommit(0.0005);
    const text = await m.text();
    assert.equal(seriesValue(text, "etcd_disk_backend_commit_duration_seconds_count"), 2);
    assert.equal(seriesValue(text, 'etcd_disk_backend_commit_duration_seconds_bucket{le="0.001"}'), 1);
    assert.equal(seriesValue(text, 'etcd_disk_backend_commit_duration_seconds_bucket{le="0.004"}'), 2);
  });
});
