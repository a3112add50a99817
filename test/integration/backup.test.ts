// Backup and restore of a real 3-member cluster, the etcd way: `etcdctl snapshot save` against a
// follower, then `trireme data restore` of every member from that one file into fresh data
// directories of a NEW cluster (new [cluster] name, so nothing of the old cluster can talk to
// it), started with `trireme start`. The backed-up keys, history and lease are there, the
// writes made after the backup are not, and the new cluster takes writes at the revisions that
// follow the backup's.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseConfig } from "../../src/config/load.ts";
import { renderConfig } from "../../src/config/render.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { etcdctlOk, requireEtcdctl, runProcess, TEST_TIMEOUT, TestCluster, unb64, waitUntil } from "./harness.ts";

const BASE_PORT = 27600;
const main = resolve(import.meta.dirname, "../../src/main.ts");
const hex = (id: number) => id.toString(16).padStart(16, "0");

interface GetJson {
  header: { cluster_id: number; revision: number };
  kvs?: { key: string; value: string; mod_revision: number; version: number; lease?: number }[];
  count?: number;
}

describe("backup and restore of a 3-member cluster", () => {
  let cluster: TestCluster;

  before(() => {
    requireEtcdctl();
    cluster = TestCluster.start({ basePort: BASE_PORT, strategy: "disk" });
  });
  after(async () => {
    await cluster?.destroy();
  });

  test("etcdctl snapshot save from a follower; every member restored from it serves the backed-up data and takes new writes", TEST_TIMEOUT, async () => {
    const { leader } = await cluster.waitForLeader(20_000);
    const follower = cluster.ids.find((id) => id !== leader)!;
    const at = (id: number) => cluster.endpoint(id);
    const getJson = async (id: number, key: string, ...flags: string[]) =>
      JSON.parse(await etcdctlOk(at(id), ["get", key, "-w", "json", ...flags])) as GetJson;

    // Data to back up: 40 keys, one with history, a lease with a key attached.
    await Promise.all(Array.from({ length: 4 }, async (_, w) => {
      for (let i = w; i < 40; i += 4) await etcdctlOk(at(leader), ["put", `b/${String(i).padStart(2, "0")}`, `value-${i}`]);
    }));
    for (const v of ["h1", "h2", "h3"]) await etcdctlOk(at(follower), ["put", "b/hist", v]);
    const lease = parseInt(/^lease ([0-9a-f]+) granted/.exec(await etcdctlOk(at(leader), ["lease", "grant", "600"]))![1]!, 16);
    await etcdctlOk(at(leader), ["put", "b/leased", "l", `--lease=${hex(lease)}`]);

    // The follower has applied everything (a linearizable read through it waits for that).
    const backedUp = await getJson(follower, "b/", "--prefix");
    assert.equal(backedUp.count, 42);
    const oldClusterId = backedUp.header.cluster_id;
    const backup = join(cluster.dir, "backup.db");
    const saved = await etcdctlOk(at(follower), ["snapshot", "save", backup]);
    assert.match(saved, /Snapshot saved at/);
    const bytes = readFileSync(backup);
    writeFileSync(join(cluster.dir, "backup-image.db"), bytes.subarray(0, bytes.length - 32));
    const image = MvccStore.inspectImage(join(cluster.dir, "backup-image.db"));
    assert.equal(image.revision, backedUp.header.revision, "the backup is the follower's state when it was taken");

    // Writes after the backup: not in it.
    await etcdctlOk(at(leader), ["put", "b/later", "x"]);
    await etcdctlOk(at(leader), ["put", "b/hist", "h4"]);
    const codes = await cluster.stopAll(10_000);
    for (const [id, code] of codes) assert.equal(code, 0, `member ${id} stops cleanly`);

    // A new cluster: new name (cluster id), new data directories, the same addresses.
    for (const id of cluster.ids) {
      const file = join(cluster.dir, `node-${id}.toml`);
      const config = parseConfig(readFileSync(file, "utf8"), file);
      config.cluster.name = "trireme-restored";
      config.node.data_dir = `restored-${id}`;
      writeFileSync(file, renderConfig(config, { header: [`integration test member ${id}, restored from a backup`] }));
      const r = await runProcess(process.execPath, [main, "data", "restore", "--snapshot", backup, "--config", file]);
      assert.equal(r.code, 0, `data restore for member ${id}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`index ${image.index}, term ${image.term}, revision ${image.revision}`));
      const check = await runProcess(process.execPath, [main, "data", "check", join(cluster.dir, `restored-${id}`)]);
      assert.equal(check.code, 0, `data check of member ${id}'s restored directory: ${check.stdout}${check.stderr}`);
    }
    // A backup's temporary image left by a process that died mid-stream: removed at start.
    const leftover = join(cluster.dir, `restored-${follower}`, ".backup-999999999-0123456789abcdef.db");
    writeFileSync(leftover, "left by a crash");
    for (const id of cluster.ids) cluster.startMember(id);
    const restored = await cluster.waitForLeader(20_000);
    assert.equal(existsSync(leftover), false, "a member sweeps backup images left by a dead process when it starts");

    for (const id of cluster.ids) {
      const got = await getJson(id, "b/", "--prefix");
      assert.notEqual(got.header.cluster_id, oldClusterId, "a new cluster");
      assert.equal(got.header.revision, image.revision, `member ${id} serves the backup's revision`);
      assert.deepEqual(
        (got.kvs ?? []).map((kv) => [unb64(kv.key), unb64(kv.value), kv.mod_revision]),
        (backedUp.kvs ?? []).map((kv) => [unb64(kv.key), unb64(kv.value), kv.mod_revision]),
        `member ${id}: exactly the backed-up keys (b/later and h4 are not there)`,
      );
    }
    // History came along: the older versions of b/hist read the same.
    const hist = (backedUp.kvs ?? []).find((kv) => unb64(kv.key) === "b/hist")!;
    assert.equal(hist.version, 3);
    const older = await etcdctlOk(at(follower), ["get", "b/hist", `--rev=${hist.mod_revision - 1}`, "--print-value-only"]);
    assert.equal(older, "h2\n");
    // The lease too, with its key.
    const ttl = await etcdctlOk(at(restored.leader), ["lease", "timetolive", hex(lease), "--keys"]);
    assert.match(ttl, /granted with TTL\(600s\)/);
    assert.match(ttl, /attached keys\(\[b\/leased\]\)/);

    // New writes, through any member, continue at the revisions after the backup's.
    const other = cluster.ids.find((id) => id !== restored.leader)!;
    await etcdctlOk(at(other), ["put", "b/new", "fresh"]);
    const fresh = await getJson(restored.leader, "b/new");
    assert.equal(fresh.kvs?.[0]?.mod_revision, image.revision + 1);
    for (const id of cluster.ids) {
      await waitUntil(`member ${id} to apply the new write`, 5000, async () =>
        (await etcdctlOk(at(id), ["get", "b/new", "--print-value-only", "--consistency=s"])) === "fresh\n" ? true : undefined);
    }
    const members = await etcdctlOk(at(other), ["member", "list"]);
    assert.equal(members.trim().split("\n").length, 3);
  });
});
