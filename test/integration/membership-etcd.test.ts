// Membership rules as etcd's, with etcd's own CLI on real processes: a second voter that has not
// started is refused (`etcdserver: unhealthy cluster`), `member update` moves a member to new
// ports through Raft and the member restarted there rejoins, etcd's refusals for update; and a
// leader stopped with SIGTERM hands leadership over instead of leaving the others to an election.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { memberPort } from "../../scripts/cluster.ts";
import { renderConfig } from "../../src/config/render.ts";
import { errorLine, etcdctl, etcdctlOk, leaderOf, msgOf, requireEtcdctl, TestCluster, unb64, waitUntil } from "./harness.ts";

const BASE = 31500;
const HANDOVER_BASE = 31600;

interface ListedMember {
  ID: number;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

async function memberList(endpoint: string): Promise<ListedMember[]> {
  const out = JSON.parse(await etcdctlOk(endpoint, ["member", "list", "-w", "json"])) as { members: ListedMember[] };
  return out.members.sort((a, b) => a.ID - b.ID);
}

async function localValue(endpoint: string, key: string): Promise<string | undefined> {
  const out = JSON.parse(await etcdctlOk(endpoint, ["get", key, "--consistency=s", "-w", "json"])) as { kvs?: { value: string }[] };
  return out.kvs?.[0] ? unb64(out.kvs[0].value) : undefined;
}

async function leaderAt(endpoint: string): Promise<{ leader: number; term: number }> {
  const out = JSON.parse(await etcdctlOk(endpoint, ["endpoint", "status", "-w", "json"])) as { Status: { leader?: number; raftTerm?: number } }[];
  return { leader: out[0]!.Status.leader ?? 0, term: out[0]!.Status.raftTerm ?? 0 };
}

describe("member add and member update as etcd", () => {
  let cluster: TestCluster | undefined;
  after(async () => {
    await cluster?.destroy();
  });

  test("a second unstarted voter is refused; member update moves a member and it rejoins at its new address", { timeout: 90_000 }, async () => {
    requireEtcdctl();
    const c = (cluster = TestCluster.start({ basePort: BASE, strategy: "disk" }));
    const { leader } = await c.waitForLeader(20_000);
    const [f1, f2] = c.ids.filter((id) => id !== leader) as [number, number];

    // One voter added by URL that never starts: 3 started of 4 voters, the cluster still commits.
    const add4 = await etcdctlOk(c.endpoint(f1), ["member", "add", "n4", `--peer-urls=http://127.0.0.1:${memberPort(BASE, 4) + 1}`]);
    assert.match(add4, /Member\s+4 added to cluster/);
    await etcdctlOk(c.endpoints(), ["put", "u/one-unstarted", "ok"]);
    // A second one: etcd's answer, verbatim (the leader is not connected to member 4).
    const add5 = await etcdctl(c.endpoint(leader), ["member", "add", "n5", `--peer-urls=http://127.0.0.1:${memberPort(BASE, 5) + 1}`]);
    assert.notEqual(add5.code, 0);
    assert.equal(errorLine(add5), "Error: etcdserver: unhealthy cluster");
    // Through a follower too (it passes the request on and the leader's answer back).
    assert.equal(errorLine(await etcdctl(c.endpoint(f2), ["member", "add", "n5", `--peer-urls=http://127.0.0.1:${memberPort(BASE, 5) + 1}`])), "Error: etcdserver: unhealthy cluster");
    // A learner never counts for a quorum: accepted here (etcd refuses it too while the leader
    // is not connected to every voter: docs/decisions.md). Both removed again.
    const learner = await etcdctlOk(c.endpoint(leader), ["member", "add", "n5", `--peer-urls=http://127.0.0.1:${memberPort(BASE, 5) + 1}`, "--learner"]);
    assert.match(learner, /Member\s+5 added to cluster/);
    await etcdctlOk(c.endpoint(leader), ["member", "remove", "5"]);
    await etcdctlOk(c.endpoint(leader), ["member", "remove", "4"]);
    assert.deepEqual((await memberList(c.endpoint(leader))).map((m) => m.ID), [1, 2, 3]);

    // member update: etcd's refusals first.
    const moved = f1;
    const newBase = memberPort(BASE, 7); // ports nobody uses in this cluster
    const newControl = `127.0.0.1:${newBase + 1}`;
    const unknown = await etcdctl(c.endpoint(leader), ["member", "update", "99", `--peer-urls=http://${newControl}`]);
    assert.equal(errorLine(unknown), "Error: etcdserver: member not found");
    const taken = await etcdctl(c.endpoint(leader), ["member", "update", moved.toString(16), `--peer-urls=http://127.0.0.1:${memberPort(BASE, f2) + 1}`]);
    assert.equal(errorLine(taken), "Error: etcdserver: Peer URLs already exists");

    // Move member `moved` to new ports: stopped, updated through the other follower, restarted
    // on the new addresses with its data directory.
    assert.equal(await c.stopMember(moved, 10_000), 0);
    const updated = await etcdctlOk(c.endpoint(f2), ["member", "update", moved.toString(16), `--peer-urls=http://${newControl}`]);
    assert.match(updated, /Member\s+[0-9a-f]+ updated in cluster/);
    for (const id of [leader, f2]) {
      const m = (await memberList(c.endpoint(id))).find((x) => x.ID === moved);
      assert.deepEqual([m?.peerURLs, m?.clientURLs, m?.name], [[`http://${newControl}`], [`http://127.0.0.1:${newBase}`], `node-${moved}`], `member ${id}'s list`);
    }
    await etcdctlOk(c.endpoints([leader, f2]), ["put", "u/after-update", "moved"]);

    const config = c.config(moved);
    const addresses = { client_address: `127.0.0.1:${newBase}`, control_address: newControl, data_address: `127.0.0.1:${newBase + 2}`, bulk_address: `127.0.0.1:${newBase + 3}` };
    Object.assign(config.node, addresses);
    config.cluster.peers = config.cluster.peers.map((p) => (p.id === moved ? { ...p, ...addresses } : p));
    if (config.metrics.enabled) config.metrics.address = `127.0.0.1:${newBase + 4}`;
    writeFileSync(join(c.dir, `node-${moved}.toml`), renderConfig(config, { header: [`integration test member ${moved}, moved to new ports`] }));
    c.startMember(moved);
    const there = `127.0.0.1:${newBase}`;
    await waitUntil(`member ${moved} to catch up at its new address`, 20_000, async () =>
      (await localValue(there, "u/after-update")) === "moved" ? true : undefined, () => c.tails([moved, leader]));
    assert.equal((await leaderAt(there)).leader, leader, "it follows the leader, which reaches it at the new address");
    // And it counts again: the leader still commits with the other follower stopped.
    assert.equal(await c.stopMember(f2, 10_000), 0);
    await etcdctlOk(c.endpoint(leader), ["put", "u/two-of-three", "yes"]);
    await waitUntil(`member ${moved} to apply a write made without ${f2}`, 10_000, async () =>
      (await localValue(there, "u/two-of-three")) === "yes" ? true : undefined);
    assert.ok(c.lines(leader).some((l) => msgOf(l) === "member's addresses updated" && l.json?.control === newControl), c.tails([leader]));
  });
});

describe("a leader stopped with SIGTERM", () => {
  let cluster: TestCluster | undefined;
  after(async () => {
    await cluster?.destroy();
  });

  test("hands leadership to a voter before it stops: one term up, the transferee leads, it exits 0", { timeout: 60_000 }, async () => {
    requireEtcdctl();
    const c = (cluster = TestCluster.start({ basePort: HANDOVER_BASE, strategy: "mem" }));
    const { leader, term } = await c.waitForLeader(20_000);
    await etcdctlOk(c.endpoints(), ["put", "h/before", "1"]);
    assert.equal(await c.stopMember(leader, 10_000), 0);

    const rest = c.running();
    const next = await c.waitForLeader(20_000, rest);
    const started = c.lines(leader).find((l) => msgOf(l) === "leadership transfer starting");
    const finished = c.lines(leader).find((l) => msgOf(l) === "leadership transfer finished");
    assert.ok(started && finished, `the stopping leader logs its hand-over\n${c.tails([leader])}`);
    assert.equal(parseInt(String(finished.json?.transferee), 16), next.leader, "the member it handed over to leads");
    assert.equal(next.term, term + 1, "one election, the one TimeoutNow started");
    assert.ok(c.lines(next.leader).some((l) => leaderOf(l) === next.leader && l.json?.term === term + 1), c.tails([next.leader]));
    console.log(`hand-over took ${String(finished.json?.tookMs)} ms`);
    await etcdctlOk(c.endpoints(rest), ["put", "h/after", "2"]);

    // Back, it follows the new leader.
    c.startMember(leader);
    await waitUntil(`member ${leader} to catch up`, 15_000, async () => ((await localValue(c.endpoint(leader), "h/after")) === "2" ? true : undefined), () => c.tails([leader]));
    assert.equal((await c.status(leader)).leader, next.leader);
  });
});
