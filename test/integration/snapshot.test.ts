// A member that was down while the others took many writes comes back behind the leader's
// compacted log, so it can only catch up by an InstallSnapshot on the Bulk plane.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { etcd3Client, etcdctlOk, msgOf, clusterForSuite, TEST_TIMEOUT, TestCluster, unb64, waitUntil } from "./harness.ts";

const BASE_PORT = 24200;
const SNAPSHOT_ENTRIES = 50;
const CATCHUP_ENTRIES = 10;
const WRITES = 400;

describe("catch-up by snapshot", () => {
  let cluster!: TestCluster;
  const ready = clusterForSuite({
        basePort: BASE_PORT,
        snapshotEntries: SNAPSHOT_ENTRIES,
        tweak: (c) => {
          c.raft.snapshot_catchup_entries = CATCHUP_ENTRIES;
        },
      }, (c) => (cluster = c));

  test("a member stopped during many writes gets a snapshot when restarted, and serves the same data", TEST_TIMEOUT, async () => {
    await ready();
    const { leader } = await cluster.waitForLeader();
    const lagging = cluster.ids.find((id) => id !== leader)!;
    // Just after the election a follower can name the leader before it learns that the leader's
    // first entry is committed: stop it only once it holds all the leader has committed, so what
    // it has (`before`) is known, not a moment of start-up.
    const before = await cluster.waitForApplied(lagging, (await cluster.status(leader)).raftIndex);
    assert.equal(await cluster.stopMember(lagging, 10_000), 0, `member ${lagging} must stop cleanly on SIGTERM`);

    const client = etcd3Client(cluster.endpoint(leader));
    const expected: Record<string, string> = {};
    try {
      // A few writers at once so the 400 puts take little time; every put must succeed.
      const next = { i: 0 };
      await Promise.all(Array.from({ length: 8 }, async () => {
        for (let i = next.i++; i < WRITES; i = next.i++) {
          const key = `s/${String(i).padStart(4, "0")}`;
          await client.put(key).value(`value-${i}`);
          expected[key] = `value-${i}`;
        }
      }));
      // History the snapshot must carry: three versions of one key.
      for (const v of ["h1", "h2", "h3"]) await client.put("s/hist").value(v);
      expected["s/hist"] = "h3";
    } finally {
      client.close();
    }

    // The leader has compacted its log past everything the stopped member has.
    const taken = await cluster.waitForLine(leader, "a snapshot taken far beyond the stopped member's log", (l) =>
      msgOf(l) === "snapshot taken" && Number(l.json?.index) - CATCHUP_ENTRIES > before.raftIndex + 1);
    assert.ok(Number(taken.json?.index) >= SNAPSHOT_ENTRIES);

    cluster.startMember(lagging);
    const installed = await cluster.waitForLine(lagging, '"snapshot installed"', (l) => msgOf(l) === "snapshot installed", 30_000);
    assert.ok(Number(installed.json?.index) > before.raftIndex + CATCHUP_ENTRIES, `installed snapshot index ${installed.json?.index}`);

    const leaderStatus = await cluster.status(leader);
    await cluster.waitForApplied(lagging, leaderStatus.raftAppliedIndex, 20_000);
    const local = JSON.parse(await etcdctlOk(cluster.endpoint(lagging), ["get", "s/", "--prefix", "--consistency=s", "-w", "json"])) as {
      header: { revision: number };
      kvs?: { key: string; value: string }[];
    };
    const served = Object.fromEntries((local.kvs ?? []).map((kv) => [unb64(kv.key), unb64(kv.value)]));
    assert.equal(Object.keys(served).length, WRITES + 1);
    assert.deepEqual(served, expected);
    assert.equal(local.header.revision, leaderStatus.header.revision, "same store revision as the leader");
    // The snapshot is the whole store, history included: older revisions read the same on both.
    const hist = JSON.parse(await etcdctlOk(cluster.endpoint(leader), ["get", "s/hist", "-w", "json"])) as { kvs: { mod_revision: number; version: number }[] };
    assert.equal(hist.kvs[0]!.version, 3);
    for (const back of [1, 2]) {
      const rev = String(hist.kvs[0]!.mod_revision - back);
      const [there, here] = await Promise.all([leader, lagging].map((id) =>
        etcdctlOk(cluster.endpoint(id), ["get", "s/hist", `--rev=${rev}`, "--print-value-only", "--consistency=s"])));
      assert.equal(here, there, `revision ${rev} on member ${lagging} (after the snapshot) and on the leader`);
      assert.equal(there, `h${3 - back}\n`);
    }
    // It is a full member again: it takes part in new writes.
    assert.equal(await etcdctlOk(cluster.endpoint(lagging), ["put", "s/after", "x"]), "OK\n");
    await waitUntil(`member ${lagging} to read its own write`, 5000, async () =>
      (await etcdctlOk(cluster.endpoint(lagging), ["get", "s/after", "--print-value-only", "--consistency=s"])) === "x\n" ? true : undefined);
  });
});
