// Issue #13 item 6 with real processes: every member's client port answers curl's /health,
// /livez, /readyz, /version and /metrics over HTTP/1.1 and h2c as etcd's does, the gRPC
// gateway's JSON API works across members (a put through one is watched through another), a
// member that lost its quorum is live but not ready, and `etcdctl check datascale` passes.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { curl, CurlStream, post } from "../api/curl.ts";
import { b64, etcdctl, requireEtcdctl, TEST_TIMEOUT, TestCluster, waitUntil } from "./harness.ts";

const BASE = 30600; // members 1-3 at 30600, 30610, 30620 (+0..+4), below the ephemeral port range

describe("the client port's HTTP surface on a 3-member cluster", () => {
  let cluster: TestCluster;
  const streams: CurlStream[] = [];
  const url = (id: number, path: string) => `http://${cluster.endpoint(id)}${path}`;
  before(() => {
    requireEtcdctl();
    cluster = TestCluster.start({ basePort: BASE, nodes: 3, strategy: "mem" });
  });
  after(async () => {
    for (const s of streams) await s.close();
    await cluster.destroy();
  });

  test("every member answers the probes over HTTP/1.1 and h2c", TEST_TIMEOUT, async () => {
    await cluster.waitForLeader();
    let lagSamples = 0;
    for (const id of cluster.ids) {
      for (const h2 of [[], ["--http2-prior-knowledge"]]) {
        const ready = await waitUntil(`member ${id} ready`, 10_000, async () => {
          const r = await curl([...h2, url(id, "/readyz?verbose")]);
          return r.status === 200 ? r : undefined;
        });
        assert.equal(ready.body, "[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\n[+]non_learner ok\nok\n");
        assert.equal((await curl([...h2, url(id, "/livez")])).body, "ok\n");
        assert.deepEqual(JSON.parse((await curl([...h2, url(id, "/health")])).body), { health: "true", reason: "" });
        const v = JSON.parse((await curl([...h2, url(id, "/version")])).body) as Record<string, string>;
        assert.equal(v.etcdcluster, "3.4.0");
        const m = await curl([...h2, url(id, "/metrics")]);
        assert.equal(m.status, 200);
        assert.match(m.body, /^etcd_server_has_leader 1$/m);
        // waitForLeader asked every member for its status over gRPC (an empty request, a non-empty answer).
        assert.match(m.body, /^etcd_network_client_grpc_sent_bytes_total [1-9]/m);
        // Every member applied the first entries of its term and committed them to kv.db.
        assert.match(m.body, /^etcd_disk_backend_commit_duration_seconds_count [1-9]/m);
        // Every member exports how late its tick timer fired (an idle follower's fires about
        // once per election timeout, a leader's every tick: the sum is checked below).
        assert.match(m.body, /^# TYPE trireme_event_loop_lag_seconds histogram$/m);
        lagSamples += Number(/^trireme_event_loop_lag_seconds_count (\d+)$/m.exec(m.body)?.[1] ?? 0);
        assert.match(m.body, /^grpc_server_handled_total\{grpc_type="unary",grpc_service="etcdserverpb.Maintenance",grpc_method="Status",grpc_code="OK"\} [1-9]/m);
      }
    }
    // The leader's tick timer fires every tick and reports each time.
    assert.ok(lagSamples > 0, "no member reported a tick's lateness");
  });

  test("a put through one member's gateway is read and watched through the others", TEST_TIMEOUT, async () => {
    const key = b64("http-it/k");
    const w = new CurlStream(["-d", JSON.stringify({ create_request: { key } }), url(3, "/v3/watch")]);
    streams.push(w);
    await w.waitFor("created", (l) => l.includes('"created":true'));
    const put = await post(url(1, "/v3/kv/put"), { key, value: b64("v1") });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const rev = (put.json.header as { revision: string }).revision;
    const ev = JSON.parse(await w.waitFor("the put event", (l) => l.includes('"events"'))) as { result: { events: { kv: Record<string, string> }[] } };
    assert.equal(ev.result.events[0]!.kv.value, b64("v1"));
    assert.equal(ev.result.events[0]!.kv.mod_revision, rev);
    const got = await post(url(2, "/v3/kv/range"), { key });
    assert.equal((got.json.kvs as { value: string }[])[0]!.value, b64("v1"));
    const members = await post(url(2, "/v3/cluster/member/list"), {});
    assert.equal((members.json.members as unknown[]).length, 3);
  });

  test("etcdctl check datascale passes", TEST_TIMEOUT, async () => {
    const r = await etcdctl(cluster.endpoints(), ["check", "datascale", "--load=s", "--auto-compact", "--auto-defrag"]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /PASS/);
  });

  test("a member without its quorum is live, not ready, and unhealthy", TEST_TIMEOUT, async () => {
    await cluster.stopMember(2);
    await cluster.stopMember(3);
    const ready = await waitUntil("member 1 to see it has no quorum", 15_000, async () => {
      const r = await curl([url(1, "/readyz")]);
      return r.status === 503 ? r : undefined;
    });
    assert.match(ready.body, /^\[-\]linearizable_read failed: .+$/m);
    assert.match(ready.body, /^\[\+\]serializable_read ok$/m);
    assert.equal((await curl([url(1, "/livez")])).status, 200);
    assert.equal((await curl([url(1, "/readyz?exclude=linearizable_read")])).status, 200);
    const health = await curl([url(1, "/health")]);
    assert.equal(health.status, 503);
    assert.equal((JSON.parse(health.body) as { health: string }).health, "false");
    assert.equal((await curl([url(1, "/health?serializable=true")])).status, 200);
  });
});
