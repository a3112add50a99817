// `trireme data restore`: what it refuses (and that a refusal touches nothing), and that what it
// builds is a data directory `trireme data check` passes, at the backup's index and term, with
// the config's membership.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeClusterConfigs } from "../../scripts/cluster.ts";
import { LocalBackend } from "../../src/api/local-backend.ts";
import { loadConfig } from "../../src/config/load.ts";
import { markImageSource } from "../../src/kv/image.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { inspectDataDir, SnapshotStore } from "../../src/storage/index.ts";
import { bootstrapClusterId } from "../../src/node/cluster-id.ts";

const root = resolve(import.meta.dirname, "../..");
const main = join(root, "src/main.ts");
// Ports only appear in the configs; nothing listens in this file.
const BASE_PORT = 27800;
const enc = new TextEncoder();
const dec = new TextDecoder();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function trireme(...args: string[]): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}

describe("trireme data restore", () => {
  let dir: string;
  let configs: string[];
  let backup: string;
  let rawImage: string;
  let imageMeta: { index: number; term: number; revision: number };

  /** A fresh data dir path for member `id` (the configs name node-N; --data-dir overrides). */
  let n = 0;
  const freshDir = () => join(dir, `target-${++n}`);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "trireme-restore-cli-"));
    configs = writeClusterConfigs({ nodes: 3, strategy: "disk", basePort: BASE_PORT, dir, deployment: "cloud-3", network: "lan" });
    // A store with history, a deletion and a lease, imaged the way Maintenance.Snapshot does.
    const src = join(dir, "source");
    mkdirSync(src);
    const store = MvccStore.open(join(src, "kv.db"));
    const backend = new LocalBackend(store);
    try {
      for (let i = 0; i < 30; i++) await backend.write({ put: { key: enc.encode(`k/${i}`), value: enc.encode(`v${i}`) } });
      await backend.write({ put: { key: enc.encode("k/0"), value: enc.encode("again") } });
      await backend.write({ deleteRange: { key: enc.encode("k/29") } });
      await backend.write({ leaseGrant: { ID: 77, TTL: 600 } });
      await backend.write({ put: { key: enc.encode("leased"), value: enc.encode("l"), lease: 77 } });
      rawImage = join(dir, "raw-kv.db");
      const img = await store.snapshotToAsync(rawImage);
      imageMeta = { index: img.index, term: img.term, revision: img.revision };
    } finally {
      backend.close();
      store.close();
    }
    const bytes = readFileSync(rawImage);
    backup = join(dir, "backup.db");
    writeFileSync(backup, Buffer.concat([bytes, createHash("sha256").update(bytes).digest()]));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const refused = async (args: string[], target: string, message: RegExp) => {
    const r = await trireme("data", "restore", ...args, "--data-dir", target);
    assert.equal(r.code, 1, `exit 1 expected; stdout: ${r.stdout} stderr: ${r.stderr}`);
    assert.match(r.stderr, message);
    return r;
  };

  test("a missing backup file: exit 1, the file named, no data directory created", async () => {
    const target = freshDir();
    const missing = join(dir, "no-such-backup.db");
    await refused(["--snapshot", missing, "--config", configs[0]!], target, new RegExp(`${missing}: no such file`));
    assert.equal(existsSync(target), false);
  });

  test("a corrupt or truncated backup: exit 1 before anything is written", async () => {
    const bytes = readFileSync(backup);
    const flipped = join(dir, "flipped.db");
    const copy = Buffer.from(bytes);
    copy[100] ^= 0xff;
    writeFileSync(flipped, copy);
    const t1 = freshDir();
    await refused(["-s", flipped, "-c", configs[0]!], t1, /SHA-256 mismatch.*corrupt or was cut short/);
    assert.equal(existsSync(t1), false);

    const cut = join(dir, "cut.db");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 1000));
    const t2 = freshDir();
    await refused(["-s", cut, "-c", configs[0]!], t2, /cut\.db: is truncated or not a backup/);
    assert.equal(existsSync(t2), false);
  });

  test("a raw kv.db needs --skip-hash-check; a file that is not a trireme store is refused even with a good hash", async () => {
    const t1 = freshDir();
    await refused(["-s", rawImage, "-c", configs[0]!], t1, /has no SHA-256 trailer.*--skip-hash-check/);
    assert.equal(existsSync(t1), false);

    const junk = Buffer.alloc(4096, 7);
    const foreign = join(dir, "foreign.db");
    writeFileSync(foreign, Buffer.concat([junk, createHash("sha256").update(junk).digest()]));
    // The target exists and is empty: it is left empty.
    const t2 = freshDir();
    mkdirSync(t2);
    await refused(["-s", foreign, "-c", configs[0]!], t2, /foreign\.db: is not a trireme backup/);
    assert.deepEqual(readdirSync(t2), [], "everything the restore created was removed");

    const t3 = freshDir();
    const ok = await trireme("data", "restore", "-s", rawImage, "-c", configs[0]!, "--data-dir", t3, "--skip-hash-check");
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /SHA-256 not checked/);
    assert.equal((await trireme("data", "check", t3)).code, 0);
  });

  test("a backup restored with the config of the cluster it came from gets a new cluster id", async () => {
    // What Maintenance.Snapshot does: the image records the cluster it came from.
    const config = await loadConfig(configs[0]!);
    const sourceId = bootstrapClusterId(config.cluster.name, config.cluster.token, config.cluster.peers);
    const marked = join(dir, "marked-kv.db");
    writeFileSync(marked, readFileSync(rawImage));
    markImageSource(marked, sourceId);
    const bytes = readFileSync(marked);
    const sameSource = join(dir, "same-source.db");
    writeFileSync(sameSource, Buffer.concat([bytes, createHash("sha256").update(bytes).digest()]));
    const ids: number[] = [];
    for (const flags of [[], ["--same-cluster-name"]]) {
      const target = freshDir();
      const ok = await trireme("data", "restore", "-s", sameSource, "-c", configs[0]!, "--data-dir", target, ...flags);
      assert.equal(ok.code, 0, ok.stderr);
      const id = (await inspectDataDir(target)).marker!.clusterId;
      assert.match(ok.stdout, new RegExp(`^restored member 1 of cluster "[^"]+" \\(a new cluster id, ${id}\\) into `));
      ids.push(id);
    }
    assert.notEqual(ids[0], sourceId, "not the backed-up cluster's id");
    assert.equal(ids[1], ids[0], "the flag changes nothing; one backup and one config give one id");
  });

  test("a non-empty data directory: exit 1, nothing in it touched", async () => {
    const target = freshDir();
    mkdirSync(target);
    writeFileSync(join(target, "precious.txt"), "keep me");
    await refused(["-s", backup, "-c", configs[0]!], target, /is not empty \(holds precious\.txt\).*empty or missing directory/);
    assert.deepEqual(readdirSync(target), ["precious.txt"]);
    assert.equal(readFileSync(join(target, "precious.txt"), "utf8"), "keep me");
  });

  test("a bad config: exit 1 naming the file; missing flags: usage, exit 2", async () => {
    const bad = join(dir, "bad.toml");
    writeFileSync(bad, readFileSync(configs[0]!, "utf8").replace(/^id = 1$/m, "id = -4"));
    const r = await trireme("data", "restore", "-s", backup, "-c", bad);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid configuration .*bad\.toml/);
    const missing = await trireme("data", "restore", "-s", backup, "-c", join(dir, "absent.toml"));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /absent\.toml/);
    const usage = await trireme("data", "restore", "--config", configs[0]!);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--snapshot FILE is required/);
  });

  test("every member restored from one backup starts from the same snapshot; `data check` passes", async () => {
    const targets = configs.map(() => freshDir());
    for (const [i, config] of configs.entries()) {
      const r = await trireme("data", "restore", "--snapshot", backup, "--config", config, "--data-dir", targets[i]!);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`restored member ${i + 1} .* index ${imageMeta.index}, term ${imageMeta.term}, revision ${imageMeta.revision}.*SHA-256 ok`));
    }
    const config = loadConfig(configs[0]!);
    const clusterId = (await inspectDataDir(targets[0]!)).marker!.clusterId;
    assert.notEqual(clusterId, bootstrapClusterId(config.cluster.name, config.cluster.token, config.cluster.peers), "a restore is not a bootstrap");
    for (const [i, target] of targets.entries()) {
      const check = await trireme("data", "check", target);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /no problems found/);
      const report = await inspectDataDir(target);
      assert.equal(report.marker?.clusterId, clusterId);
      assert.equal(report.marker?.nodeId, i + 1);
      assert.deepEqual(report.hardState, { term: imageMeta.term, vote: 0 }, "the term starts at the snapshot's");
      assert.equal(report.log?.firstIndex, imageMeta.index + 1, "the log starts after the snapshot");
      const snaps = await SnapshotStore.forReading(target, clusterId, i + 1).list();
      assert.equal(snaps.length, 1);
      assert.equal(snaps[0]!.index, imageMeta.index);
      assert.equal(snaps[0]!.term, imageMeta.term);
      assert.deepEqual(snaps[0]!.header.conf, { voters: [1, 2, 3], learners: [] }, "the config's peers, not the old membership");
      const members = JSON.parse(dec.decode(snaps[0]!.header.metadata)) as { id: number; client_address: string }[];
      assert.deepEqual(members.map((m) => [m.id, m.client_address]), config.cluster.peers.map((p) => [p.id, p.client_address]));
      // The kv store is the backup's: keys, history, leases, revision.
      const store = MvccStore.open(join(target, "kv.db"));
      try {
        assert.equal(store.revision, imageMeta.revision);
        assert.equal(store.appliedIndex, imageMeta.index);
        assert.equal(dec.decode(store.range({ key: enc.encode("k/0") }).kvs![0]!.value), "again");
        assert.equal(store.range({ key: enc.encode("k/0"), revision: 1 }).kvs![0]!.version, 1);
        assert.equal(store.range({ key: enc.encode("k/29") }).count, 0);
        assert.deepEqual(store.leases().map((l) => l.id), [77]);
      } finally {
        store.close();
      }
    }
  });
});
