// The registry: every documented metric is exported, pull gauges follow the source, push calls
// and the transport observer show up with their labels.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ALL_METRICS, Metrics, type NodeSample } from "../../src/metrics/index.ts";
import { FakeSource, baseSample, seriesValue } from "./fake-source.ts";

describe("Metrics registry", () => {
  test("every documented metric appears in /metrics text, with HELP and TYPE", async () => {
    const m = new Metrics(new FakeSource(baseSample()));
    const text = await m.text();
    for (const d of ALL_METRICS) {
      assert.ok(text.includes(`# HELP ${d.name} ${d.help}`), `missing HELP for ${d.name}`);
      assert.ok(text.includes(`# TYPE ${d.name} ${d.type}`), `missing TYPE for ${d.name}`);
    }
    // Process metrics from collectDefaultMetrics.
    assert.match(text, /^process_cpu_user_seconds_total /m);
    assert.match(text, /^process_resident_memory_bytes /m);
  });

  test("pull gauges read the source at scrape time", async () => {
    const src = new FakeSource(baseSample());
    const m = new Metrics(src, { processMetrics: false });
    let text = await m.text();
    assert.equal(seriesValue(text, "trireme_raft_term"), 3);
    assert.equal(seriesValue(text, "trireme_raft_is_leader"), 1);
    assert.equal(seriesValue(text, "trireme_raft_commit_index"), 120);
    assert.equal(seriesValue(text, "trireme_log_flush_lag_entries"), 0);

    src.s = { ...src.s, term: 4, isLeader: false, leaderId: 0, lastIndex: 200, durableIndex: 150, flushLagEntries: 50, flushLagSeconds: 0.02, kvKeys: 7, kvRevision: 99, proposalsPending: 5 };
    text = await m.text();
    assert.equal(seriesValue(text, "trireme_raft_term"), 4);
    assert.equal(seriesValue(text, "trireme_raft_is_leader"), 0);
    assert.equal(seriesValue(text, "trireme_raft_has_leader"), 0);
    assert.equal(seriesValue(text, "trireme_log_last_index"), 200);
    assert.equal(seriesValue(text, "trireme_log_durable_index"), 150);
    assert.equal(seriesValue(text, "trireme_log_flush_lag_entries"), 50);
    assert.equal(seriesValue(text, "trireme_log_flush_lag_seconds"), 0.02);
    assert.equal(seriesValue(text, "trireme_proposals_pending"), 5);
    assert.equal(seriesValue(text, "trireme_kv_keys"), 7);
    assert.equal(seriesValue(text, "trireme_kv_revision"), 99);
    src.s = { ...src.s, leases: 4, watchStreams: 1, watchers: 6 };
    text = await m.text();
    assert.equal(seriesValue(text, "trireme_leases"), 4);
    assert.equal(seriesValue(text, "trireme_watch_streams"), 1);
    assert.equal(seriesValue(text, "trireme_watchers"), 6);
  });

  test("one scrape samples the source once, so gauges agree with each other", async () => {
    const src = new FakeSource(baseSample());
    const m = new Metrics(src, { processMetrics: false });
    await m.text();
    assert.equal(src.calls, 1);
  });

  test("snapshot transfers show progress while under way and vanish when done", async () => {
    const src = new FakeSource({ ...baseSample(), snapshotTransfers: [{ peer: 2, direction: "out", doneBytes: 250, totalBytes: 1000 }] });
    const m = new Metrics(src, { processMetrics: false });
    let text = await m.text();
    assert.equal(seriesValue(text, 'trireme_snapshot_transfer_progress_ratio{peer="2",direction="out"}'), 0.25);
    assert.equal(seriesValue(text, 'trireme_snapshot_transfer_bytes{peer="2",direction="out"}'), 250);
    src.s = { ...src.s, snapshotTransfers: [] };
    text = await m.text();
    assert.equal(seriesValue(text, 'trireme_snapshot_transfer_progress_ratio{peer="2",direction="out"}'), undefined);
  });

  test("etcd's metric names carry the same facts, so etcd dashboards and alerts read them", async () => {
    const src = new FakeSource(baseSample());
    const m = new Metrics(src, { processMetrics: false });
    m.fsync(0.0015);
    m.fsync(0.02);
    m.leaderChanged();
    m.grpcHandled("/etcdserverpb.KV/Put", "unary", 0);
    m.grpcHandled("/etcdserverpb.KV/Put", "unary", 0);
    m.proposalFailed();
    m.grpcHandled("/etcdserverpb.Watch/Watch", "bidi_stream", 14);
    let text = await m.text();
    const s = src.s;
    assert.equal(seriesValue(text, 'grpc_server_handled_total{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Put",grpc_code="OK"}'), 2);
    assert.equal(seriesValue(text, 'grpc_server_handled_total{grpc_type="bidi_stream",grpc_service="etcdserverpb.Watch",grpc_method="Watch",grpc_code="Unavailable"}'), 1);
    assert.equal(seriesValue(text, "etcd_server_has_leader"), s.leaderId !== 0 ? 1 : 0);
    assert.equal(seriesValue(text, "etcd_server_is_leader"), s.isLeader ? 1 : 0);
    assert.equal(seriesValue(text, "etcd_server_leader_changes_seen_total"), 1);
    assert.equal(seriesValue(text, "etcd_server_proposals_failed_total"), 1);
    assert.equal(seriesValue(text, "etcd_server_proposals_committed_total"), s.commitIndex);
    assert.equal(seriesValue(text, "etcd_server_proposals_applied_total"), s.appliedIndex);
    assert.equal(seriesValue(text, "etcd_debugging_mvcc_keys_total"), s.kvKeys);
    assert.equal(seriesValue(text, "trireme_kv_index_keys"), s.kvIndexKeys);
    assert.equal(seriesValue(text, "trireme_kv_index_bytes"), s.kvIndexBytes);
    assert.equal(seriesValue(text, "etcd_mvcc_db_total_size_in_bytes"), s.dbSizeBytes);
    assert.equal(seriesValue(text, "etcd_mvcc_db_total_size_in_use_in_bytes"), s.dbSizeInUseBytes);
    // etcd's buckets: 0.001, 0.002, 0.004, ... 8.192 s.
    assert.equal(seriesValue(text, 'etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"}'), 0);
    assert.equal(seriesValue(text, 'etcd_disk_wal_fsync_duration_seconds_bucket{le="0.002"}'), 1);
    assert.equal(seriesValue(text, 'etcd_disk_wal_fsync_duration_seconds_bucket{le="8.192"}'), 2);
    src.s = { ...src.s, leaderId: 0, isLeader: false, proposalsPending: 3 };
    text = await m.text();
    assert.equal(seriesValue(text, "etcd_server_has_leader"), 0);
    assert.equal(seriesValue(text, "etcd_server_is_leader"), 0);
    assert.equal(seriesValue(text, "etcd_server_proposals_pending"), 3);
  });

  test("push calls: fsync, flush batch, leader changes, snapshots", async () => {
    const m = new Metrics(new FakeSource(baseSample()), { processMetrics: false });
    m.fsync(0.0004);
    m.fsync(0.003);
    m.flushBatch(37);
    m.loopLag(0.0002);
    m.loopLag(0.3);
    m.leaderChanged();
    m.leaderChanged();
    m.snapshotTaken(0.2, 4096);
    m.snapshotSent(1.5, 4096);
    m.snapshotSent(0.5, 1000);
    const text = await m.text();
    assert.equal(seriesValue(text, "trireme_storage_fsync_duration_seconds_count"), 2);
    assert.equal(seriesValue(text, 'trireme_storage_fsync_duration_seconds_bucket{le="0.0005"}'), 1);
    assert.equal(seriesValue(text, 'trireme_storage_fsync_duration_seconds_bucket{le="0.005"}'), 2);
    assert.equal(seriesValue(text, "trireme_storage_flush_batch_entries_sum"), 37);
    assert.equal(seriesValue(text, 'trireme_event_loop_lag_seconds_bucket{le="0.00025"}'), 1);
    assert.equal(seriesValue(text, 'trireme_event_loop_lag_seconds_bucket{le="0.25"}'), 1);
    assert.equal(seriesValue(text, 'trireme_event_loop_lag_seconds_bucket{le="0.5"}'), 2);
    assert.equal(seriesValue(text, 'trireme_storage_flush_batch_entries_bucket{le="32"}'), 0);
    assert.equal(seriesValue(text, 'trireme_storage_flush_batch_entries_bucket{le="64"}'), 1);
    assert.equal(seriesValue(text, "trireme_raft_leader_changes_total"), 2);
    assert.equal(seriesValue(text, 'trireme_snapshot_total{operation="taken"}'), 1);
    assert.equal(seriesValue(text, 'trireme_snapshot_total{operation="sent"}'), 2);
    assert.equal(seriesValue(text, 'trireme_snapshot_total{operation="received"}'), 0);
    assert.equal(seriesValue(text, 'trireme_snapshot_bytes_total{operation="sent"}'), 5096);
    assert.equal(seriesValue(text, 'trireme_snapshot_duration_seconds_sum{operation="sent"}'), 2);
  });

  test("the transport observer records per plane, peer, method and direction", async () => {
    const m = new Metrics(new FakeSource(baseSample()), { processMetrics: false });
    const o = m.transport;
    o.rpc("data", 2, "Append", 0.001, true);
    o.rpc("data", 2, "Append", 0.002, true);
    o.rpc("control", 3, "Send", 0.5, false);
    o.bytes("data", 2, "out", 1000);
    o.bytes("data", 2, "out", 24);
    o.bytes("bulk", 3, "in", 7);
    o.connection("control", 3, true);
    o.connection("data", 2, true);
    o.connection("data", 2, false);
    o.received("control", 3, 2);
    o.received("control", 3, 1);
    o.refused("data", "foreign_cluster");
    o.refused("data", "foreign_cluster");
    o.refused("bulk", "bad_snapshot");
    const text = await m.text();
    assert.equal(seriesValue(text, 'trireme_plane_rpc_duration_seconds_count{plane="data",peer="2",method="Append"}'), 2);
    assert.equal(seriesValue(text, 'trireme_plane_rpc_errors_total{plane="data",peer="2",method="Append"}'), 0);
    assert.equal(seriesValue(text, 'trireme_plane_rpc_errors_total{plane="control",peer="3",method="Send"}'), 1);
    assert.equal(seriesValue(text, 'trireme_plane_bytes_total{plane="data",peer="2",direction="out"}'), 1024);
    assert.equal(seriesValue(text, 'trireme_plane_bytes_total{plane="bulk",peer="3",direction="in"}'), 7);
    assert.equal(seriesValue(text, 'trireme_plane_connection_up{plane="control",peer="3"}'), 1);
    assert.equal(seriesValue(text, 'trireme_plane_connection_up{plane="data",peer="2"}'), 0);
    assert.equal(seriesValue(text, 'trireme_plane_messages_received_total{plane="control",peer="3"}'), 3);
    assert.equal(seriesValue(text, 'trireme_plane_refused_total{plane="data",reason="foreign_cluster"}'), 2);
    assert.equal(seriesValue(text, 'trireme_plane_refused_total{plane="bulk",reason="bad_snapshot"}'), 1);
  });

  test("without a source, pull gauges export 0 and scraping does not throw", async () => {
    const m = new Metrics(undefined, { processMetrics: false });
    const text = await m.text();
    assert.equal(seriesValue(text, "trireme_raft_term"), 0);
    const later: NodeSample = { ...baseSample(), term: 9 };
    m.setSource(new FakeSource(later));
    assert.equal(seriesValue(await m.text(), "trireme_raft_term"), 9);
  });
});

describe("docs/metrics.md", () => {
  test("lists every metric with its type", () => {
    const doc = readFileSync(new URL("../../docs/metrics.md", import.meta.url), "utf8");
    for (const d of ALL_METRICS) {
      assert.ok(doc.includes(`| \`${d.name}\` | ${d.type} |`), `docs/metrics.md lacks a row for ${d.name} (${d.type})`);
    }
  });
});
