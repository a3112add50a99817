// Corruption found before it is served, with real processes: a flipped byte in a follower's
// kv.db, in one of its log entries or in its latest snapshot is reported by `trireme data
// check` and found when the member starts; the member then moves its files aside and rebuilds
// from the leader by itself, serving exactly the leader's data again. A single member, with no
// one to rebuild from, refuses to start and says how to restore.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { openSqlite } from "../../src/storage/sqlite.ts";
import { etcd3Client, etcdctlOk, msgOf, requireEtcdctl, runProcess, clusterForSuite, TEST_TIMEOUT, TestCluster, unb64 } from "./harness.ts";

const BASE_PORT = 25600;
const SINGLE_PORT = 25650;
const main = resolve(import.meta.dirname, "../../src/main.ts");

/** Flips one bit in every copy of `marker` in `file` (after moving its WAL into it, as a disk
 *  block would hold it); returns how many copies there were. */
export function flipIn(file: string, marker: string): number {
  if (file.endsWith(".db")) {
    const db = openSqlite(file);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
  }
  const bytes = readFileSync(file);
  let n = 0;
  for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1)) {
    bytes[at + 4] ^= 0x01;
    n++;
  }
  writeFileSync(file, bytes);
  return n;
}

export async function dataCheck(dir: string): Promise<{ code: number; out: string }> {
  const r = await runProcess(process.execPath, [main, "data", "check", dir]);
  return { code: r.code, out: r.stdout + r.stderr };
}

async function serialData(cluster: TestCluster, id: number): Promise<Record<string, string>> {
  const out = JSON.parse(await etcdctlOk(cluster.endpoint(id), ["get", "c/", "--prefix", "--consistency=s", "-w", "json"])) as {
    kvs?: { key: string; value: string }[];
  };
  return Object.fromEntries((out.kvs ?? []).map((kv) => [unb64(kv.key), unb64(kv.value)]));
}

async function put(cluster: TestCluster, via: number, prefix: string, n: number, marker: { at: number; value: string }): Promise<void> {
  const client = etcd3Client(cluster.endpoint(via));
  try {
    for (let k = 0; k < n; k++) await client.put(`${prefix}${String(k).padStart(4, "0")}`).value(k === marker.at ? marker.value : `value-${k}`);
  } finally {
    client.close();
  }
}

describe("a corrupt follower is found and rebuilds from the leader", () => {
  let cluster!: TestCluster;
  const ready = clusterForSuite({
        basePort: BASE_PORT,
        strategy: "disk",
        snapshotEntries: 100,
        tweak: (c) => {
          c.raft.snapshot_catchup_entries = 20;
        },
      }, (c) => (cluster = c));

  /** Writes, stops a follower, lets `damage` flip a byte in its files, checks data check and the
   *  rebuild. */
  async function scenario(name: string, damage: (dir: string, marker: string) => RegExp): Promise<void> {
    const { leader } = await cluster.waitForLeader();
    const victim = cluster.ids.find((id) => id !== leader)!;
    const marker = `MARKER-${name}-${Date.now()}`;
    await put(cluster, leader, `c/${name}/`, 300, { at: 290, value: marker });
    const applied = (await cluster.status(leader)).raftAppliedIndex;
    await cluster.waitForApplied(victim, applied);
    const held = (await cluster.status(victim)).raftIndex;
    assert.equal(await cluster.stopMember(victim, 10_000), 0);
    const dir = join(cluster.dir, `node-${victim}`);
    const expected = damage(dir, marker);

    const check = await dataCheck(dir);
    assert.equal(check.code, 1, check.out);
    assert.match(check.out, expected);
    assert.match(check.out, /to repair: start the member/);

    const copiesBefore = readdirSync(dir).filter((n) => n.startsWith("diverged-")).length;
    cluster.startMember(victim);
    const found = await cluster.waitForLine(victim, "the corruption found at start", (l) => msgOf(l)?.startsWith("corrupt data found at start") === true, 20_000);
    assert.match(String(found.json?.error), expected);
    // It held the log up to `held`: until it has it again it may not vote (RestoredState.voteFloor).
    const floor = await cluster.waitForLine(victim, "the vote floor of the rebuilt member", (l) => typeof l.json?.voteFloor === "number", 20_000);
    assert.ok(Number(floor.json!.voteFloor) >= held, `vote floor ${floor.json!.voteFloor}, held up to ${held}`);
    await cluster.waitForLine(victim, '"member started"', (l) => msgOf(l) === "member started", 20_000);
    const now = (await cluster.status(leader)).raftAppliedIndex;
    await cluster.waitForApplied(victim, now, 20_000);
    const [mine, theirs] = await Promise.all([serialData(cluster, victim), serialData(cluster, leader)]);
    assert.equal(theirs[`c/${name}/0290`], marker, "the leader has the acknowledged value");
    assert.deepEqual(mine, theirs, `member ${victim} serves exactly the leader's data after its rebuild`);
    const copies = readdirSync(dir).filter((n) => n.startsWith("diverged-"));
    assert.equal(copies.length, Math.min(2, copiesBefore + 1), "the damaged files were moved aside, at most two copies kept");
    assert.ok(cluster.isRunning(victim));
    const after = await dataCheck(dir);
    assert.equal(after.code, 0, `the rebuilt directory checks clean:\n${after.out}`);
  }

  test("a flipped byte in a stored value in kv.db", TEST_TIMEOUT, async () => {
    await ready();
    await scenario("kv", (dir, marker) => {
      assert.ok(flipIn(join(dir, "kv.db"), marker) >= 1, "the value is in kv.db");
      return /kv\.db: the history row at revision \d+\.\d+ fails its checksum/;
    });
  });

  test("a flipped byte in a log entry in log.db", TEST_TIMEOUT, async () => {
    await ready();
    await scenario("log", (dir, marker) => {
      assert.ok(flipIn(join(dir, "log.db"), marker) >= 1, "the entry is in log.db");
      return /log\.db: log entry \d+ \(term \d+\) fails its checksum/;
    });
  });

  test("a flipped byte in the latest snapshot", TEST_TIMEOUT, async () => {
    await ready();
    await scenario("snap", (dir) => {
      const snaps = readdirSync(join(dir, "snapshots")).filter((n) => n.endsWith(".snap")).sort();
      assert.ok(snaps.length > 0, "the follower has snapshots");
      const file = join(dir, "snapshots", snaps.at(-1)!);
      const bytes = readFileSync(file);
      bytes[bytes.length - 1] ^= 0x01; // inside the trailer's SHA-256
      writeFileSync(file, bytes);
      return /\.snap: checksum mismatch/;
    });
  });
});

describe("a corrupt single member", () => {
  let cluster!: TestCluster;
  after(async () => {
    await cluster?.destroy();
  });

  test("refuses to start, naming kv.db, what is wrong and how to restore", TEST_TIMEOUT, async () => {
    requireEtcdctl();
    cluster = TestCluster.start({ basePort: SINGLE_PORT, nodes: 1, strategy: "disk" });
    await cluster.waitForLeader(20_000);
    const marker = `MARKER-single-${Date.now()}`;
    await etcdctlOk(cluster.endpoint(1), ["put", "c/single", marker]);
    assert.equal(await cluster.stopMember(1, 10_000), 0);
    const dir = join(cluster.dir, "node-1");
    assert.ok(flipIn(join(dir, "kv.db"), marker) >= 1);
    cluster.startMember(1);
    assert.equal(await cluster.waitForExit(1), 1);
    const line = cluster.lines(1).find((l) => msgOf(l)?.startsWith("cannot start:"));
    assert.ok(line, cluster.tails([1]));
    assert.match(msgOf(line)!, /kv\.db: the history row at revision 1\.0 fails its checksum.*single-member cluster.*trireme data restore/);
    assert.ok(existsSync(join(dir, "kv.db")), "nothing was moved or deleted");
    assert.equal(readdirSync(dir).filter((n) => n.startsWith("diverged-")).length, 0);
  });
});
