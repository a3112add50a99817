// Auth on a real 3-member cluster with jwt tokens: users and roles made with etcdctl are the same
// on every member; the etcd3 npm client with `auth: { username, password }` reads and writes
// through any member (its one token, issued by one member, is checked by all), and keeps working
// after the leader is killed; a restart of every member keeps users, roles and the enabled flag;
// an `etcdctl snapshot save` (root only) restored into a new cluster keeps them too.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { noop } from "cockatiel";
import { Etcd3 } from "etcd3";
import { parseConfig } from "../../src/config/load.ts";
import { memberPort } from "../../scripts/cluster.ts";
import { renderConfig } from "../../src/config/render.ts";
import { GrpcChannel } from "../../src/grpc/channel.ts";
import { unaryCall } from "../../src/grpc/client-call.ts";
import { etcdserverpb as pb } from "../../src/gen/etcd.js";
import { etcdctl, etcdctlOk, errorLine, requireEtcdctl, runProcess, TEST_TIMEOUT, TestCluster, waitUntil } from "./harness.ts";

const BASE_PORT = 28900;
const main = resolve(import.meta.dirname, "../../src/main.ts");

describe("auth on a 3-member cluster (jwt tokens)", () => {
  let cluster: TestCluster;
  const keyDir = mkdtempSync(join(tmpdir(), "trireme-jwt-"));
  const keyFile = join(keyDir, "jwt.pem");
  const clients: Etcd3[] = [];

  before(() => {
    requireEtcdctl();
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    cluster = TestCluster.start({
      basePort: BASE_PORT,
      strategy: "disk",
      tweak: (c) => {
        c.auth.token = "jwt";
        c.auth.jwt_key_file = keyFile;
        c.auth.jwt_sign_method = "ES256";
        c.auth.bcrypt_cost = 4;
      },
    });
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster?.destroy();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const client = (hosts: string[]) => {
    const c = new Etcd3({
      hosts,
      auth: { username: "app", password: "apppw" },
      dialTimeout: 3000,
      defaultCallOptions: () => ({ deadline: Date.now() + 8000 }),
      faultHandling: { host: () => noop, global: noop },
    });
    clients.push(c);
    return c;
  };

  test("etcdctl sets auth up through one member; the etcd3 client works through all, and after the leader dies", TEST_TIMEOUT, async () => {
    const { leader } = await cluster.waitForLeader(20_000);
    const at = (id: number) => cluster.endpoint(id);
    const follower = cluster.ids.find((id) => id !== leader)!;
    for (const args of [
      ["user", "add", "root:rootpw"],
      ["user", "grant-role", "root", "root"],
      ["role", "add", "app"],
      ["role", "grant-permission", "app", "readwrite", "/app/", "--prefix"],
      ["user", "add", "app:apppw"],
      ["user", "grant-role", "app", "app"],
      ["auth", "enable"],
    ]) await etcdctlOk(at(follower), args);
    // The same users on every member, read locally.
    for (const id of cluster.ids) {
      await waitUntil(`member ${id} to know user app`, 5000, async () =>
        (await etcdctl(at(id), ["--user=root:rootpw", "user", "get", "app"])).stdout === "User: app\nRoles: app\n" ? true : undefined);
    }

    // One token (issued by whichever member answered Authenticate) on every member.
    for (const id of cluster.ids) {
      const c = client([at(id === 1 ? 2 : 1), at(id)]);
      await c.put(`/app/via-${id}`).value(String(id));
      assert.equal(await c.get(`/app/via-${id}`).string(), String(id));
    }
    const everywhere = client(cluster.ids.map(at));
    await assert.rejects(everywhere.get("/other").string(), /permission denied/);
    await assert.rejects(async () => {
      await everywhere.put("/other").value("x");
    }, /permission denied/);

    // The leader dies: the token keeps working on the members left, whichever leads now.
    const survivors = cluster.ids.filter((id) => id !== leader);
    const c = client(survivors.map(at));
    await c.put("/app/before").value("1");
    await cluster.kill(leader);
    await cluster.waitForLeader(20_000, survivors);
    await waitUntil("a write with the old token after the failover", 15_000, async () => {
      try {
        await c.put("/app/after").value("2");
        return true;
      } catch {
        return undefined;
      }
    });
    assert.equal(await c.get("/app/after").string(), "2");
    assert.equal(errorLine(await etcdctl(survivors.map(at).join(","), ["put", "/app/x", "y"])), "Error: etcdserver: user name is empty");
    cluster.startMember(leader);
  });

  test("a restart of every member keeps users, roles and auth; a backup restored into a new cluster keeps them", TEST_TIMEOUT, async () => {
    await cluster.waitForLeader(20_000);
    const codes = await cluster.stopAll(10_000);
    for (const [id, code] of codes) assert.equal(code, 0, `member ${id} stops cleanly`);
    for (const id of cluster.ids) cluster.startMember(id);
    const { leader } = await cluster.waitForLeader(20_000);
    const at = (id: number) => cluster.endpoint(id);
    assert.equal(await etcdctlOk(at(leader), ["--user=root:rootpw", "user", "list"]), "app\nroot\n");
    assert.equal(await etcdctlOk(at(leader), ["--user=app:apppw", "get", "/app/after", "--print-value-only"]), "2\n");
    assert.equal(errorLine(await etcdctl(at(leader), ["get", "/app/after"])), "Error: etcdserver: user name is empty");

    // A snapshot is root's; restored into a new cluster, users and auth come along.
    const backup = join(cluster.dir, "auth-backup.db");
    assert.match(errorLine(await etcdctl(at(leader), ["--user=app:apppw", "snapshot", "save", backup])), /permission denied/);
    assert.match(await etcdctlOk(at(leader), ["--user=root:rootpw", "snapshot", "save", backup]), /Snapshot saved at/);
    const stopped = await cluster.stopAll(10_000);
    for (const [id, code] of stopped) assert.equal(code, 0, `member ${id} stops cleanly`);
    for (const id of cluster.ids) {
      const file = join(cluster.dir, `node-${id}.toml`);
      const config = parseConfig(readFileSync(file, "utf8"), file);
      config.cluster.name = "trireme-auth-restored";
      config.node.data_dir = `restored-${id}`;
      writeFileSync(file, renderConfig(config, { header: [`integration test member ${id}, restored from a backup`] }));
      const r = await runProcess(process.execPath, [main, "data", "restore", "--snapshot", backup, "--config", file]);
      assert.equal(r.code, 0, `data restore for member ${id}: ${r.stderr}`);
    }
    for (const id of cluster.ids) cluster.startMember(id);
    const restored = await cluster.waitForLeader(20_000);
    assert.equal(await etcdctlOk(at(restored.leader), ["--user=root:rootpw", "user", "list"]), "app\nroot\n");
    assert.equal(await etcdctlOk(at(restored.leader), ["--user=root:rootpw", "role", "get", "app"]), "Role app\nKV Read:\n\t[/app/, /app0) (prefix /app/)\nKV Write:\n\t[/app/, /app0) (prefix /app/)\n");
    assert.equal(errorLine(await etcdctl(at(restored.leader), ["--user=app:apppw", "get", "/other"])), "Error: etcdserver: permission denied");
    assert.equal(errorLine(await etcdctl(at(restored.leader), ["get", "/app/after"])), "Error: etcdserver: user name is empty");
  });
});

describe("auth on a 3-member cluster (simple tokens)", () => {
  let cluster: TestCluster;
  const channels: GrpcChannel[] = [];
  before(() => {
    requireEtcdctl();
    cluster = TestCluster.start({ basePort: 27900, strategy: "mem", tweak: (c) => (c.auth.bcrypt_cost = 4) });
  });
  after(async () => {
    for (const c of channels) c.close();
    await cluster?.destroy();
  });

  const enc = <T>(type: { encode(m: T): { finish(): Uint8Array } }, m: T) => type.encode(m).finish();
  const channel = (id: number) => {
    const [host, port] = cluster.endpoint(id).split(":");
    const c = new GrpcChannel({ host: host!, port: Number(port) });
    channels.push(c);
    return c;
  };
  const call = (c: GrpcChannel, path: string, bytes: Uint8Array, token?: string) =>
    unaryCall(c, path, bytes, (b) => b, { deadline: Date.now() + 8000, waitForReady: true, ...(token ? { metadata: [["token", token]] } : {}) });

  test("a simple token issued by one member works on every member (it travels through the log, as etcd's)", TEST_TIMEOUT, async () => {
    await cluster.waitForLeader(20_000);
    const at = (id: number) => cluster.endpoint(id);
    for (const args of [["user", "add", "root:rootpw"], ["user", "grant-role", "root", "root"], ["role", "add", "app"],
      ["role", "grant-permission", "app", "readwrite", "/app/", "--prefix"], ["user", "add", "app:apppw"], ["user", "grant-role", "app", "app"],
      ["put", "/app/k", "v"], ["auth", "enable"]]) await etcdctlOk(at(1), args);
    for (const issuer of cluster.ids) {
      const login = await call(channel(issuer), "/etcdserverpb.Auth/Authenticate", enc(pb.AuthenticateRequest, { name: "app", password: "apppw" }));
      const token = pb.AuthenticateResponse.decode(login).token;
      assert.match(token, /^[a-z]{16}\.\d+$/);
      for (const id of cluster.ids) {
        // A member knows the token once it has applied its entry (as in etcd, a member behind
        // answers invalid auth token meanwhile, and clientv3 logs in again).
        const got = await waitUntil(`member ${id} to know the token member ${issuer} issued`, 10_000, async () => {
          try {
            return pb.RangeResponse.decode(await call(channel(id), "/etcdserverpb.KV/Range", enc(pb.RangeRequest, { key: Buffer.from("/app/k") }), token));
          } catch (err) {
            if (String(err).includes("invalid auth token")) return undefined;
            throw err;
          }
        });
        assert.equal(new TextDecoder().decode(got.kvs[0]!.value ?? undefined), "v");
      }
    }
  });

  test("membership changes sent to a follower reach the leader as a member (the member secret), for root only", TEST_TIMEOUT, async () => {
    const { leader } = await cluster.waitForLeader(20_000);
    const [f1, f2] = cluster.ids.filter((id) => id !== leader) as [number, number];
    const spare = `http://127.0.0.1:${memberPort(27900, 4) + 1}`;
    const denied = await etcdctl(cluster.endpoint(f1), ["--user=app:apppw", "member", "add", "n4", `--peer-urls=${spare}`, "--learner"]);
    assert.match(errorLine(denied), /permission denied/, `code ${denied.code} out ${denied.stdout} err ${denied.stderr}`);
    const added = await etcdctlOk(cluster.endpoint(f1), ["--user=root:rootpw", "member", "add", "n4", `--peer-urls=${spare}`, "--learner"]);
    const id = /Member\s+([0-9a-f]+) added/.exec(added)?.[1];
    assert.ok(id, added);
    assert.match(await etcdctlOk(cluster.endpoint(f2), ["--user=root:rootpw", "member", "remove", id]), new RegExp(`Member\\s+${id} removed`));
  });
});
