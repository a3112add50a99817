// The `etcd3` npm client (its own grpc-js and etcd's .proto files) against the client API.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Etcd3, EtcdLeaseInvalidError, GRPCOutOfRangeError, EtcdError } from "etcd3";
import { type Running, startLocal } from "./harness.ts";

const PORT = 22002;

describe("etcd3 npm client against trireme's etcd API", () => {
  let r: Running;
  let client: Etcd3;

  before(async () => {
    r = await startLocal(PORT);
    client = new Etcd3({ hosts: r.endpoint });
  });
  after(async () => {
    client?.close();
    await r?.stop();
  });

  test("put, get, get with previous value", async () => {
    await client.put("foo").value("bar");
    assert.equal(await client.get("foo").string(), "bar");
    const prev = await client.put("foo").value("baz").getPrevious();
    assert.equal(prev?.value.toString(), "bar");
    assert.equal(await client.get("foo").string(), "baz");
    assert.equal(await client.get("missing").string(), null);
    const res = await client.get("foo").exec();
    assert.equal(String(res.header.member_id), "7");
    assert.equal(String(res.kvs[0].version), "2");
  });

  test("prefix, limit, sort and count", async () => {
    for (const [k, v] of [["p/a", "3"], ["p/b", "1"], ["p/c", "2"]]) await client.put(k).value(v);
    assert.deepEqual(await client.getAll().prefix("p/").keys(), ["p/a", "p/b", "p/c"]);
    assert.deepEqual(await client.getAll().prefix("p/").limit(2).keys(), ["p/a", "p/b"]);
    assert.deepEqual(Object.keys(await client.getAll().prefix("p/").sort("Value", "Descend").strings()), ["p/a", "p/c", "p/b"]);
    assert.equal(await client.getAll().prefix("p/").count(), 3);
    const limited = await client.getAll().prefix("p/").limit(1).exec();
    assert.equal(limited.more, true);
    assert.equal(String(limited.count), "3");
  });

  test("delete by key and by prefix", async () => {
    const one = await client.delete().key("p/a");
    assert.equal(String(one.deleted), "1");
    const rest = await client.delete().prefix("p/");
    assert.equal(String(rest.deleted), "2");
    assert.equal(await client.getAll().prefix("p/").count(), 0);
  });

  test("txn: if/then/else", async () => {
    const hit = await client.if("foo", "Value", "==", "baz").then(client.put("foo").value("qux")).else(client.get("foo"))
      .commit();
    assert.equal(hit.succeeded, true);
    assert.equal(await client.get("foo").string(), "qux");
    const miss = await client.if("foo", "Version", ">", 10).then(client.put("foo").value("never")).else(client.get("foo"))
      .commit();
    assert.equal(miss.succeeded, false);
    assert.equal(miss.responses[0].response_range?.kvs[0].value.toString(), "qux");
  });

  test("compact and the compacted error", async () => {
    await client.put("h").value("1");
    const rev = Number((await client.get("h").exec()).header.revision);
    await client.put("h").value("2");
    assert.equal(await client.get("h").revision(rev).string(), "1");
    await client.kv.compact({ revision: String(rev + 1) });
    // The client prefixes grpc-js's "<code> <NAME>: " exactly as it does for etcd's answers.
    await assert.rejects(client.get("h").revision(rev).string(), (err: Error) => {
      assert.ok(err instanceof GRPCOutOfRangeError, `got ${err.constructor.name}`);
      assert.equal(err.message, "11 OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted");
      return true;
    });
  });

  test("maintenance status and member list", async () => {
    const status = await client.maintenance.status();
    assert.equal(status.version, "3.5.0");
    assert.equal(String(status.leader), "7");
    assert.equal(String(status.raftAppliedIndex), String(r.store.appliedIndex));
    assert.ok(Number(status.dbSize) > 0);
    const list = await client.cluster.memberList({});
    assert.equal(list.members.length, 1);
    assert.equal(list.members[0].name, "n7");
    assert.deepEqual(list.members[0].clientURLs, [`http://${r.endpoint}`]);
  });

  test("errors carry etcd's messages; an oversized put is refused and the next one works", async () => {
    await assert.rejects(client.put("leased").value("v").lease("99").exec(), (err: Error) => {
      assert.ok(err instanceof EtcdLeaseInvalidError, `got ${err.constructor.name}`);
      assert.match(err.message, /5 NOT_FOUND: etcdserver: requested lease not found/);
      return true;
    });
    await assert.rejects(client.put("big").value("x".repeat(70_000)).exec(), (err: Error) => {
      assert.ok(err instanceof EtcdError || err.constructor.name.startsWith("GRPC"), `got ${err.constructor.name}`);
      assert.equal(err.message, "3 INVALID_ARGUMENT: etcdserver: request is too large");
      return true;
    });
    await client.put("after").value("ok");
    assert.equal(await client.get("after").string(), "ok");
  });
});
