// Watch on real processes: every member serves watches from its own applied state, so a watcher
// on a follower sees what the leader commits — across a txn, from a past revision, and through a
// leader crash — with no gap and no duplicate.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { IKeyValue } from "etcd3";
import { spawn } from "node:child_process";
import { ETCDCTL, etcd3Client, etcdctlOk, clusterForSuite, TEST_TIMEOUT, TestCluster, waitUntil } from "./harness.ts";

const BASE_PORT = 24600;

interface Seen {
  event: string;
  rev: number;
}

describe("watch across members", () => {
  let cluster!: TestCluster;
  const ready = clusterForSuite({ basePort: BASE_PORT, strategy: "disk" }, (c) => (cluster = c));

  test("a watcher on a follower sees the leader's writes in revision order; a txn is one revision", TEST_TIMEOUT, async () => {
    await ready();
    const { leader } = await cluster.waitForLeader();
    const follower = cluster.ids.find((id) => id !== leader)!;
    const watching = etcd3Client(cluster.endpoint(follower));
    const writing = etcd3Client(cluster.endpoint(leader));
    try {
      const watcher = await watching.watch().prefix("w/").create();
      const seen: Seen[] = [];
      watcher.on("put", (kv: IKeyValue) => seen.push({ event: `put ${kv.key}=${kv.value}`, rev: Number(kv.mod_revision) }));
      watcher.on("delete", (kv: IKeyValue) => seen.push({ event: `delete ${kv.key}`, rev: Number(kv.mod_revision) }));
      await writing.put("w/a").value("1");
      await writing.put("elsewhere").value("x");
      await writing.if("w/a", "Value", "==", "1").then(writing.put("w/b").value("2"), writing.put("w/c").value("3")).commit();
      await writing.delete().key("w/a");
      await waitUntil("four events on the follower", 10_000, () => (seen.length >= 4 ? true : undefined), () => JSON.stringify(seen));
      assert.deepEqual(seen.map((s) => s.event), ["put w/a=1", "put w/b=2", "put w/c=3", "delete w/a"]);
      const [a, b, c, d] = seen.map((s) => s.rev);
      assert.equal(b, c, "the txn's two puts share one revision");
      assert.ok(a < b && c < d, `revisions grow: ${seen.map((s) => s.rev).join(",")}`);
      assert.equal(b - a, 2, "the put outside the prefix took a revision in between, unseen");
      await watcher.cancel();
    } finally {
      watching.close();
      writing.close();
    }
  });

  test("etcdctl watch --rev on a follower replays history from that revision", TEST_TIMEOUT, async () => {
    await ready();
    const { leader } = await cluster.waitForLeader();
    const follower = cluster.ids.find((id) => id !== leader)!;
    const first = JSON.parse(await etcdctlOk(cluster.endpoint(leader), ["put", "h/k", "v1", "-w", "json"])) as { header: { revision: number } };
    await etcdctlOk(cluster.endpoint(leader), ["put", "h/k", "v2"]);
    await etcdctlOk(cluster.endpoint(leader), ["del", "h/k"]);
    // A watch ends only when cancelled: etcdctl runs in a child that this test stops once it printed
    // the replay. `watch` prints "PUT\nkey\nvalue" per event.
    const child = spawn(ETCDCTL, [`--endpoints=${cluster.endpoint(follower)}`, "watch", "h/k", `--rev=${first.header.revision}`], {
      env: { ...process.env, ETCDCTL_API: "3" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await waitUntil("etcdctl printed the replay", 10_000, () => (out.includes("DELETE") ? true : undefined), () => out);
      assert.deepEqual(out.trim().split("\n"), ["PUT", "h/k", "v1", "PUT", "h/k", "v2", "DELETE", "h/k"]);
    } finally {
      child.kill("SIGTERM");
    }
  });

  test("a watcher on a follower keeps every event, none twice, through a leader crash", TEST_TIMEOUT, async () => {
    await ready();
    const { leader } = await cluster.waitForLeader();
    const follower = cluster.ids.find((id) => id !== leader)!;
    const watching = etcd3Client(cluster.endpoint(follower));
    const others = cluster.ids.filter((id) => id !== leader).map((id) => cluster.endpoint(id));
    const writing = etcd3Client(cluster.endpoint(leader));
    const afterCrash = etcd3Client(others);
    try {
      const watcher = await watching.watch().prefix("f/").create();
      const values: string[] = [];
      watcher.on("put", (kv: IKeyValue) => values.push(String(kv.value)));
      for (let i = 0; i < 20; i++) await writing.put(`f/${i % 3}`).value(`v${i}`);
      await cluster.kill(leader);
      // Wait for the survivors' leader, then write through them: no retry, so no write can land
      // twice and the follower's events must be exactly the 40 puts.
      const { leader: next } = await cluster.waitForLeader(20_000);
      assert.notEqual(next, leader);
      for (let i = 20; i < 40; i++) await afterCrash.put(`f/${i % 3}`).value(`v${i}`);
      await waitUntil("40 events on the follower", 15_000, () => (values.length >= 40 ? true : undefined), () => values.join(","));
      assert.deepEqual(values, Array.from({ length: 40 }, (_, i) => `v${i}`), "every write once, in order");
      await watcher.cancel();
    } finally {
      watching.close();
      writing.close();
      afterCrash.close();
    }
  });
});
