// The whole cluster stops cleanly (SIGTERM, exit 0) and starts again: every key, every deletion
// and the store's revision are back, under both persistence strategies.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { errorLine, etcd3Client, etcdctl, etcdctlOk, msgOf, requireEtcdctl, TEST_TIMEOUT, TestCluster, unb64 } from "./harness.ts";

const PORTS = { mem: 24300, disk: 24350 } as const;
const KEYS = 150;

interface Snapshot {
  revision: number;
  kvs: Record<string, { value: string; version: number; mod: number; create: number }>;
}

async function readAll(cluster: TestCluster, id: number, consistency: "l" | "s"): Promise<Snapshot> {
  const out = JSON.parse(await etcdctlOk(cluster.endpoint(id), ["get", "r/", "--prefix", `--consistency=${consistency}`, "-w", "json"])) as {
    header: { revision: number };
    kvs?: { key: string; value: string; version: number; mod_revision: number; create_revision: number }[];
  };
  return {
    revision: out.header.revision,
    kvs: Object.fromEntries((out.kvs ?? []).map((kv) => [unb64(kv.key), { value: unb64(kv.value), version: kv.version, mod: kv.mod_revision, create: kv.create_revision }])),
  };
}

describe("restart of the whole cluster", () => {
  const clusters: TestCluster[] = [];
  after(async () => {
    await Promise.all(clusters.map((c) => c.destroy()));
  });

  for (const strategy of ["mem", "disk"] as const) {
    test(`${strategy === "mem" ? "MemFirst" : "DiskFirst"}: SIGTERM all, start all, the data is all there`, TEST_TIMEOUT, async () => {
      requireEtcdctl();
      const cluster = TestCluster.start({ basePort: PORTS[strategy], strategy });
      clusters.push(cluster);
      await cluster.waitForLeader(20_000);

      const client = etcd3Client(cluster.ids.map((id) => cluster.endpoint(id)));
      try {
        const next = { i: 0 };
        await Promise.all(Array.from({ length: 6 }, async () => {
          for (let i = next.i++; i < KEYS; i = next.i++) await client.put(`r/${String(i).padStart(4, "0")}`).value(`v${i}`);
        }));
        // Some history: overwrites and deletions must survive too.
        for (let i = 0; i < KEYS; i += 3) await client.put(`r/${String(i).padStart(4, "0")}`).value(`w${i}`);
        await client.delete().key("r/0001");
        await client.delete().key("r/0002");
      } finally {
        client.close();
      }
      // A compaction is part of the state too: history below it must stay gone after the restart.
      const history = JSON.parse(await etcdctlOk(cluster.endpoints(), ["put", "r/0000", "hist", "-w", "json"])) as { header: { revision: number } };
      await etcdctlOk(cluster.endpoints(), ["put", "r/0000", "final"]);
      assert.equal(await etcdctlOk(cluster.endpoints(), ["compact", String(history.header.revision)]), `compacted revision ${history.header.revision}\n`);
      const { leader } = await cluster.waitForLeader();
      const before = await readAll(cluster, leader, "l");
      assert.equal(Object.keys(before.kvs).length, KEYS - 2);
      assert.equal(before.kvs["r/0003"]?.value, "w3");
      assert.equal(before.kvs["r/0003"]?.version, 2);
      // Let every member apply everything, so each one's clean stop has the whole state to keep.
      const applied = (await cluster.status(leader)).raftAppliedIndex;
      for (const id of cluster.ids) await cluster.waitForApplied(id, applied);

      const codes = await cluster.stopAll(10_000);
      assert.deepEqual([...codes.entries()].sort(), cluster.ids.map((id) => [id, 0]), "every member exits 0 on SIGTERM");
      for (const id of cluster.ids) {
        assert.ok(cluster.lines(id).some((l) => l.run === 1 && msgOf(l) === "member stopped"), `member ${id} logged "member stopped"`);
      }

      for (const id of cluster.ids) cluster.startMember(id);
      await cluster.waitForLeader(20_000);
      for (const id of cluster.ids) {
        const after = await readAll(cluster, id, "l");
        assert.deepEqual(after, before, `member ${id} after the restart (linearizable read)`);
      }
      // Serializable reads are local: each member's own store has it all, and its compaction.
      for (const id of cluster.ids) {
        assert.deepEqual((await readAll(cluster, id, "s")).kvs, before.kvs, `member ${id}'s local store`);
        assert.equal(await etcdctlOk(cluster.endpoint(id), ["get", "r/0000", `--rev=${history.header.revision}`, "--print-value-only", "--consistency=s"]), "hist\n");
        const old = await etcdctl(cluster.endpoint(id), ["get", "r/0000", `--rev=${history.header.revision - 1}`, "--consistency=s"]);
        assert.equal(errorLine(old), "Error: etcdserver: mvcc: required revision has been compacted", `member ${id} keeps the compaction`);
      }
      // And the cluster takes writes again, at the next revision.
      const put = JSON.parse(await etcdctlOk(cluster.endpoints(), ["put", "r/new", "x", "-w", "json"])) as { header: { revision: number } };
      assert.equal(put.header.revision, before.revision + 1);
    });
  }
});
