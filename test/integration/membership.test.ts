// Membership changes with etcd's own CLI on real processes: add a learner to a running 3-member
// cluster, start it with initial_state = "existing", let it catch up, promote it, lose an old
// member (3 of 4 is a quorum), restart it with the membership intact, remove the leader (it
// exits, the others elect a new one), remove a member while it is down (back up, it stops),
// restart the member that joined, remove a running follower.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { memberPort } from "../../scripts/cluster.ts";
import { errorLine, etcdctl, etcdctlOk, msgOf, requireEtcdctl, runProcess, TestCluster, unb64, waitUntil } from "./harness.ts";

const BASE = 29500;
const KEYS = 20;

interface ListedMember {
  ID: number;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

async function memberList(cluster: TestCluster, id: number): Promise<ListedMember[]> {
  const out = JSON.parse(await etcdctlOk(cluster.endpoint(id), ["member", "list", "-w", "json"])) as { members: ListedMember[] };
  return out.members.sort((a, b) => a.ID - b.ID);
}

/** "id:voter|learner" for each member, in id order. */
const roles = (ms: ListedMember[]) => ms.map((m) => `${m.ID}:${m.isLearner === true ? "learner" : "voter"}`);

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

/** Runs `trireme ARGS` (this checkout's CLI); resolves with its exit code and output. */
function trireme(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runProcess(process.execPath, [MAIN, ...args]);
}

async function localValue(cluster: TestCluster, id: number, key: string): Promise<string | undefined> {
  const out = JSON.parse(await etcdctlOk(cluster.endpoint(id), ["get", key, "--consistency=s", "-w", "json"])) as { kvs?: { value: string }[] };
  return out.kvs?.[0] ? unb64(out.kvs[0].value) : undefined;
}

describe("membership changes through etcd's Cluster API", () => {
  let cluster: TestCluster | undefined;
  after(async () => {
    await cluster?.destroy();
  });

  test("add a learner, start it, promote it, lose a member, restart one, remove the leader and two followers", { timeout: 90_000 }, async () => {
    requireEtcdctl();
    const c = (cluster = TestCluster.start({ basePort: BASE, strategy: "disk" }));
    const { leader } = await c.waitForLeader(20_000);
    for (let i = 0; i < KEYS; i++) await etcdctlOk(c.endpoints(), ["put", `m/${i}`, `v${i}`]);

    // Added through a follower: it passes the request on to the leader.
    const follower = c.ids.find((id) => id !== leader)!;
    const control4 = `127.0.0.1:${memberPort(BASE, 4) + 1}`;
    const added = await etcdctlOk(c.endpoint(follower), ["member", "add", "n4", `--peer-urls=http://${control4}`, "--learner"]);
    assert.match(added, /Member\s+4 added to cluster/);
    assert.match(added, /ETCD_INITIAL_CLUSTER_STATE="existing"/);

    // Listed before it starts: a learner without a name (etcdctl's "unstarted").
    const before = await memberList(c, leader);
    assert.deepEqual(roles(before), ["1:voter", "2:voter", "3:voter", "4:learner"]);
    const m4 = before.find((m) => m.ID === 4)!;
    assert.equal(m4.name ?? "", "");
    assert.deepEqual(m4.peerURLs, [`http://${control4}`]);
    assert.deepEqual(m4.clientURLs, [`http://127.0.0.1:${memberPort(BASE, 4)}`]);

    // etcd's refusals, verbatim.
    const notReady = await etcdctl(c.endpoint(leader), ["member", "promote", "4"]);
    assert.equal(errorLine(notReady), "Error: etcdserver: can only promote a learner member which is in sync with leader");
    const dupUrl = await etcdctl(c.endpoint(leader), ["member", "add", "x", `--peer-urls=http://${control4}`]);
    assert.equal(errorLine(dupUrl), "Error: etcdserver: Peer URLs already exists");
    const unknown = await etcdctl(c.endpoint(leader), ["member", "remove", "99"]);
    assert.equal(errorLine(unknown), "Error: etcdserver: member not found");
    const voter = await etcdctl(c.endpoint(leader), ["member", "promote", leader.toString(16)]);
    assert.equal(errorLine(voter), "Error: etcdserver: can only promote a learner member");

    // The new member joins with an empty membership and gets the data from the leader.
    c.addMember(4);
    c.startMember(4);
    await waitUntil("member 4 to hold the data written before it joined", 20_000, async () =>
      (await localValue(c, 4, `m/${KEYS - 1}`)) === `v${KEYS - 1}` ? true : undefined, () => c.tails([4, leader]));
    assert.equal(await localValue(c, 4, "m/0"), "v0");
    assert.equal((await c.status(4)).leader, leader, "the learner follows the leader");

    await waitUntil("the promotion of member 4", 15_000, async () => {
      const r = await etcdctl(c.endpoint(leader), ["member", "promote", "4"]);
      if (r.code === 0) return r.stdout;
      assert.match(errorLine(r), /in sync with leader/);
      return undefined;
    });
    assert.deepEqual(roles(await memberList(c, 4)), ["1:voter", "2:voter", "3:voter", "4:voter"]);
    // The promotion recorded the name the new member has in its config.toml: no longer "unstarted".
    await waitUntil("every member to know member 4's name", 5_000, async () => {
      const names = await Promise.all(c.running().map(async (id) => (await memberList(c, id)).find((m) => m.ID === 4)?.name));
      return names.every((n) => n === "node-4") ? true : undefined;
    });

    // 3 of 4 voters are a quorum: the cluster commits with one old member stopped.
    const stopped = c.ids.find((id) => id !== leader && id !== 4)!;
    assert.equal(await c.stopMember(stopped, 10_000), 0);
    await etcdctlOk(c.endpoints(c.running()), ["put", "m/quorum", "three-of-four"]);
    await waitUntil("member 4 to apply the write", 10_000, async () => ((await localValue(c, 4, "m/quorum")) === "three-of-four" ? true : undefined));

    // A restart keeps the membership: it comes from the member's log, not its config file.
    c.startMember(stopped);
    await waitUntil(`member ${stopped} to catch up after its restart`, 15_000, async () =>
      (await localValue(c, stopped, "m/quorum")) === "three-of-four" ? true : undefined, () => c.tails([stopped]));
    assert.deepEqual(roles(await memberList(c, stopped)), ["1:voter", "2:voter", "3:voter", "4:voter"]);

    // Removing the leader: it applies its own removal and exits non-zero; the rest elect a leader.
    await etcdctlOk(c.endpoints(c.ids.filter((id) => id !== leader)), ["member", "remove", leader.toString(16)]);
    const code = await c.waitForExit(leader);
    assert.notEqual(code, 0, "a removed member exits with a failure status");
    assert.ok(c.lines(leader).some((l) => /^removed from the cluster: it applied its own removal at log index \d+/.test(msgOf(l) ?? "")), c.tails([leader]));
    const rest = c.running();
    assert.equal(rest.length, 3);
    const next = await c.waitForLeader(20_000, rest);
    assert.notEqual(next.leader, leader);
    await etcdctlOk(c.endpoints(rest), ["put", "m/after", "removal"]);
    assert.deepEqual(roles(await memberList(c, next.leader)), roles(await memberList(c, 4)));
    assert.ok(!(await memberList(c, next.leader)).some((m) => m.ID === leader));

    // The removed member refuses to come back with its data directory.
    c.startMember(leader);
    assert.notEqual(await c.waitForExit(leader), 0);
    assert.ok(c.lines(leader).some((l) => /cannot start: this member was removed from the cluster/.test(msgOf(l) ?? "")), c.tails([leader]));

    // A member removed while it is down never receives its removal: back up, it finds itself
    // without a leader for 5 election timeouts, asks the leader, and stops.
    const away = rest.find((id) => id !== next.leader && id !== 4)!;
    assert.equal(await c.stopMember(away, 10_000), 0);
    await etcdctlOk(c.endpoint(next.leader), ["member", "remove", away.toString(16)]);
    c.startMember(away);
    assert.notEqual(await c.waitForExit(away, 25_000), 0);
    assert.ok(c.lines(away).some((l) => /^removed from the cluster: the leader, member [0-9a-f]+, no longer lists it/.test(msgOf(l) ?? "")), c.tails([away]));
    const two = c.running();
    assert.equal(two.length, 2);

    // trireme's own CLI, with all four addresses explicit: a learner that is never started.
    const at = ["--endpoints", c.endpoints(two)];
    const five = [1, 2, 3, 4].map((k) => `127.0.0.1:${memberPort(BASE, 6) + k}`);
    const add5 = await trireme(["members", "add", "--control-address", five[0]!, "--data-address", five[1]!, "--bulk-address", five[2]!, "--client-address", five[3]!, "--learner", ...at]);
    assert.equal(add5.code, 0, add5.stderr);
    assert.match(add5.stdout, /^Member 5 added to cluster [0-9a-f]+ as a learner$/m, "the next id above every member ever known");
    const listed = (await memberList(c, 4)).find((m) => m.ID === 5);
    assert.deepEqual(listed && [listed.peerURLs, listed.clientURLs, listed.isLearner], [[`http://${five[0]}`], [`http://${five[3]}`], true]);
    const rm5 = await trireme(["members", "remove", "5", ...at]);
    assert.equal(rm5.code, 0, rm5.stderr);
    assert.match(rm5.stdout, /^Member 5 removed from cluster/);
    const again = await trireme(["members", "promote", "5", ...at]);
    assert.deepEqual([again.code, again.stderr.trim()], [1, "Error: etcdserver: member not found"]);

    // The member that joined restarts with everything: data, and the members it learned of.
    assert.equal(await c.stopMember(4, 10_000), 0);
    c.startMember(4);
    await waitUntil("member 4 back with the latest write", 15_000, async () =>
      (await localValue(c, 4, "m/after")) === "removal" ? true : undefined, () => c.tails([4]));
    const { leader: third } = await c.waitForLeader(20_000, two);
    assert.deepEqual(roles(await memberList(c, 4)), roles(await memberList(c, third)));

    // Removing a follower: it hears of its removal from the leader and exits too.
    const follower2 = two.find((id) => id !== third)!;
    await etcdctlOk(c.endpoint(third), ["member", "remove", follower2.toString(16)]);
    assert.notEqual(await c.waitForExit(follower2), 0);
    assert.ok(c.lines(follower2).some((l) => /^removed from the cluster: it applied its own removal/.test(msgOf(l) ?? "")), c.tails([follower2]));
    assert.deepEqual(c.running(), [third]);
    await etcdctlOk(c.endpoint(third), ["put", "m/last", "one-voter"]);
    assert.deepEqual(roles(await memberList(c, third)), [`${third}:voter`]);
  });
});

describe("a MemFirst member that crashes right after a membership change", () => {
  let cluster: TestCluster | undefined;
  after(async () => {
    await cluster?.destroy();
  });

  // Under MemFirst a membership change is applied only once it is in the log on disk: were it
  // applied while still in the unflushed tail, a crash would leave a state machine ahead of the
  // log, and adopting it would bring the member back with the voter set from before the change
  // (it then led alone beside the rest of the cluster: two leaders).
  test("comes back with the change: a ConfChange is applied only once it is on disk", { timeout: 60_000 }, async () => {
    requireEtcdctl();
    const c = (cluster = TestCluster.start({
      basePort: 29800,
      nodes: 1,
      strategy: "mem",
      tweak: (config) => {
        // Nothing reaches the disk by the policy alone for a minute: only a barrier can.
        config.raft.persistence.flush_policy = { Batch: { threshold: 10_000, interval_ms: 60_000 } };
        config.raft.persistence.max_buffered_entries = 10_000;
      },
    }));
    await c.waitForLeader(20_000);
    for (let i = 0; i < 5; i++) await etcdctlOk(c.endpoint(1), ["put", `k${i}`, `v${i}`]);
    await etcdctlOk(c.endpoint(1), ["member", "add", "n2", `--peer-urls=http://127.0.0.1:${memberPort(29800, 2) + 1}`, "--learner"]);
    for (let i = 5; i < 8; i++) await etcdctlOk(c.endpoint(1), ["put", `k${i}`, `v${i}`]);
    await c.kill(1);
    c.startMember(1);
    await c.waitForLeader(20_000);
    assert.deepEqual(roles(await memberList(c, 1)), ["1:voter", "2:learner"], "the learner added before the crash is still a member");
  });
});

describe("a member added with member add but started as a new cluster's member", () => {
  let cluster: TestCluster | undefined;
  after(async () => {
    await cluster?.destroy();
  });

  // A member added with `member add` must start with initial_state = "existing". Started as
  // "new", it bootstraps with itself as a voter and, replaying the cluster's log onto that, would
  // be a voter the cluster does not know (its votes could elect a leader no real majority chose).
  // It must stop and say what to do.
  test("stops with a message naming initial_state, and the cluster keeps it as a learner", { timeout: 60_000 }, async () => {
    requireEtcdctl();
    const c = (cluster = TestCluster.start({ basePort: 29850, nodes: 1, strategy: "disk" }));
    await c.waitForLeader(20_000);
    await etcdctlOk(c.endpoint(1), ["put", "k", "v"]);
    await etcdctlOk(c.endpoint(1), ["member", "add", "n2", `--peer-urls=http://127.0.0.1:${memberPort(29850, 2) + 1}`, "--learner"]);
    c.addMember(2, (config) => {
      config.cluster.initial_state = "new"; // the mistake
    });
    c.startMember(2);
    const code = await c.waitForExit(2, 20_000);
    assert.notEqual(code, 0);
    const said = c.lines(2).map((l) => l.raw).join("\n");
    assert.match(said, /added with `member add` but started with \[cluster\] initial_state = \\?"new\\?"/);
    assert.deepEqual(roles(await memberList(c, 1)), ["1:voter", "2:learner"]);
  });
});
