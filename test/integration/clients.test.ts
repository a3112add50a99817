// A 3-member MemFirst cluster of real processes, driven by etcd's own etcdctl, by the etcd3 npm
// client and by a raw grpc-js client. One cluster serves every test of this file: each test uses
// its own keys, and none of them stops a member.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { Etcd3 } from "etcd3";
import { b64, errorLine, etcd3Client, etcdctl, etcdctlOk, requireEtcdctl, TEST_TIMEOUT, TestCluster, unb64, type MemberStatus } from "./harness.ts";

const BASE_PORT = 24000;

interface JsonKv {
  key: string;
  value?: string;
  create_revision: number;
  mod_revision: number;
  version: number;
}
interface JsonRange {
  header: { cluster_id: number; member_id: number; revision: number; raft_term: number };
  kvs?: JsonKv[];
  count?: number;
  more?: boolean;
}

describe("a 3-member cluster through etcd clients", () => {
  let cluster: TestCluster;
  let leader: number;
  let followers: number[];
  const all = () => cluster.endpoints();
  const ctl = (args: string[], input?: string) => etcdctlOk(all(), args, input);
  const ctlAt = (id: number, args: string[], input?: string) => etcdctlOk(cluster.endpoint(id), args, input);
  // Hooks only spawn (bun gives them a fixed 5 s); every test awaits the election, so a cluster
  // that never gets a leader, or a missing etcdctl, fails each test with the reason.
  let ready: Promise<void>;

  before(() => {
    ready = (async () => {
      requireEtcdctl();
      cluster = TestCluster.start({ basePort: BASE_PORT });
      ({ leader } = await cluster.waitForLeader(20_000));
      followers = cluster.ids.filter((id) => id !== leader);
    })();
    ready.catch(() => {});
  });
  after(async () => {
    await cluster?.destroy();
  });

  test("etcdctl put, get, del", TEST_TIMEOUT, async () => {
    await ready;
    assert.equal(await ctl(["put", "plain", "one"]), "OK\n");
    assert.equal(await ctl(["get", "plain"]), "plain\none\n");
    assert.equal(await ctl(["put", "plain", "two", "--prev-kv"]), "OK\nplain\none\n");
    assert.equal(await ctl(["del", "plain"]), "1\n");
    assert.equal(await ctl(["get", "plain"]), "");
    assert.equal(await ctl(["del", "plain"]), "0\n");
  });

  test("etcdctl get --prefix and --limit", TEST_TIMEOUT, async () => {
    await ready;
    for (const [k, v] of [["pre/a", "1"], ["pre/b", "2"], ["pre/c", "3"], ["prf", "x"]]) await ctl(["put", k, v]);
    assert.equal(await ctl(["get", "pre/", "--prefix"]), "pre/a\n1\npre/b\n2\npre/c\n3\n");
    const limited = JSON.parse(await ctl(["get", "pre/", "--prefix", "--limit=2", "-w", "json"])) as JsonRange;
    assert.deepEqual(limited.kvs!.map((kv) => unb64(kv.key)), ["pre/a", "pre/b"]);
    assert.equal(limited.more, true);
    assert.equal(limited.count, 3);
    assert.equal(await ctl(["get", "pre/", "--prefix", "--limit=5", "--keys-only"]), "pre/a\n\npre/b\n\npre/c\n\n");
  });

  test("etcdctl get --rev reads history, -w json carries etcd's header and kv fields", TEST_TIMEOUT, async () => {
    await ready;
    await ctl(["put", "hist", "v1"]);
    const first = JSON.parse(await ctl(["get", "hist", "-w", "json"])) as JsonRange;
    await ctl(["put", "hist", "v2"]);
    await ctl(["put", "hist", "v3"]);
    assert.equal(await ctl(["get", "hist", `--rev=${first.header.revision}`, "--print-value-only"]), "v1\n");
    assert.equal(await ctl(["get", "hist", `--rev=${first.header.revision + 1}`, "--print-value-only"]), "v2\n");
    assert.equal(await ctl(["get", "hist", "--print-value-only"]), "v3\n");

    // Each member answers with its own member_id and the cluster's id, revision and term.
    const status = await cluster.status(leader);
    const answers = await Promise.all(cluster.ids.map(async (id) => JSON.parse(await ctlAt(id, ["get", "hist", "-w", "json"])) as JsonRange));
    for (const [i, r] of answers.entries()) {
      const id = cluster.ids[i]!;
      assert.equal(r.header.member_id, id, `member ${id} must put its own id in the header`);
      assert.equal(r.header.cluster_id, answers[0]!.header.cluster_id);
      assert.ok(r.header.cluster_id > 0, "cluster_id is set");
      assert.equal(r.header.raft_term, status.raftTerm);
      assert.equal(r.header.revision, first.header.revision + 2, "the store revision after the two later puts");
      assert.deepEqual(r.kvs, [{
        key: b64("hist"),
        value: b64("v3"),
        create_revision: first.kvs![0]!.create_revision,
        mod_revision: first.header.revision + 2,
        version: 3,
      }]);
      assert.equal(r.count, 1);
    }
    assert.equal(first.kvs![0]!.create_revision, first.header.revision);
    assert.equal(first.kvs![0]!.mod_revision, first.header.revision);
    assert.equal(first.kvs![0]!.version, 1);
  });

  test("etcdctl txn from stdin (its interactive syntax)", TEST_TIMEOUT, async () => {
    await ready;
    await ctl(["put", "tx/k", "start"]);
    await ctl(["put", "tx/other", "o"]);
    const cas = (expect: string, next: string) => `value("tx/k") = "${expect}"\n\nput tx/k ${next}\nget tx/other\n\nget tx/k\n\n`;
    assert.equal(await ctl(["txn"], cas("start", "next")), "SUCCESS\n\nOK\n\ntx/other\no\n");
    assert.equal(await ctl(["txn"], cas("start", "never")), "FAILURE\n\ntx/k\nnext\n");
    const json = JSON.parse(await ctl(["txn", "-w", "json"], 'version("tx/k") = "2"\n\ndel tx/other\n\n\n')) as {
      succeeded: boolean;
      responses: { Response: { ResponseDeleteRange?: { deleted: number } } }[];
    };
    assert.equal(json.succeeded, true);
    assert.equal(json.responses[0]!.Response.ResponseDeleteRange?.deleted, 1);
    assert.equal(await ctl(["get", "tx/", "--prefix", "--print-value-only"]), "next\n");
  });

  test("etcdctl compact, then a get at a compacted revision fails with etcd's message", TEST_TIMEOUT, async () => {
    await ready;
    await ctl(["put", "cmp", "old"]);
    const old = (JSON.parse(await ctl(["get", "cmp", "-w", "json"])) as JsonRange).header.revision;
    await ctl(["put", "cmp", "new"]);
    assert.equal(await ctl(["get", "cmp", `--rev=${old}`, "--print-value-only"]), "old\n");
    assert.equal(await ctl(["compact", String(old + 1)]), `compacted revision ${old + 1}\n`);
    // Compaction is replicated: every member refuses the old revision.
    for (const id of cluster.ids) {
      const r = await etcdctl(cluster.endpoint(id), ["get", "cmp", `--rev=${old}`]);
      assert.notEqual(r.code, 0, `member ${id} must refuse a compacted revision`);
      assert.equal(errorLine(r), "Error: etcdserver: mvcc: required revision has been compacted");
    }
    assert.equal(await ctl(["get", "cmp", "--print-value-only"]), "new\n");
  });

  test("etcdctl endpoint status -w json: one leader, raft index and term", TEST_TIMEOUT, async () => {
    await ready;
    await ctl(["put", "status-probe", "x"]);
    const out = JSON.parse(await ctl(["endpoint", "status", "-w", "json"])) as { Endpoint: string; Status: MemberStatus }[];
    assert.deepEqual(out.map((e) => e.Endpoint), cluster.ids.map((id) => cluster.endpoint(id)));
    for (const [i, { Status: s }] of out.entries()) {
      assert.equal(s.header.member_id, cluster.ids[i]);
      assert.equal(s.leader, leader, `member ${cluster.ids[i]} names the leader`);
      assert.equal(s.raftTerm, out[0]!.Status.raftTerm);
      assert.ok(s.raftTerm >= 1);
      assert.ok(s.raftIndex >= 1 && s.raftAppliedIndex <= s.raftIndex, `raftIndex ${s.raftIndex} >= raftAppliedIndex ${s.raftAppliedIndex}`);
      assert.ok(s.header.revision >= 1);
      assert.ok(s.dbSize > 0);
    }
    // The leader has applied the put it acknowledged.
    const ls = out[cluster.ids.indexOf(leader)]!.Status;
    assert.equal(ls.raftAppliedIndex, ls.raftIndex);
  });

  test("etcdctl member list -w json: three members with names and URLs", TEST_TIMEOUT, async () => {
    await ready;
    const out = JSON.parse(await ctl(["member", "list", "-w", "json"])) as {
      header: { cluster_id: number };
      members: { ID: number; name: string; peerURLs: string[]; clientURLs: string[]; isLearner?: boolean }[];
    };
    const byId = [...out.members].sort((a, b) => a.ID - b.ID);
    assert.deepEqual(byId.map((m) => m.ID), [1, 2, 3]);
    for (const m of byId) {
      assert.equal(m.name, `node-${m.ID}`);
      assert.deepEqual(m.clientURLs, [`http://${cluster.endpoint(m.ID)}`]);
      assert.equal(m.peerURLs.length, 1);
      assert.match(m.peerURLs[0]!, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(m.isLearner, true);
    }
    const table = await ctl(["member", "list"]);
    assert.equal(table.trim().split("\n").length, 3);
  });

  test("writes through a follower; a linearizable read on the other follower sees each at once", TEST_TIMEOUT, async () => {
    await ready;
    const [f1, f2] = followers as [number, number];
    for (let i = 0; i < 5; i++) {
      assert.equal(await ctlAt(f1, ["put", `fw/${i}`, `etcdctl-${i}`]), "OK\n");
      assert.equal(await ctlAt(f2, ["get", `fw/${i}`, "--print-value-only"]), `etcdctl-${i}\n`);
    }
    const c1 = etcd3Client(cluster.endpoint(f1));
    const c2 = etcd3Client(cluster.endpoint(f2));
    try {
      for (let i = 0; i < 40; i++) {
        const [writer, reader] = i % 2 === 0 ? [c1, c2] : [c2, c1];
        await writer.put(`fw/c${i}`).value(`v${i}`);
        assert.equal(await reader.get(`fw/c${i}`).string(), `v${i}`, `write ${i} must be visible on the other follower at once`);
      }
      // Overwrites too: the read must not return the previous value.
      for (let i = 0; i < 20; i++) {
        await c1.put("fw/counter").value(String(i));
        assert.equal(await c2.get("fw/counter").string(), String(i));
      }
    } finally {
      c1.close();
      c2.close();
    }
  });

  test("etcd's errors come back unchanged through a follower (it forwards writes to the leader)", TEST_TIMEOUT, async () => {
    await ready;
    const f = followers[0]!;
    const fails = async (args: string[], input?: string) => {
      const r = await etcdctl(cluster.endpoint(f), args, input);
      assert.notEqual(r.code, 0, `etcdctl ${args.join(" ")} must fail`);
      return errorLine(r);
    };
    assert.equal(await fails(["put", "", "v"]), "Error: etcdserver: key is not provided");
    const ops = Array.from({ length: 129 }, (_, i) => `put many/${i} v`).join("\n");
    assert.equal(await fails(["txn"], `\n${ops}\n\n\n`), "Error: etcdserver: too many operations in txn request");
    assert.equal(await ctlAt(f, ["get", "many/", "--prefix", "--keys-only"]), "", "a refused txn wrote nothing");
    const within = Array.from({ length: 128 }, (_, i) => `put many/${i} v`).join("\n");
    assert.equal((await ctlAt(f, ["txn"], `\n${within}\n\n\n`)).split("\n")[0], "SUCCESS");
    const count = JSON.parse(await ctlAt(f, ["get", "many/", "--prefix", "--keys-only", "-w", "json"])) as JsonRange;
    assert.equal(count.count, 128);
  });

  test("the etcd3 npm client: put, get, getAll prefix, delete, txn if/then/else", TEST_TIMEOUT, async () => {
    await ready;
    const client = new Etcd3({ hosts: cluster.ids.map((id) => cluster.endpoint(id)) });
    try {
      await client.put("e3/a").value("alpha");
      await client.put("e3/b").value("beta");
      await client.put("e3/c").value("gamma");
      await client.put("e3x").value("outside");
      assert.equal(await client.get("e3/a").string(), "alpha");
      assert.equal(await client.get("e3/missing").string(), null);
      assert.deepEqual(await client.getAll().prefix("e3/").strings(), { "e3/a": "alpha", "e3/b": "beta", "e3/c": "gamma" });
      assert.deepEqual(await client.getAll().prefix("e3/").limit(2).keys(), ["e3/a", "e3/b"]);
      assert.equal(await client.getAll().prefix("e3/").count(), 3);

      const del = await client.delete().key("e3/b");
      assert.equal(String(del.deleted), "1");
      assert.equal(await client.get("e3/b").string(), null);

      const hit = await client.if("e3/a", "Value", "==", "alpha").then(client.put("e3/a").value("ALPHA")).else(client.get("e3/a")).commit();
      assert.equal(hit.succeeded, true);
      assert.equal(await client.get("e3/a").string(), "ALPHA");
      const miss = await client.if("e3/a", "Version", ">", 5).then(client.put("e3/a").value("never")).else(client.get("e3/c")).commit();
      assert.equal(miss.succeeded, false);
      const range = miss.responses[0]!.response_range;
      assert.equal(range.kvs[0]!.value.toString(), "gamma");
      assert.equal(await client.get("e3/a").string(), "ALPHA");

      const gone = await client.delete().prefix("e3/");
      assert.equal(String(gone.deleted), "2");
      assert.deepEqual(await client.getAll().prefix("e3").keys(), ["e3x"]);
    } finally {
      client.close();
    }
  });

  test("a malformed request gets INVALID_ARGUMENT, an oversized put etcd's 'request is too large', and the member keeps serving", TEST_TIMEOUT, async () => {
    await ready;
    const target = followers[0]!;
    const identity = (b: Buffer) => b;
    const Raw = grpc.makeGenericClientConstructor({
      Put: { path: "/etcdserverpb.KV/Put", requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
    }, "RawKV");
    const raw = new Raw(cluster.endpoint(target), grpc.credentials.createInsecure());
    const call = (bytes: Buffer) =>
      new Promise<{ err: grpc.ServiceError | null }>((resolve) => {
        (raw as unknown as { Put: (req: Buffer, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null) => void) => void })
          .Put(bytes, { deadline: Date.now() + 5000 }, (err) => resolve({ err }));
      });
    try {
      // Field 1 (key) claims 100 bytes but only 3 follow.
      const truncated = await call(Buffer.from([0x0a, 100, 0x61, 0x62, 0x63]));
      assert.equal(truncated.err?.code, grpc.status.INVALID_ARGUMENT, `got ${truncated.err?.code}: ${truncated.err?.details}`);
      // A wire type 7 does not exist.
      const badWireType = await call(Buffer.from([0x0f, 0x01]));
      assert.equal(badWireType.err?.code, grpc.status.INVALID_ARGUMENT, `got ${badWireType.err?.code}: ${badWireType.err?.details}`);
    } finally {
      raw.close();
    }

    // etcd's default --max-request-bytes is 1.5 MiB; value through stdin (too long for argv).
    const big = "x".repeat(1.5 * 1024 * 1024 + 1024);
    const r = await etcdctl(cluster.endpoint(target), ["put", "too-big"], big);
    assert.notEqual(r.code, 0, "an oversized put must fail");
    assert.equal(errorLine(r), "Error: etcdserver: request is too large");
    const client = etcd3Client(cluster.endpoint(target));
    try {
      await assert.rejects(client.put("too-big").value(big).exec(), /etcdserver: request is too large/);
      // Just under the limit is accepted (the request adds the key and framing).
      const fits = "y".repeat(1024 * 1024);
      await client.put("fits").value(fits);
      assert.equal((await client.get("fits").string())?.length, fits.length);
    } finally {
      client.close();
    }
    assert.equal(await ctlAt(target, ["get", "too-big"]), "");
    assert.equal(await ctlAt(target, ["put", "after-bad", "fine"]), "OK\n");
    assert.equal(await ctlAt(target, ["get", "after-bad", "--print-value-only"]), "fine\n");
    assert.ok(cluster.isRunning(target), `member ${target} must still be running`);
  });
  // Last: it moves the leadership the tests above rely on.
  test("etcdctl move-leader hands leadership to a follower; an unknown id is etcd's bad transferee", TEST_TIMEOUT, async () => {
    await ready;
    const { leader } = await cluster.waitForLeader();
    const target = cluster.ids.find((id) => id !== leader)!;
    const all = cluster.endpoints();
    const out = await etcdctlOk(all, ["move-leader", target.toString(16)]);
    assert.match(out, new RegExp(`Leadership transferred from ${leader.toString(16)} to ${target.toString(16)}`));
    const now = await cluster.waitForLeader();
    assert.equal(now.leader, target);
    const bad = await etcdctl(all, ["move-leader", "7f"]);
    assert.notEqual(bad.code, 0);
    assert.match(errorLine(bad), /bad leader transferee/);
  });
});
