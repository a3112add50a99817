// MemFirst counts entries once they are in memory and flushes them later, so a SIGKILLed member
// loses its unflushed tail (its state machine may even be ahead of its durable log). It must still
// come back, catch up from the leader and serve exactly the leader's data: never diverge silently.
// A clean stop (SIGTERM) flushes first, so it has nothing to recover.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { errorLine, etcd3Client, etcdctl, etcdctlOk, msgOf, clusterForSuite, TEST_TIMEOUT, TestCluster, unb64, waitUntil } from "./harness.ts";

const BASE_PORT = 24400;

async function localData(cluster: TestCluster, id: number): Promise<Record<string, string>> {
  const out = JSON.parse(await etcdctlOk(cluster.endpoint(id), ["get", "m/", "--prefix", "--consistency=s", "-w", "json"])) as {
    kvs?: { key: string; value: string }[];
  };
  return Object.fromEntries((out.kvs ?? []).map((kv) => [unb64(kv.key), unb64(kv.value)]));
}

describe("MemFirst: a follower crashes, or stops cleanly, under load", () => {
  let cluster!: TestCluster;
  const ready = clusterForSuite({ basePort: BASE_PORT, strategy: "mem" }, (c) => (cluster = c));

  test("a follower SIGKILLed mid-writes restarts, catches up and matches the leader", TEST_TIMEOUT, async () => {
    await ready();
    const { leader } = await cluster.waitForLeader();
    const victim = cluster.ids.find((id) => id !== leader)!;
    assert.equal(cluster.config(victim).raft.persistence.strategy, "MemFirst");

    let killedAfter = -1;
    const acked = await writeThrough(cluster, leader, "m/kill/", async (count) => {
      await waitUntil("100 acknowledged writes", 20_000, () => (count() >= 100 ? true : undefined));
      await cluster.kill(victim);
      killedAfter = count();
      await waitUntil("100 more acknowledged writes with a member down", 20_000, () => (count() >= killedAfter + 100 ? true : undefined));
    });

    const run = await restartAndCatchUp(cluster, victim, leader, acked);
    const ahead = cluster.lines(victim).find((l) => l.run === run && msgOf(l)?.startsWith("the state machine is ahead of the log"));
    console.log(`[integration] MemFirst member ${victim} SIGKILLed after ${killedAfter} acknowledged writes; on restart ` +
      (ahead ? `its state machine was ${ahead.json?.lost} entries ahead of its durable log` : "its durable log covered its state machine"));
  });

  test("a follower SIGTERMed mid-writes flushes its log before it exits 0: nothing to recover on restart", TEST_TIMEOUT, async () => {
    await ready();
    const { leader } = await cluster.waitForLeader();
    const victim = cluster.ids.filter((id) => id !== leader).at(-1)!;

    const acked = await writeThrough(cluster, leader, "m/term/", async (count) => {
      await waitUntil("100 acknowledged writes", 20_000, () => (count() >= 100 ? true : undefined));
      assert.equal(await cluster.stopMember(victim, 10_000), 0, `member ${victim} exits 0 on SIGTERM under load`);
      const stoppedAfter = count();
      await waitUntil("50 more acknowledged writes with a member down", 20_000, () => (count() >= stoppedAfter + 50 ? true : undefined));
    });

    const run = await restartAndCatchUp(cluster, victim, leader, acked);
    const mine = cluster.lines(victim).filter((l) => l.run === run);
    assert.equal(mine.find((l) => msgOf(l)?.startsWith("the state machine is ahead of the log"))?.raw, undefined,
      "a clean stop flushed every entry its state machine had applied");
    const restored = mine.find((l) => msgOf(l) === "restored");
    assert.ok(restored !== undefined, "a \"restored\" line");
    assert.ok(Number(restored.json?.durableIndex) >= Number(restored.json?.applied), `restored: ${restored.raw}`);
  });

  // MemFirst may lose the unflushed window of a whole-cluster crash, but never diverge silently:
  // the members adopt their state machines at different indexes, a follower ahead of the new
  // leader is told where the leader's log ends and rebuilds from its snapshot, and no member
  // serves different data, refuses writes or stays stopped.
  test("every member SIGKILLed at once mid-writes, three times: after each restart all members serve writes and converge on the same data", TEST_TIMEOUT, async () => {
    await ready();
    // MemFirst may lose the unflushed window here (documented); what it must not do is let the
    // members' state machines disagree afterwards, refuse writes, or stop. Whether a member's
    // state machine ends up ahead of the new leader's depends on timing, hence several rounds.
    for (let round = 1; round <= 3; round++) {
      const { leader } = await cluster.waitForLeader(20_000);
      await writeThrough(cluster, leader, `m/all/${round}/`, async (count) => {
        await waitUntil("300 acknowledged writes", 20_000, () => (count() >= 300 ? true : undefined));
        await Promise.all(cluster.ids.map((id) => cluster.kill(id)));
      }).catch(() => {}); // the puts in flight at the kill fail; which ones survive is not asserted
      for (const id of cluster.ids) cluster.startMember(id);
      const { leader: next } = await cluster.waitForLeader(20_000);
      const ahead = cluster.ids.map((id) => {
        const run = Math.max(...cluster.lines(id).map((l) => l.run));
        return cluster.lines(id).find((l) => l.run === run && msgOf(l)?.startsWith("the state machine is ahead of the log"));
      });
      console.log(`[integration] MemFirst, all SIGKILLed (round ${round}): old leader ${leader}, new leader ${next}; applied/durable per member: ` +
        ahead.map((l, i) => `${cluster.ids[i]}: ${l ? `${l.json?.applied}/${l.json?.lastIndex}` : "not ahead"}`).join(", "));
      for (let i = 0; i < 20; i++) {
        const args = ["put", `m/after-crash/${round}/${i}`, "x"];
        let r = await etcdctl(cluster.endpoints(), args);
        // A member rebuilt from the leader's snapshot cannot tell the result of a write it had
        // forwarded if that write's entry arrived inside the snapshot: like etcd, it answers
        // "leader changed" (outcome unknown), and the client writes again.
        if (r.code !== 0 && /leader changed/.test(errorLine(r))) r = await etcdctl(cluster.endpoints(), args);
        assert.equal(r.code, 0, `round ${round}, put ${i}: ${errorLine(r)}`);
        assert.equal(r.stdout, "OK\n");
      }
      const applied = (await cluster.status(next)).raftAppliedIndex;
      for (const id of cluster.ids) await cluster.waitForApplied(id, applied, 15_000);
      const data = await Promise.all(cluster.ids.map((id) => localData(cluster, id)));
      for (const [i, d] of data.entries()) {
        assert.deepEqual(d, data[0], `round ${round}: member ${cluster.ids[i]} and member ${cluster.ids[0]} must serve the same data`);
      }
      assert.equal(Object.keys(data[0]!).filter((k) => k.startsWith(`m/after-crash/${round}/`)).length, 20);
      for (const id of cluster.ids) assert.ok(cluster.isRunning(id), `round ${round}: member ${id} is still running:\n${cluster.tails([id])}`);
    }
  });
});

/** Runs 4 put loops through member `via` while `during` acts; returns every acknowledged write. */
async function writeThrough(cluster: TestCluster, via: number, prefix: string, during: (count: () => number) => Promise<void>): Promise<Record<string, string>> {
  const client = etcd3Client(cluster.endpoint(via));
  const acked: Record<string, string> = {};
  let stop = false;
  const loops = Promise.all(Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const key = `${prefix}${w}/${String(i).padStart(5, "0")}`;
      await client.put(key).value(`v${i}`); // through the leader with a quorum left: must not fail
      acked[key] = `v${i}`;
    }
  })).finally(() => {
    stop = true;
  });
  loops.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  try {
    await during(() => Object.keys(acked).length);
  } finally {
    stop = true;
    await loops;
    client.close();
  }
  return acked;
}

/** Restarts `id`, waits until it has applied all the leader has, and checks it serves the same data. Returns its run number. */
async function restartAndCatchUp(cluster: TestCluster, id: number, leader: number, acked: Record<string, string>): Promise<number> {
  cluster.startMember(id);
  const line = await cluster.waitForLine(id, '"member started"', (l) => msgOf(l) === "member started", 20_000);
  const leaderStatus = await cluster.status(leader);
  await cluster.waitForApplied(id, leaderStatus.raftAppliedIndex, 20_000);
  const [mine, theirs] = await Promise.all([localData(cluster, id), localData(cluster, leader)]);
  for (const [k, v] of Object.entries(acked)) assert.equal(theirs[k], v, `acknowledged write ${k} on the leader`);
  assert.deepEqual(mine, theirs, `member ${id} serves exactly the leader's data after its restart`);
  const errors = cluster.lines(id).filter((l) => l.run === line.run && l.json?.level === "error");
  assert.deepEqual(errors.map((l) => l.raw), [], `member ${id} logged no errors`);
  return line.run;
}
