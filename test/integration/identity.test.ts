// Issue #13 item 1 with real processes: two clusters made alike (same [cluster] name, member ids
// and addresses; only the random cluster.token `trireme init` writes differs) get different
// cluster ids; one cluster's data directory started with the other's config is refused at start,
// both ways round; peer traffic between them is refused and logged once per peer; a member added
// later learns the id from the running cluster, not from its config.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { memberPort, startMember as spawnMember } from "../../scripts/cluster.ts";
import { parseConfig } from "../../src/config/load.ts";
import { renderConfig } from "../../src/config/render.ts";
import { bootstrapClusterId } from "../../src/node/cluster-id.ts";
import { etcdctlOk, msgOf, requireEtcdctl, TEST_TIMEOUT, TestCluster, waitUntil, type LogLine } from "./harness.ts";

const BASE = 26600; // members 1-3 at 26600, 26610, 26620 (+0..+4); member 4 at 26630

const hex = (id: number) => `0x${id.toString(16)}`;

/** A config file: `from`'s member config with its data directory replaced by `dataDir`. */
function crossedConfig(from: string, dataDir: string, out: string): string {
  const config = parseConfig(readFileSync(from, "utf8"), from);
  config.node.data_dir = dataDir;
  writeFileSync(out, renderConfig(config, { header: ["a member's config pointed at another cluster's data directory"] }));
  return out;
}

/** Runs `trireme start` to its exit; returns the exit code and every line it printed. */
async function startToExit(id: number, configFile: string, logFile: string): Promise<{ code: number | null; said: string }> {
  const lines: string[] = [];
  const child = spawnMember(id, configFile, logFile, (_id, line) => lines.push(line));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, said: lines.join("\n") };
}

/** trireme_plane_refused_total for foreign clusters, all planes, from the member's client port. */
async function foreignRefusals(endpoint: string): Promise<number> {
  const text = await (await fetch(`http://${endpoint}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^trireme_plane_refused_total\{[^}]*reason="foreign_cluster"[^}]*\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

describe("two clusters with the same name, member ids and addresses", () => {
  const clusters: TestCluster[] = [];
  after(async () => {
    for (const c of clusters) await c.destroy();
  });
  const make = (token: string) => {
    const c = TestCluster.start({ basePort: BASE, nodes: 3, strategy: "disk", tweak: (config) => (config.cluster.token = token) });
    clusters.push(c);
    return c;
  };
  let a: TestCluster;
  let b: TestCluster;
  let idA = 0;
  let idB = 0;

  test("get different cluster ids, shown by endpoint status and member list", TEST_TIMEOUT, async () => {
    requireEtcdctl();
    a = make(randomBytes(16).toString("hex"));
    await a.waitForLeader(20_000);
    await etcdctlOk(a.endpoints(), ["put", "from", "A"]);
    idA = (await a.status(1)).header.cluster_id;
    const list = JSON.parse(await etcdctlOk(a.endpoint(2), ["member", "list", "-w", "json"])) as { header: { cluster_id: number } };
    assert.equal(list.header.cluster_id, idA, "member list's header carries the same id");
    const c1 = a.config(1);
    assert.equal(idA, bootstrapClusterId(c1.cluster.name, c1.cluster.token, c1.cluster.peers), "the bootstrap id of the config");
    await a.stopAll();

    b = make(randomBytes(16).toString("hex"));
    await b.waitForLeader(20_000);
    await etcdctlOk(b.endpoints(), ["put", "from", "B"]);
    idB = (await b.status(3)).header.cluster_id;
    await b.stopAll();
    assert.equal(a.config(1).cluster.name, b.config(1).cluster.name);
    assert.deepEqual(a.config(3).cluster.peers, b.config(3).cluster.peers, "same ids, same addresses");
    assert.notEqual(idA, idB);
  });

  test("one cluster's data directory started with the other's config is refused at start, both ways round", TEST_TIMEOUT, async () => {
    assert.ok(idA !== 0 && idB !== 0, "needs the clusters of the test before");
    for (const [own, ownDir, foreign, foreignDir, name] of [
      [idA, a.dir, idB, b.dir, "a-config-b-data"],
      [idB, b.dir, idA, a.dir, "b-config-a-data"],
    ] as const) {
      const data = join(foreignDir, "node-3");
      assert.equal(b.config(3).node.data_dir, join(b.dir, "node-3"));
      const file = crossedConfig(join(ownDir, "node-3.toml"), data, join(ownDir, `${name}.toml`));
      const before = readFileSync(join(data, "trireme-data.json"), "utf8");
      const { code, said } = await startToExit(3, file, join(ownDir, `${name}.log`));
      assert.equal(code, 1, said);
      assert.ok(said.includes(data), `names the data directory ${data}:\n${said}`);
      assert.match(said, new RegExp(`belongs to cluster ${foreign} \\(${hex(foreign)}\\), but the config is for another cluster \\(${own} \\(${hex(own)}\\) at bootstrap\\): cluster\\.token differs`), said);
      assert.equal(readFileSync(join(data, "trireme-data.json"), "utf8"), before, "the directory is left as it was");
    }
  });

  test("peer traffic across the clusters is refused on both sides, logged once per peer; no data crosses", TEST_TIMEOUT, async () => {
    assert.ok(idA !== 0 && idB !== 0, "needs the clusters of the test before");
    // The case: A's member 3 is down and B's member 3 runs on its addresses.
    a.startMember(1);
    a.startMember(2);
    b.startMember(3);
    const { leader } = await a.waitForLeader(20_000, [1, 2]);
    const refusedOn = (c: TestCluster, id: number, sender: number, cluster: number, self: number) => (l: LogLine) =>
      (msgOf(l) ?? "").includes(`traffic: sender ${sender} belongs to cluster ${cluster}, but node ${id} is in cluster ${self}`);
    for (const id of [1, 2]) await a.waitForLine(id, "refusing B's member 3", refusedOn(a, id, 3, idB, idA));
    await b.waitForLine(3, "refusing A's leader", refusedOn(b, 3, leader, idA, idB));
    // Many refusals, one line per peer: wait until A's members have refused B's member 3 often.
    for (const id of [1, 2]) await waitUntil(`member ${id} to refuse 5 calls of another cluster`, 20_000, async () => ((await foreignRefusals(a.endpoint(id))) >= 5 ? true : undefined));
    for (const id of [1, 2]) assert.equal(a.lines(id).filter(refusedOn(a, id, 3, idB, idA)).length, 1, `member ${id} logged the refusal once`);

    const got = JSON.parse(await etcdctlOk(a.endpoints([1, 2]), ["get", "from", "-w", "json"])) as { kvs: { value: string }[] };
    assert.deepEqual(got.kvs.map((kv) => Buffer.from(kv.value, "base64").toString()), ["A"], "A holds only its own key");
    const s3 = await b.status(3);
    assert.equal(s3.header.cluster_id, idB);
    assert.notEqual(s3.leader, leader, "B's member 3 does not follow A's leader");
  });

  test("a member added later learns the id from the running cluster, not from its config", TEST_TIMEOUT, async () => {
    assert.ok(idA !== 0, "needs the clusters of the test before");
    await b.stopAll();
    await etcdctlOk(a.endpoint(1), ["member", "add", "n4", `--peer-urls=http://127.0.0.1:${memberPort(BASE, 4) + 1}`, "--learner"]);
    const config = a.addMember(4, (c) => (c.cluster.token = randomBytes(16).toString("hex")));
    assert.notEqual(bootstrapClusterId(config.cluster.name, config.cluster.token, config.cluster.peers), idA);
    a.startMember(4);
    await a.waitForLine(4, "learning the cluster id", (l) => msgOf(l) === "learnt the cluster id from a running member" && l.json?.clusterId === idA);
    const s4 = await waitUntil("member 4 to serve A's key", 20_000, async () => {
      const out = JSON.parse(await etcdctlOk(a.endpoint(4), ["get", "from", "--consistency=s", "-w", "json"])) as { header: { cluster_id: number }; kvs?: unknown[] };
      return out.kvs?.length === 1 ? out : undefined;
    });
    assert.equal(s4.header.cluster_id, idA);
  });
});
