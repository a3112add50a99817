// The Lease service over a LocalBackend, driven by etcd's own etcdctl (3.4) and the etcd3 npm
// client: grant, put --lease, timetolive --keys, keep-alive, revoke, list, expiry, lock.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import * as grpc from "@grpc/grpc-js";
import { LocalBackend } from "../../src/api/local-backend.ts";
import { LeaseService } from "../../src/api/lease.ts";
import { errorLine, etcdctl, type Running, requireEtcdctl, startLocal } from "./harness.ts";

const PORT = 28501;
const SLOW = { timeout: 20_000 };
const ETCD3_PORT = 28502;
/** etcdctl prints lease ids as %016x. */
const hex = (id: number) => id.toString(16).padStart(16, "0");

/** Polls `probe` every 50 ms until it returns true, at most `ms`; fails naming `what`. */
async function waitFor(what: string, ms: number, probe: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out after ${ms} ms waiting for ${what}`);
}

describe("Lease service: etcdctl", () => {
  let r: Running;
  const ctl = (args: string[]) => etcdctl(r.endpoint, args);
  const ok = async (args: string[]) => {
    const out = await ctl(args);
    assert.equal(out.code, 0, `etcdctl ${args.join(" ")} failed: ${out.stderr}`);
    return out.stdout;
  };
  const grant = async (ttl: number): Promise<number> => {
    const m = /^lease ([0-9a-f]+) granted with TTL\((\d+)s\)\n$/.exec(await ok(["lease", "grant", String(ttl)]));
    assert.ok(m, "etcdctl lease grant output");
    return parseInt(m[1], 16);
  };

  before(async () => {
    requireEtcdctl();
    r = await startLocal(PORT);
  });
  after(async () => {
    (r?.backend as LocalBackend | undefined)?.close();
    await r?.stop();
  });

  test("grant picks a random id below 2^53; a TTL under the minimum is raised", async () => {
    const id = await grant(60);
    assert.ok(id > 0 && id <= Number.MAX_SAFE_INTEGER, `id ${id}`);
    assert.equal(await ok(["lease", "grant", "1"]).then((o) => /TTL\((\d+)s\)/.exec(o)?.[1]), "2", "minimum TTL 2 s");
  });

  test("put --lease attaches keys; timetolive --keys lists them; revoke deletes them", async () => {
    const id = await grant(60);
    assert.equal(await ok(["put", "lk1", "v1", `--lease=${hex(id)}`]), "OK\n");
    assert.equal(await ok(["put", "lk2", "v2", `--lease=${hex(id)}`]), "OK\n");
    const ttl = await ok(["lease", "timetolive", hex(id), "--keys"]);
    const m = /^lease ([0-9a-f]+) granted with TTL\(60s\), remaining\((\d+)s\), attached keys\(\[lk1 lk2\]\)\n$/.exec(ttl);
    assert.ok(m, `timetolive output: ${ttl}`);
    assert.ok(Number(m[2]) >= 58 && Number(m[2]) <= 60);
    const json = JSON.parse(await ok(["get", "lk1", "-w", "json"]));
    assert.equal(String(json.kvs[0].lease), String(id));
    assert.equal(await ok(["lease", "revoke", hex(id)]), `lease ${hex(id)} revoked\n`);
    assert.equal(await ok(["get", "lk", "--prefix"]), "");
    assert.equal(await ok(["lease", "timetolive", hex(id)]), `lease ${hex(id)} already expired\n`);
    const again = await ctl(["lease", "revoke", hex(id)]);
    assert.notEqual(again.code, 0);
    assert.equal(errorLine(again), "Error: failed to revoke lease (etcdserver: requested lease not found)");
  });

  test("keep-alive --once renews; list shows every lease", async () => {
    const id = await grant(30);
    assert.equal(await ok(["lease", "keep-alive", "--once", hex(id)]), `lease ${hex(id)} keepalived with TTL(30)\n`);
    const list = await ok(["lease", "list"]);
    const lines = list.trim().split("\n");
    assert.match(lines[0], /^found \d+ leases$/);
    assert.equal(Number(/found (\d+)/.exec(lines[0])![1]), lines.length - 1);
    assert.ok(lines.includes(hex(id)), list);
    const unknown = await ctl(["lease", "keep-alive", "--once", "123abc"]);
    assert.notEqual(unknown.code, 0);
    assert.match(errorLine(unknown), /requested lease not found/);
  });

  test("a client-chosen id at or above 2^53 is refused with INVALID_ARGUMENT; an existing id is refused", async () => {
    const client = new grpc.Client(r.endpoint, grpc.credentials.createInsecure());
    const call = (ID: number) =>
      new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest(
          LeaseService.LeaseGrant.path,
          LeaseService.LeaseGrant.requestSerialize,
          LeaseService.LeaseGrant.responseDeserialize,
          { ok: true, msg: { ID, TTL: 10 }, size: 0 },
          (err) => resolve(err),
        )
      );
    try {
      const big = await call(2 ** 53);
      assert.equal(big?.code, grpc.status.INVALID_ARGUMENT);
      assert.match(big!.details, /lease ID 9007199254740992 is out of range/);
      assert.equal(await call(777), null);
      const dup = await call(777);
      assert.equal(dup?.code, grpc.status.FAILED_PRECONDITION);
      assert.equal(dup?.details, "etcdserver: lease already exists");
    } finally {
      client.close();
    }
  });

  test("a keep-alive stream answers in order (unknown lease: TTL 0) and ends OK after a half-close", async () => {
    const id = await grant(40);
    const client = new grpc.Client(r.endpoint, grpc.credentials.createInsecure());
    try {
      const call = client.makeBidiStreamRequest(
        LeaseService.LeaseKeepAlive.path,
        LeaseService.LeaseKeepAlive.requestSerialize,
        LeaseService.LeaseKeepAlive.responseDeserialize,
      );
      const answers: [number, number][] = [];
      call.on("data", (m: { ID?: number; TTL?: number }) => answers.push([m.ID ?? 0, m.TTL ?? 0]));
      const status = new Promise<number>((res) => call.on("status", (st: grpc.StatusObject) => res(st.code)));
      call.on("error", () => {});
      for (const ID of [id, 0x5eed, id]) call.write({ ok: true, msg: { ID }, size: 0 });
      call.end();
      assert.equal(await status, grpc.status.OK);
      assert.deepEqual(answers, [[id, 40], [0x5eed, 0], [id, 40]]);
    } finally {
      client.close();
    }
  });

  test("a lease nobody keeps alive expires and its keys disappear", SLOW, async () => {
    const id = await grant(2);
    await ok(["put", "short", "lived", `--lease=${hex(id)}`]);
    const t0 = Date.now();
    await waitFor("the 2 s lease to expire", 6000, async () => (await ok(["get", "short"])) === "");
    assert.ok(Date.now() - t0 >= 1000, "not expired early");
    assert.equal(await ok(["lease", "timetolive", hex(id)]), `lease ${hex(id)} already expired\n`);
  });
});

describe("Lease service: etcd3 npm client", () => {
  let r: Running;
  let client: Etcd3;

  before(async () => {
    r = await startLocal(ETCD3_PORT);
    client = new Etcd3({ hosts: r.endpoint });
  });
  after(async () => {
    client?.close();
    (r?.backend as LocalBackend | undefined)?.close();
    await r?.stop();
  });

  test("lease grant, put with lease, keepalive, revoke", async () => {
    const lease = client.lease(3, { autoKeepAlive: false });
    const id = await lease.grant();
    await lease.put("e3/a").value("1");
    assert.equal(String((await client.get("e3/a").exec()).kvs[0].lease), id);
    const ka = await lease.keepaliveOnce();
    assert.equal(String(ka.TTL), "3");
    const ttl = await client.leaseClient.leaseTimeToLive({ ID: id, keys: true });
    assert.equal(String(ttl.grantedTTL), "3");
    assert.ok(Number(ttl.TTL) >= 2 && Number(ttl.TTL) <= 3, `remaining ${ttl.TTL}`);
    assert.deepEqual(ttl.keys.map((k) => k.toString()), ["e3/a"]);
    assert.ok((await client.leaseClient.leaseLeases()).leases.some((l) => String(l.ID) === id));
    await lease.revoke();
    assert.equal(await client.get("e3/a").string(), null);
  });

  test("automatic keep-alive keeps a lease past its TTL; once released it expires with its keys", SLOW, async () => {
    const lease = client.lease(2);
    await lease.put("e3/kept").value("v");
    // 3.5 s > 2 s TTL: only the keep-alives (every TTL/3) keep the key.
    await new Promise((res) => setTimeout(res, 3500));
    assert.equal(await client.get("e3/kept").string(), "v");
    const id = await lease.grant();
    lease.release(); // stop keeping it alive without revoking
    const t0 = Date.now();
    await waitFor("the released lease's key to vanish", 6000, async () => (await client.get("e3/kept").string()) === null);
    assert.ok(Date.now() - t0 >= 500, "expired after its TTL, not at once");
    assert.equal(r.store.lease(Number(id)), undefined);
  });

  test("lock uses a lease and releases it", async () => {
    const lock = client.lock("e3/mutex");
    await lock.acquire();
    const held = await client.getAll().prefix("e3/mutex").keys();
    assert.equal(held.length, 1);
    await assert.rejects(client.lock("e3/mutex").ttl(2).acquire(), /Failed to acquire a lock on e3\/mutex/);
    await lock.release();
    assert.equal((await client.getAll().prefix("e3/mutex").keys()).length, 0);
  });
});
