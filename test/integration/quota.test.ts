// The space quota and the NOSPACE alarm on a real 3-member cluster, driven by etcdctl as an
// operator would: puts past `quota_backend_bytes` get etcd's `database space exceeded`, NOSPACE is
// listed by every member, reads and deletes keep working, and compact + defrag + `alarm disarm`
// bring writes back without a restart. Then CORRUPT raised through the API: every write refused.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { etcd3Client, etcdctl, etcdctlOk, errorLine, requireEtcdctl, TEST_TIMEOUT, TestCluster, waitUntil } from "./harness.ts";

const BASE_PORT = 26700;
const QUOTA = 1536 * 1024;
const VALUE = "v".repeat(48 * 1024);
const NOSPACE = "etcdserver: mvcc: database space exceeded";

describe("space quota and NOSPACE on a 3-member cluster", () => {
  let cluster: TestCluster;

  before(() => {
    requireEtcdctl();
    cluster = TestCluster.start({ basePort: BASE_PORT, strategy: "disk", tweak: (c) => (c.limits.quota_backend_bytes = QUOTA) });
  });
  after(async () => {
    await cluster?.destroy();
  });

  test("past the quota: refused, alarmed everywhere, readable, deletable; compact + defrag + disarm recovers", TEST_TIMEOUT, async () => {
    const { leader } = await cluster.waitForLeader();
    const follower = cluster.ids.find((id) => id !== leader)!;
    const all = cluster.endpoints();
    assert.equal((await etcdctlOk(all, ["alarm", "list"])).trim(), "", "no alarm on a fresh cluster");

    // Fill through a follower until the quota refuses; every acknowledged put must stay readable.
    const acked: string[] = [];
    let refusal = "";
    for (let i = 0; i < 200 && refusal === ""; i++) {
      const r = await etcdctl(cluster.endpoint(follower), ["put", `k${i}`, VALUE]);
      if (r.code === 0) acked.push(`k${i}`);
      else refusal = errorLine(r);
    }
    assert.ok(acked.length > 0, "some puts fit under the quota");
    assert.match(refusal, new RegExp(NOSPACE), "the put past the quota gets etcd's error");

    // NOSPACE is replicated: every member lists it, and a put through any member is refused.
    for (const id of cluster.ids) {
      await waitUntil(`member ${id} to list NOSPACE`, 10_000, async () =>
        /alarm:NOSPACE/.test(await etcdctlOk(cluster.endpoint(id), ["alarm", "list"])) ? true : undefined);
      assert.match(errorLine(await etcdctl(cluster.endpoint(id), ["put", "more", "x"])), new RegExp(NOSPACE), `put through member ${id}`);
    }
    const status = await etcdctlOk(cluster.endpoint(leader), ["endpoint", "status", "-w", "json"]);
    assert.match(status, /alarm:NOSPACE/, "endpoint status lists the alarm among the errors, as etcd's does");

    // Reads and deletes keep working; nothing acknowledged is lost.
    for (const k of acked) assert.equal((await etcdctlOk(cluster.endpoint(leader), ["get", k, "--print-value-only"])).trim().length, VALUE.length, k);
    const deleted = await etcdctlOk(cluster.endpoint(follower), ["del", "k", "--prefix"]);
    assert.equal(deleted.trim(), String(acked.length));

    // Make room as etcd's docs say: compact, defragment every member, disarm.
    const rev = (JSON.parse(await etcdctlOk(cluster.endpoint(leader), ["endpoint", "status", "-w", "json"])) as { Status: { header: { revision: number } } }[])[0]!.Status.header.revision;
    await etcdctlOk(cluster.endpoint(leader), ["compact", String(rev), "--physical"]);
    await etcdctlOk(all, ["defrag"]);
    // The members drop the applied log while over quota (it counts too); once every member is
    // under the quota a disarm holds and writes resume.
    await waitUntil("the disarm to hold and a put to succeed", 20_000, async () => {
      await etcdctlOk(all, ["alarm", "disarm"]);
      const r = await etcdctl(cluster.endpoint(follower), ["put", "after", "ok"]);
      return r.code === 0 ? true : undefined;
    }, () => cluster.tails());
    assert.equal((await etcdctlOk(all, ["alarm", "list"])).trim(), "", "no alarm left");
    for (const id of cluster.ids) {
      await waitUntil(`member ${id} to read the put made after the disarm`, 10_000, async () =>
        (await etcdctlOk(cluster.endpoint(id), ["get", "after", "--print-value-only", "--consistency=s"])).trim() === "ok" ? true : undefined);
    }
  });

  test("CORRUPT raised through the API (as the corruption check does): every write refused on every member, reads served, disarm clears it", TEST_TIMEOUT, async () => {
    await cluster.waitForLeader();
    const client = etcd3Client(cluster.endpoint(1));
    try {
      const r = await client.maintenance.alarm({ action: "Activate", memberID: 2, alarm: "Corrupt" });
      assert.deepEqual(r.alarms.map((a) => [Number(a.memberID), a.alarm]), [[2, "Corrupt"]]);
    } finally {
      client.close();
    }
    for (const id of cluster.ids) {
      await waitUntil(`member ${id} to list CORRUPT`, 10_000, async () =>
        /memberID:2 alarm:CORRUPT/.test(await etcdctlOk(cluster.endpoint(id), ["alarm", "list"])) ? true : undefined);
      for (const args of [["put", "c", "1"], ["del", "after"], ["compact", "1"]]) {
        assert.match(errorLine(await etcdctl(cluster.endpoint(id), args)), /etcdserver: corrupt cluster/, `${args.join(" ")} through member ${id}`);
      }
      assert.equal((await etcdctlOk(cluster.endpoint(id), ["get", "after", "--print-value-only"])).trim(), "ok", `a read through member ${id}`);
    }
    await etcdctlOk(cluster.endpoints(), ["alarm", "disarm"]);
    assert.equal((await etcdctlOk(cluster.endpoints(), ["alarm", "list"])).trim(), "");
    await etcdctlOk(cluster.endpoint(2), ["put", "c", "1"]);
  });
});
