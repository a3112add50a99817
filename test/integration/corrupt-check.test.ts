// etcd's corruption checks with real processes. A member whose history differs from its peers'
// while its own checksums pass (a state machine that applied differently, or a value changed
// under a running member) is found by HashKV: at start with initial_corrupt_check it refuses to
// serve; while running, the leader's periodic check (corrupt_check_time) raises the CORRUPT
// alarm for it, which `etcdctl alarm list` shows on every member.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, existsSync, openSync, readFileSync, readdirSync, writeSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { etcdserverpb } from "../../src/gen/etcd.js";
import { historyRowCrc } from "../../src/kv/integrity.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";
import { etcdctl, etcdctlOk, msgOf, clusterForSuite, TEST_TIMEOUT, TestCluster, waitUntil } from "./harness.ts";

const BASE_PORT = 25700;
const SCRUB_PORT = 25850; // members 25850..25874 (25780..25804 is the kv-compaction crash test)

/** Rewrites the newest history row of `key` in a kv.db with `value`, checksum recomputed when
 *  `withCrc` (so only a comparison with the peers can tell). */
function rewriteValue(kvPath: string, key: string, value: string, withCrc: boolean): void {
  const db = openSqlite(kvPath);
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    const row = db.prepare("SELECT rev, sub, key, create_rev, version, lease FROM history WHERE key = ? ORDER BY rev DESC LIMIT 1").get(new TextEncoder().encode(key))!;
    assert.ok(row, `${key} is in ${kvPath}`);
    const v = new TextEncoder().encode(value);
    const crc = withCrc ? historyRowCrc(row.rev as number, row.sub as number, row.key as Uint8Array, row.create_rev as number, row.version as number, v, row.lease as number) : null;
    db.prepare("UPDATE history SET value = ?, crc = COALESCE(?, crc) WHERE rev = ? AND sub = ?").run(v, crc, row.rev as number, row.sub as number);
  } finally {
    db.close();
  }
}

/** Maintenance.Hash of the member at `endpoint`, over the wire with grpc-js. */
function maintenanceHash(endpoint: string): Promise<etcdserverpb.HashResponse> {
  const client = new grpc.Client(endpoint, grpc.credentials.createInsecure());
  return new Promise<etcdserverpb.HashResponse>((resolve, reject) => {
    client.makeUnaryRequest(
      "/etcdserverpb.Maintenance/Hash",
      (m: Uint8Array) => Buffer.from(m),
      (b: Buffer) => etcdserverpb.HashResponse.decode(b),
      etcdserverpb.HashRequest.encode({}).finish(),
      { deadline: Date.now() + 5000 },
      (err, res) => (err || !res ? reject(err ?? new Error("no answer")) : resolve(res)),
    );
  }).finally(() => client.close());
}

describe("HashKV corruption checks", () => {
  let cluster!: TestCluster;
  const ready = clusterForSuite({
        basePort: BASE_PORT,
        strategy: "disk",
        tweak: (c) => {
          c.corruption.initial_corrupt_check = true;
          c.corruption.corrupt_check_time = 1;
        },
      }, (c) => (cluster = c));

  test("members that agree start and pass the initial check against their peers", TEST_TIMEOUT, async () => {
    await ready();
    const { leader } = await cluster.waitForLeader();
    for (let i = 0; i < 20; i++) await etcdctlOk(cluster.endpoint(leader), ["put", `h/${i}`, `v${i}`]);
    const victim = cluster.ids.find((id) => id !== leader)!;
    await cluster.waitForApplied(victim, (await cluster.status(leader)).raftAppliedIndex);
    assert.equal(await cluster.stopMember(victim, 10_000), 0);
    cluster.startMember(victim);
    const passed = await cluster.waitForLine(victim, "the initial check", (l) => msgOf(l) === "initial corruption check passed", 20_000);
    assert.ok(Number(passed.json?.peersCompared) >= 1, passed.raw);
    await cluster.waitForLine(victim, '"member started"', (l) => msgOf(l) === "member started", 20_000);
    // Maintenance.Hash (the whole store, etcd's "Hash") agrees across the members too.
    const applied = (await cluster.status(leader)).raftAppliedIndex;
    for (const id of cluster.ids) await cluster.waitForApplied(id, applied);
    const hashes = await Promise.all(cluster.ids.map((id) => maintenanceHash(cluster.endpoint(id))));
    assert.equal(new Set(hashes.map((h) => h.hash)).size, 1, `hashes: ${hashes.map((h) => h.hash).join(", ")}`);
    assert.equal(new Set(hashes.map((h) => Number(h.header!.revision))).size, 1);
    assert.ok(hashes[0]!.hash !== 0);
  });

  test("a member whose history differs (its own checksums pass) refuses to start with initial_corrupt_check", TEST_TIMEOUT, async () => {
    await ready();
    const { leader } = await cluster.waitForLeader();
    const victim = cluster.ids.find((id) => id !== leader)!;
    await cluster.waitForApplied(victim, (await cluster.status(leader)).raftAppliedIndex);
    assert.equal(await cluster.stopMember(victim, 10_000), 0);
    const kv = join(cluster.dir, `node-${victim}`, "kv.db");
    rewriteValue(kv, "h/7", "not-what-the-leader-has", true);
    cluster.startMember(victim);
    assert.equal(await cluster.waitForExit(victim, 20_000), 1);
    const line = cluster.lines(victim).find((l) => msgOf(l)?.startsWith("cannot start: initial corruption check"));
    assert.ok(line, cluster.tails([victim]));
    assert.match(msgOf(line)!, /differs from its peers' at revision \d+ .*member [0-9a-f]+ hashes \d+.*refusing to serve/);
    // Put the value back as it was: the member starts again.
    rewriteValue(kv, "h/7", "v7", true);
    cluster.startMember(victim);
    await cluster.waitForLine(victim, "the initial check", (l) => msgOf(l) === "initial corruption check passed", 20_000);
  });

  test("a value changed under a running follower: the leader's periodic check raises CORRUPT for it, every member lists it", TEST_TIMEOUT, async () => {
    await ready();
    const { leader } = await cluster.waitForLeader();
    const victim = cluster.ids.find((id) => id !== leader)!;
    await cluster.waitForApplied(victim, (await cluster.status(leader)).raftAppliedIndex);
    // With its checksum recomputed, so only the comparison with the other members finds it.
    rewriteValue(join(cluster.dir, `node-${victim}`, "kv.db"), "h/3", "changed-on-disk", true);
    const expected = `memberID:${victim} alarm:CORRUPT`;
    for (const id of cluster.ids) {
      await waitUntil(`member ${id} to list the CORRUPT alarm`, 20_000, async () => {
        const r = await etcdctl(cluster.endpoint(id), ["alarm", "list"]);
        return r.stdout.includes(expected) ? true : undefined;
      }, () => cluster.tails([leader, id]));
    }
    const raised = cluster.lines(leader).find((l) => msgOf(l)?.startsWith("corruption check: a member's data differs"));
    assert.ok(raised, cluster.tails([leader]));
    assert.equal(raised.json?.member, victim.toString(16));
    // etcd's CORRUPT alarm refuses writes until it is disarmed.
    const put = await etcdctl(cluster.endpoint(leader), ["put", "h/after", "x"]);
    assert.notEqual(put.code, 0);
    assert.match(put.stderr, /corrupt/i);
  });
});

/** Flips one bit of every copy of `marker` in the files given, in place (the member keeps
 *  running and writing them); returns how many copies were flipped. */
function flipInPlace(files: string[], marker: string): number {
  let n = 0;
  for (const file of files.filter((f) => existsSync(f))) {
    const bytes = readFileSync(file);
    const fd = openSync(file, "r+");
    try {
      for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1)) {
        writeSync(fd, Buffer.from([bytes[at + 4]! ^ 0x01]), 0, 1, at + 4);
        n++;
      }
    } finally {
      closeSync(fd);
    }
  }
  return n;
}

describe("the periodic check reads each member's own files", () => {
  let cluster!: TestCluster;
  const ready = clusterForSuite({
        basePort: SCRUB_PORT,
        strategy: "disk",
        snapshotEntries: 50,
        tweak: (c) => {
          c.raft.snapshot_catchup_entries = 1000; // the log keeps every entry of this test
          c.corruption.corrupt_check_time = 1;
        },
      }, (c) => (cluster = c));

  async function alarmed(member: number): Promise<void> {
    const expected = `memberID:${member} alarm:CORRUPT`;
    await waitUntil(`the CORRUPT alarm for member ${member}`, 20_000, async () => {
      const r = await etcdctl(cluster.endpoints(), ["alarm", "list"]);
      return r.stdout.includes(expected) ? true : undefined;
    }, () => cluster.tails());
  }

  test("a flipped byte in a running member's kv.db, log entry and latest snapshot each raise CORRUPT for it", TEST_TIMEOUT, async () => {
    await ready();
    const { leader } = await cluster.waitForLeader();
    const [a, b] = cluster.ids.filter((id) => id !== leader);
    const kvMark = `KVMARK-${Date.now()}`, logMark = `LOGMARK-${Date.now()}`;
    for (let i = 0; i < 120; i++) await etcdctlOk(cluster.endpoint(leader), ["put", `s/${i}`, i === 100 ? kvMark : i === 110 ? logMark : `v${i}`]);
    const applied = (await cluster.status(leader)).raftAppliedIndex;
    for (const id of cluster.ids) await cluster.waitForApplied(id, applied);
    const dir = (id: number) => join(cluster.dir, `node-${id}`);

    // Applied is not yet written: the group commit reaches the file within 10 ms.
    await waitUntil("the value in member a's kv.db", 5_000, () => (flipInPlace([join(dir(a!), "kv.db"), join(dir(a!), "kv.db-wal")], kvMark) >= 1 ? true : undefined));
    await alarmed(a!);
    const kvLine = await cluster.waitForLine(a!, "the periodic check", (l) => msgOf(l)?.startsWith("periodic check: this member's data changed on disk") === true);
    assert.match(String(kvLine.json?.error), /kv\.db: the history row at revision \d+\.0 fails its checksum/);

    assert.ok(flipInPlace([join(dir(b!), "log.db"), join(dir(b!), "log.db-wal")], logMark) >= 1, "the entry is in member b's log");
    await alarmed(b!);
    const logLine = await cluster.waitForLine(b!, "the periodic check", (l) => msgOf(l)?.startsWith("periodic check: this member's data changed on disk") === true);
    assert.match(String(logLine.json?.error), /log\.db: log entry \d+ \(term \d+\) fails its checksum/);

    const snaps = readdirSync(join(dir(leader), "snapshots")).filter((n) => n.endsWith(".snap")).sort();
    assert.ok(snaps.length > 0);
    const snap = join(dir(leader), "snapshots", snaps.at(-1)!);
    const fd = openSync(snap, "r+");
    const size = readFileSync(snap).length;
    writeSync(fd, Buffer.from([readFileSync(snap)[size - 1]! ^ 0x01]), 0, 1, size - 1);
    closeSync(fd);
    await alarmed(leader);
    const snapLine = await cluster.waitForLine(leader, "the periodic check", (l) => msgOf(l)?.startsWith("periodic check: this member's data changed on disk") === true);
    assert.match(String(snapLine.json?.error), /\.snap: checksum mismatch/);
  });
});
