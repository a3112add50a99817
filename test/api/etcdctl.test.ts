// etcd's own CLI (etcdctl 3.4, API v3) against the client API over a LocalBackend. Expected
// outputs are etcdctl's formats for the answers etcd gives to the same requests.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { errorLine, etcdctl, type Running, requireEtcdctl, startLocal } from "./harness.ts";

const PORT = 22001;
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("etcdctl against trireme's etcd API", () => {
  let r: Running;
  const ctl = (args: string[], input?: string) => etcdctl(r.endpoint, args, input);
  const ok = async (args: string[], input?: string) => {
    const out = await ctl(args, input);
    assert.equal(out.code, 0, `etcdctl ${args.join(" ")} failed: ${out.stderr}`);
    return out.stdout;
  };
  const fails = async (args: string[], input?: string) => {
    const out = await ctl(args, input);
    assert.notEqual(out.code, 0, `etcdctl ${args.join(" ")} should fail`);
    return errorLine(out);
  };

  before(async () => {
    requireEtcdctl();
    r = await startLocal(PORT);
  });
  after(async () => {
    await r?.stop();
  });

  test("put, get and get -w json", async () => {
    assert.equal(await ok(["put", "foo", "bar"]), "OK\n");
    assert.equal(await ok(["put", "foo", "baz", "--prev-kv"]), "OK\nfoo\nbar\n");
    assert.equal(await ok(["get", "foo"]), "foo\nbaz\n");
    const json = JSON.parse(await ok(["get", "foo", "-w", "json"]));
    assert.deepEqual(json, {
      header: { cluster_id: 0xc1a57e9, member_id: 7, revision: 2, raft_term: 1 },
      kvs: [{ key: b64("foo"), create_revision: 1, mod_revision: 2, version: 2, value: b64("baz") }],
      count: 1,
    });
  });

  test("prefix, limit, keys-only, sort and from-key", async () => {
    for (const [k, v] of [["p/1", "c"], ["p/2", "a"], ["p/3", "b"], ["q", "z"]]) await ok(["put", k, v]);
    const limited = JSON.parse(await ok(["get", "p/", "--prefix", "--limit=2", "-w", "json"]));
    assert.deepEqual(limited.kvs.map((kv: { key: string }) => Buffer.from(kv.key, "base64").toString()), ["p/1", "p/2"]);
    assert.equal(limited.more, true);
    assert.equal(limited.count, 3);
    assert.equal(await ok(["get", "p/", "--prefix", "--keys-only"]), "p/1\n\np/2\n\np/3\n\n");
    assert.equal(await ok(["get", "p/", "--prefix", "--sort-by=VALUE", "--order=DESCEND", "--print-value-only"]), "c\nb\na\n");
    assert.equal(await ok(["get", "p/3", "--from-key", "--keys-only"]), "p/3\n\nq\n\n");
    // every key: etcdctl sends key "\0" with range_end "\0"
    assert.equal(await ok(["get", "", "--prefix", "--keys-only"]), "foo\n\np/1\n\np/2\n\np/3\n\nq\n\n");
  });

  test("del with --prev-kv and --prefix", async () => {
    assert.equal(await ok(["del", "q", "--prev-kv"]), "1\nq\nz\n");
    assert.equal(await ok(["del", "nothing"]), "0\n");
  });

  test("txn from stdin: compare, success and failure", async () => {
    const cas = (expect: string, next: string) => `value("foo") = "${expect}"\n\nput foo ${next}\nget p/2\n\nget foo\n\n`;
    assert.equal(await ok(["txn"], cas("baz", "qux")), "SUCCESS\n\nOK\n\np/2\na\n");
    assert.equal(await ok(["txn"], cas("baz", "never")), "FAILURE\n\nfoo\nqux\n");
    const json = JSON.parse(await ok(["txn", "-w", "json"], 'mod("foo") > "0"\n\nget foo\n\n\n'));
    assert.equal(json.succeeded, true);
    assert.equal(json.header.member_id, 7);
    const range = json.responses[0].Response.ResponseRange;
    assert.equal(Buffer.from(range.kvs[0].value, "base64").toString(), "qux");
  });

  test("compact, then history below it is gone with etcd's error", async () => {
    await ok(["put", "h", "1"]);
    const rev = JSON.parse(await ok(["get", "h", "-w", "json"])).header.revision as number;
    await ok(["put", "h", "2"]);
    assert.equal(await ok(["get", "h", `--rev=${rev}`, "--print-value-only"]), "1\n");
    assert.equal(await ok(["compact", String(rev + 1)]), `compacted revision ${rev + 1}\n`);
    assert.equal(await fails(["get", "h", `--rev=${rev}`]), "Error: etcdserver: mvcc: required revision has been compacted");
    assert.equal(await fails(["get", "h", "--rev=100000"]), "Error: etcdserver: mvcc: required revision is a future revision");
    assert.equal(await fails(["compact", String(rev)]), "Error: etcdserver: mvcc: required revision has been compacted");
  });

  test("endpoint status and member list", async () => {
    const [status] = JSON.parse(await ok(["endpoint", "status", "-w", "json"]));
    assert.equal(status.Endpoint, r.endpoint);
    assert.equal(status.Status.header.cluster_id, 0xc1a57e9);
    assert.equal(status.Status.leader, 7);
    assert.equal(status.Status.raftAppliedIndex, r.store.appliedIndex);
    assert.ok(status.Status.dbSize > 0);
    assert.equal(status.Status.header.revision, r.store.revision);
    const members = JSON.parse(await ok(["member", "list", "-w", "json"]));
    assert.deepEqual(members.members, [{
      ID: 7,
      name: "n7",
      peerURLs: ["http://127.0.0.1:2380"],
      clientURLs: [`http://${r.endpoint}`],
    }]);
    const health = await ctl(["endpoint", "health"]);
    assert.equal(health.code, 0);
    assert.match(health.stdout + health.stderr, /127\.0\.0\.1:22001 is healthy/); // etcdctl 3.4 prints it on stderr
  });

  test("endpoint hashkv and defrag", async () => {
    const [hk] = JSON.parse(await ok(["endpoint", "hashkv", "-w", "json"]));
    assert.equal(hk.Endpoint, r.endpoint);
    assert.equal(hk.HashKV.hash, r.store.hashKv().hash);
    assert.equal(hk.HashKV.header.revision, r.store.revision);
    assert.match(await ok(["defrag"]), /Finished defragmenting etcd member\[127\.0\.0\.1:22001\]/);
    assert.equal(await ok(["get", "foo", "--print-value-only"]), "qux\n");
  });

  test("etcd's errors for bad requests, and the server keeps serving", async () => {
    assert.equal(await fails(["put", "", "x"]), "Error: etcdserver: key is not provided");
    assert.equal(await fails(["put", "k", "v", "--lease=1234"]), "Error: etcdserver: requested lease not found");
    assert.equal(
      await fails(["txn"], 'value("a") = "1"\n\nput a 1\nput a 2\n\n\n'),
      "Error: etcdserver: duplicate key given in txn request",
    );
    const nine = Array.from({ length: 9 }, (_, i) => `put t${i} v`).join("\n");
    assert.equal(await fails(["txn"], `\n${nine}\n\n\n`), "Error: etcdserver: too many operations in txn request");
    assert.equal(await ok(["get", "foo", "--print-value-only"]), "qux\n");
  });

  test("an oversized put gets 'request is too large' and the next request works", async () => {
    // max_request_bytes is 64 KiB in these tests; etcdctl reads the value from stdin.
    assert.equal(await fails(["put", "big"], "x".repeat(70_000)), "Error: etcdserver: request is too large");
    assert.equal(await ok(["put", "small", "ok"]), "OK\n");
    assert.equal(await ok(["get", "small", "--print-value-only"]), "ok\n");
  });
});
