// `trireme init` and `trireme config check` as a user runs them: real processes in a temp dir.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "smol-toml";
import { loadConfig } from "../../src/config/load.ts";
import { SCHEMA } from "../../src/config/schema.ts";

const root = resolve(import.meta.dirname, "../..");
const bun = resolve(root, "node_modules/.bin/bun");
const main = resolve(root, "src/main.ts");

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "trireme-cli-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function trireme(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(bun, [main, ...args], { cwd: dir, encoding: "utf8", timeout: 30_000, env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const PEERS = "1=10.0.0.1,2=10.0.0.2,3=10.0.0.3";

describe("trireme init", () => {
  test("--out-dir with 3 peers writes 3 files that load, each with the guide's cloud-3 and wan values", () => {
    const r = trireme("init", "--preset", "cloud-3", "--network", "wan", "--out-dir", "cluster", "--peers", PEERS);
    assert.equal(r.code, 0, r.stderr);
    // wan turns TLS on: the certificates go to tls/ beside the files (test/cli/certs.test.ts).
    assert.deepEqual(readdirSync(join(dir, "cluster")).sort(), ["node-1.toml", "node-2.toml", "node-3.toml", "tls"]);
    const tokens = new Set<string>();
    for (const id of [1, 2, 3]) {
      const file = join(dir, "cluster", `node-${id}.toml`);
      const c = loadConfig(file);
      assert.equal(c.node.id, id);
      assert.equal(c.node.control_address, `10.0.0.${id}:2380`);
      assert.equal(c.node.data_dir, join(dir, "cluster", "data", `node-${id}`));
      assert.deepEqual(c.cluster.peers.map((p) => p.id), [1, 2, 3]);
      assert.deepEqual(c.raft.persistence.flush_policy, { Batch: { threshold: 2000, interval_ms: 200 } });
      assert.equal(c.network.bulk.connection_window_size, 33_554_432);
      assert.equal(c.network.data.http2_keep_alive_interval_in_secs, 15);
      assert.equal(c.network.data.http2_keep_alive_timeout_in_secs, 8);
      assert.match(readFileSync(file, "utf8"), /^# Written by: trireme init --preset cloud-3 --network wan --node-id \d --peers 1=10\.0\.0\.1,2=10\.0\.0\.2,3=10\.0\.0\.3 --cluster-token [0-9a-f]{32}$/m);
      assert.equal(c.tls.peer.cert_file, join(dir, "cluster", "tls", `node-${id}.pem`));
      tokens.add(c.cluster.token);
    }
    assert.equal(tokens.size, 1, "one cluster, one token in every member's file");
    assert.doesNotMatch(r.stderr, /cluster\.token is a new random value/, "--out-dir wrote every member: nothing to pass on");
  });

  test("cluster.token: random per run unless --cluster-token; one member's file at a time says which token to pass on", () => {
    const a = trireme("init", "--peers", PEERS, "--node-id", "2");
    const b = trireme("init", "--peers", PEERS, "--node-id", "2");
    const tokenOf = (text: string) => /^token = "([^"]+)"$/m.exec(text)?.[1];
    const ta = tokenOf(a.stdout);
    assert.match(ta ?? "", /^[0-9a-f]{32}$/);
    assert.notEqual(tokenOf(b.stdout), ta, "two clusters made alike still differ");
    assert.match(a.stderr, new RegExp(`write the other members' files with --cluster-token ${ta}`));
    const c = trireme("init", "--peers", PEERS, "--node-id", "3", "--cluster-token", ta!);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(tokenOf(c.stdout), ta);
    assert.equal(c.stderr, "", "a given token needs no note");
    const joining = trireme("init", "--peers", `${PEERS},4=10.0.0.4`, "--node-id", "4", "--initial-state", "existing");
    assert.equal(joining.code, 0, joining.stderr);
    assert.equal(joining.stderr, "", "a joining member learns the id from the cluster: no token to pass on");
    const bad = trireme("init", "--cluster-token", "two words");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--cluster-token must be 1-128 letters/);
  });

  test("refuses to overwrite without --force (exit 1, naming the file), and overwrites with it", () => {
    const file = join(dir, "cluster", "node-2.toml");
    writeFileSync(file, "# mine\n");
    const r = trireme("init", "--preset", "cloud-3", "--network", "wan", "--out-dir", "cluster", "--peers", PEERS);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cluster\/node-2\.toml/);
    assert.match(r.stderr, /--force/);
    assert.equal(readFileSync(file, "utf8"), "# mine\n", "nothing is written when any target exists");
    assert.equal(trireme("init", "--preset", "cloud-3", "--network", "wan", "--out-dir", "cluster", "--peers", PEERS, "--force").code, 0);
    assert.equal(loadConfig(file).node.id, 2);

    writeFileSync(join(dir, "mine.toml"), "x = 1\n");
    const o = trireme("init", "-o", "mine.toml");
    assert.equal(o.code, 1);
    assert.match(o.stderr, /mine\.toml already exists; pass --force to overwrite/);
  });

  test("without -o it prints a complete single/lan config to stdout", () => {
    const r = trireme("init");
    assert.equal(r.code, 0, r.stderr);
    const doc = parse(r.stdout) as { raft: { persistence: { strategy: string } }; node: { client_address: string } };
    assert.equal(doc.raft.persistence.strategy, "MemFirst");
    assert.equal(doc.node.client_address, "127.0.0.1:2379");
    assert.match(r.stdout, /flush_policy = \{ Batch = \{ threshold = 500, interval_ms = 50 \} \}/);
  });

  test("-o with --node-id, --name, --host, --data-dir and --cluster-name", () => {
    const r = trireme("init", "--preset", "prod-5", "--network", "lossy", "--node-id", "7", "--name", "edge", "--host", "[fd00::7]:3000", "--data-dir", "/var/lib/trireme", "--cluster-name", "blue", "-o", "edge.toml");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /prod-5 is tuned for a cluster; pass --peers/);
    const c = loadConfig(join(dir, "edge.toml"));
    assert.deepEqual(
      [c.node.id, c.node.name, c.node.client_address, c.node.bulk_address, c.node.data_dir, c.cluster.name, c.raft.persistence.strategy],
      [7, "edge", "[fd00::7]:3000", "[fd00::7]:3003", "/var/lib/trireme", "blue", "DiskFirst"],
    );
  });

  test("members sharing one host need their own ports: refused with an example, accepted with them", () => {
    const bad = trireme("init", "--out-dir", "local", "--peers", "1=127.0.0.1,2=127.0.0.1");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /overlap member 1's on 127\.0\.0\.1/);
    const ok = trireme("init", "--out-dir", "local", "--peers", "1=127.0.0.1,2=127.0.0.1:2479,3=127.0.0.1:2579");
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(loadConfig(join(dir, "local", "node-3.toml")).node.client_address, "127.0.0.1:2579");
  });

  test("usage errors exit 2 with the usage on stderr", () => {
    for (const args of [
      ["init", "--bogus"],
      ["init", "--preset", "cloud-5"],
      ["init", "--network", "moon"],
      ["init", "--node-id", "x"],
      ["init", "--peers", "1=10.0.0.1", "--node-id", "2"],
      ["init", "--peers", "1=10.0.0.1", "--host", "10.0.0.1"],
      ["init", "-o", "a.toml", "--out-dir", "b"],
    ]) {
      const r = trireme(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /^trireme init: .+\n\nUsage: trireme init/, args.join(" "));
      assert.equal(r.stdout, "");
    }
    assert.ok(!existsSync(join(dir, "a.toml")));
    const help = trireme("init", "--help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--peers LIST/);
  });
});

describe("trireme config check", () => {
  test("a valid file: exit 0, every key's value, (default) where the file is silent", () => {
    writeFileSync(join(dir, "small.toml"), '[node]\nid = 3\n[raft.persistence]\nstrategy = "DiskFirst"\n');
    const r = trireme("config", "check", "small.toml");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^small\.toml: valid\n/);
    assert.match(r.stdout, /^node\.id = 3$/m);
    assert.match(r.stdout, /^raft\.persistence\.strategy = "DiskFirst"$/m);
    assert.match(r.stdout, /^raft\.election_timeout_ms = 1000 +\(default\)$/m);
    assert.match(r.stdout, /^network\.bulk\.connection_window_size = 8_388_608 +\(default\)$/m);
    assert.match(r.stdout, new RegExp(`^node\\.data_dir = "${dir}/data" +\\(default\\)$`, "m"));
    assert.match(r.stdout, /^cluster\.peers\[0\]\.id = 3 +\(default\)$/m);
    // Every key of the schema appears once.
    assert.equal(r.stdout.split("\n").filter((l) => / = /.test(l) && !l.startsWith("cluster.peers")).length, SCHEMA.length - 1);
  });

  test("warnings go to stderr and the file is still valid", () => {
    writeFileSync(join(dir, "warn.toml"), '[raft.persistence]\nstrategy = "MemFirst"\nflush_policy = "Immediate"\n');
    const r = trireme("config", "check", "warn.toml");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^warn\.toml: valid \(1 warning\)/);
    assert.match(r.stderr, /^warning: warn\.toml:3: raft\.persistence\.flush_policy: MemFirst with "Immediate"/);
  });

  test("an invalid file: exit 1, every problem on stderr naming file, line and key", () => {
    writeFileSync(join(dir, "bad.toml"), "[raft]\nheartbeat_interval = 100\n[network.data]\nconnection_window_size = -5\n");
    const r = trireme("config", "check", "bad.toml");
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /bad\.toml:2: raft\.heartbeat_interval: got an unknown key; expected .*did you mean "heartbeat_interval_ms"/);
    assert.match(r.stderr, /bad\.toml:4: network\.data\.connection_window_size: got -5; expected an integer from 65_535/);
    const missing = trireme("config", "check", "nope.toml");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.toml.*no such file/);
  });

  test("usage errors exit 2", () => {
    for (const args of [["config", "check"], ["config", "check", "a", "b"], ["config", "check", "--strict", "a"]]) {
      const r = trireme(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /Usage: trireme config check FILE/);
    }
  });
});
