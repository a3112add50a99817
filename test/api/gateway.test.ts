// etcd's gRPC gateway on the client port, driven by curl as a script would drive etcd: JSON in
// the protobuf mapping etcd's gateway uses (the shapes here were taken from etcd 3.4.23 with
// the same requests), over HTTP/1.1 and h2c, unary and streamed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Running, startLocal } from "./harness.ts";
import { curl, CurlStream, post } from "./curl.ts";
import { LiveBody } from "./live-body.ts";

const PORT = 22040;
const URL = `http://127.0.0.1:${PORT}`;
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("gRPC gateway JSON API", () => {
  let r: Running;
  const streams: CurlStream[] = [];
  const live: LiveBody[] = [];
  before(async () => {
    r = await startLocal(PORT);
  });
  after(async () => {
    for (const s of streams) await s.close();
    for (const l of live) l.close();
    await r.stop();
  });

  it("puts and ranges with base64 bytes, int64 as strings, .proto names and no default fields", async () => {
    const put = await post(`${URL}/v3/kv/put`, { key: b64("gw/a"), value: b64("one") });
    assert.equal(put.status, 200);
    const h = put.json.header as Record<string, unknown>;
    assert.deepEqual(Object.keys(h).sort(), ["cluster_id", "member_id", "raft_term", "revision"]);
    assert.equal(h.cluster_id, String(0xc1a57e9));
    assert.equal(typeof h.revision, "string");
    assert.equal(put.json.prev_kv, undefined);

    const got = await post(`${URL}/v3/kv/range`, { key: b64("gw/a") });
    assert.equal(got.status, 200);
    assert.equal(got.json.count, "1");
    assert.equal(got.json.more, undefined, "false is left out, as jsonpb without EmitDefaults does");
    const [kv] = got.json.kvs as Record<string, unknown>[];
    assert.deepEqual(Object.keys(kv!).sort(), ["create_revision", "key", "mod_revision", "value", "version"]);
    assert.equal(kv!.key, b64("gw/a"));
    assert.equal(kv!.value, b64("one"));
    assert.equal(kv!.version, "1");

    const none = await post(`${URL}/v3/kv/range`, { key: b64("gw/none") });
    assert.deepEqual(Object.keys(none.json), ["header"], "an empty answer is its header alone");
  });

  it("takes lowerCamel names too, and answers a txn with its nested responses", async () => {
    await post(`${URL}/v3/kv/put`, { key: b64("gw/b"), value: b64("two") });
    const ranged = await post(`${URL}/v3/kv/range`, { key: b64("gw/"), rangeEnd: b64("gw0"), keysOnly: true });
    assert.deepEqual((ranged.json.kvs as { key: string }[]).map((k) => k.key), [b64("gw/a"), b64("gw/b")]);
    assert.equal((ranged.json.kvs as Record<string, unknown>[])[0]!.value, undefined);

    const txn = await post(`${URL}/v3/kv/txn`, {
      compare: [{ key: b64("gw/a"), result: "EQUAL", target: "VALUE", value: b64("one") }],
      success: [{ request_put: { key: b64("gw/a"), value: b64("uno"), prev_kv: true } }, { requestRange: { key: b64("gw/a") } }],
      failure: [],
    });
    assert.equal(txn.status, 200, JSON.stringify(txn.json));
    assert.equal(txn.json.succeeded, true);
    const [p, g] = txn.json.responses as Record<string, Record<string, unknown>>[];
    assert.equal((p!.response_put!.prev_kv as { value: string }).value, b64("one"));
    assert.equal(((g!.response_range!.kvs as { value: string }[])[0])!.value, b64("uno"));

    const del = await post(`${URL}/v3/kv/deleterange`, { key: b64("gw/b"), prev_kv: true });
    assert.equal(del.json.deleted, "1");
    assert.equal((del.json.prev_kvs as { value: string }[])[0]!.value, b64("two"));
  });

  it("answers errors as grpc-gateway does: {error, message, code} and the HTTP status of the code", async () => {
    const noKey = await post(`${URL}/v3/kv/put`, { value: b64("v") });
    assert.equal(noKey.status, 400);
    assert.deepEqual(noKey.json, { error: "etcdserver: key is not provided", message: "etcdserver: key is not provided", code: 3 });

    const rev = Number(((await post(`${URL}/v3/kv/put`, { key: b64("gw/c"), value: b64("x") })).json.header as { revision: string }).revision);
    assert.equal((await post(`${URL}/v3/kv/compaction`, { revision: String(rev) })).status, 200);
    const compacted = await post(`${URL}/v3/kv/range`, { key: b64("gw/c"), revision: String(rev - 1) });
    assert.equal(compacted.status, 400);
    assert.equal(compacted.json.code, 11);
    assert.equal(compacted.json.error, "etcdserver: mvcc: required revision has been compacted");

    const lease = await post(`${URL}/v3/lease/revoke`, { ID: "123" });
    assert.equal(lease.status, 404);
    assert.equal(lease.json.code, 5);

    const bad = await post(`${URL}/v3/kv/range`, '{"key":');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 3);

    const get = await curl([`${URL}/v3/kv/range`]);
    assert.equal(get.status, 405);
    assert.equal((await curl(["-d", "{}", `${URL}/v3alpha/kv/range`])).status, 404);
    assert.equal((await curl(["-d", "{}", `${URL}/v3/kv/nothing`])).status, 404);
  });

  it("serves /v3beta as etcd 3.4's alias", async () => {
    const got = await post(`${URL}/v3beta/kv/range`, { key: b64("gw/a") });
    assert.equal(got.status, 200);
    assert.equal((got.json.kvs as { value: string }[])[0]!.value, b64("uno"));
  });

  it("keeps etcd's camelCase .proto names in Status and Member, snake_case in the header", async () => {
    const s = await post(`${URL}/v3/maintenance/status`, {});
    assert.equal(s.status, 200);
    assert.match(String(s.json.dbSize), /^\d+$/);
    assert.equal(s.json.leader, "7");
    assert.equal(s.json.raftTerm, "1");
    assert.equal((s.json.header as Record<string, unknown>).raft_term, "1");
    const m = await post(`${URL}/v3/cluster/member/list`, {});
    assert.deepEqual(m.json.members, [{ ID: "7", name: "n7", peerURLs: ["http://127.0.0.1:2380"], clientURLs: [`http://127.0.0.1:${PORT}`] }]);
  });

  it("answers Maintenance.Hash at /v3/maintenance/hash, the uint32 as a JSON number", async () => {
    const h = await post(`${URL}/v3/maintenance/hash`, {});
    assert.equal(h.status, 200);
    assert.equal(h.json.hash, r.store.hash().hash);
    assert.equal((h.json.header as Record<string, unknown>).revision, String(r.store.revision));
  });

  it("grants, lists, asks about and revokes a lease", async () => {
    const g = await post(`${URL}/v3/lease/grant`, { TTL: 30 });
    assert.equal(g.status, 200);
    const id = g.json.ID as string;
    assert.match(id, /^\d+$/);
    assert.equal(g.json.TTL, "30");
    await post(`${URL}/v3/kv/put`, { key: b64("gw/leased"), value: b64("v"), lease: id });
    const ttl = await post(`${URL}/v3/lease/timetolive`, { ID: id, keys: true });
    assert.equal(ttl.json.grantedTTL, "30");
    assert.deepEqual(ttl.json.keys, [b64("gw/leased")]);
    const list = await post(`${URL}/v3/lease/leases`, {});
    assert.ok((list.json.leases as { ID: string }[]).some((l) => l.ID === id));
    assert.equal((await post(`${URL}/v3/kv/lease/revoke`, { ID: id })).status, 200);
    assert.deepEqual(Object.keys((await post(`${URL}/v3/kv/range`, { key: b64("gw/leased") })).json), ["header"]);
  });

  for (const h2 of [false, true]) {
    it(`streams a watch as newline-delimited {"result":...} over ${h2 ? "h2c" : "HTTP/1.1"}`, async () => {
      const key = b64(`gw/w${h2 ? 2 : 1}`);
      const w = new CurlStream([...(h2 ? ["--http2-prior-knowledge"] : []), "-d", JSON.stringify({ create_request: { key, prev_kv: true } }), `${URL}/v3/watch`]);
      streams.push(w);
      const created = JSON.parse(await w.waitFor("created", (l) => l.includes('"created":true'))) as { result: Record<string, unknown> };
      assert.equal(created.result.watch_id, undefined, "watch id 0 is left out");
      await post(`${URL}/v3/kv/put`, { key, value: b64("first") });
      await post(`${URL}/v3/kv/deleterange`, { key });
      const del = JSON.parse(await w.waitFor("the delete event", (l) => l.includes('"DELETE"'))) as { result: { events: Record<string, unknown>[] } };
      const ev = del.result.events[0]!;
      assert.equal(ev.type, "DELETE");
      assert.equal((ev.prev_kv as { value: string }).value, b64("first"));
      const put = JSON.parse(w.lines.find((l) => l.includes(b64("first")) && !l.includes("DELETE"))!) as { result: { events: Record<string, unknown>[] } };
      assert.equal(put.result.events[0]!.type, undefined, "PUT is enum 0 and left out");
      await w.close();
    });
  }

  for (const h2 of [false, true]) {
    it(`reads a watch body as it comes over ${h2 ? "h2c" : "HTTP/1.1 chunked"}: a cancel sent after the events ends that watcher`, async () => {
      const key = b64(`gw/live${h2 ? 2 : 1}`);
      const w = await LiveBody.open(PORT, "/v3/watch", h2);
      live.push(w);
      w.send(`${JSON.stringify({ create_request: { key, watch_id: "5" } })}\n`);
      await w.waitFor("created", (l) => l.includes('"created":true'));
      await post(`${URL}/v3/kv/put`, { key, value: b64("live") });
      await w.waitFor("the put event", (l) => l.includes(b64("live")));
      w.send(`${JSON.stringify({ cancel_request: { watch_id: "5" } })}\n`);
      const canceled = JSON.parse(await w.waitFor("the cancel", (l) => l.includes('"canceled":true'))) as { result: Record<string, unknown> };
      assert.equal(canceled.result.watch_id, "5");
      // A request split across writes is read once it is whole; the half-close keeps the stream.
      w.send('{"progress_req');
      w.send('uest":{}}\n');
      await w.waitFor("the progress answer", (l) => l.includes('"watch_id":"-1"'));
      w.endBody();
      w.send('{"not":"sent"}');
      w.close();
    });
  }

  it("ends a live watch body that is not JSON with the gateway's stream error", async () => {
    const w = await LiveBody.open(PORT, "/v3/watch", false);
    live.push(w);
    w.send('{"create_request":{"key":"eA=="}}\n');
    await w.waitFor("created", (l) => l.includes('"created":true'));
    w.send("}oops\n");
    const err = JSON.parse(await w.waitFor("the error", (l) => l.includes('"error"'))) as { error: Record<string, unknown> };
    assert.equal(err.error.grpc_code, 3);
    assert.equal(err.error.http_code, 400);
    w.close();
  });

  it("takes several watch requests in one body, a progress request among them", async () => {
    const w = new CurlStream(["-d", `${JSON.stringify({ create_request: { key: b64("gw/p") } })}\n{"progress_request":{}}`, `${URL}/v3/watch`]);
    streams.push(w);
    const progress = JSON.parse(await w.waitFor("the progress answer", (l) => l.includes('"watch_id":"-1"'))) as { result: Record<string, unknown> };
    assert.equal((progress.result.header as Record<string, unknown>).member_id, "7");
    await w.close();
  });

  it("ends a watch stream whose client went away", async () => {
    const before = r.server.watchCounts().streams;
    const w = new CurlStream(["-d", JSON.stringify({ create_request: { key: b64("gw/gone") } }), `${URL}/v3/watch`]);
    streams.push(w);
    await w.waitFor("created", (l) => l.includes('"created":true'));
    assert.equal(r.server.watchCounts().streams, before + 1);
    await w.close();
    const deadline = Date.now() + 5000;
    while (r.server.watchCounts().streams !== before) {
      if (Date.now() > deadline) assert.fail(`the stream of a client that left stays open: ${r.server.watchCounts().streams} streams`);
      await new Promise((res) => setTimeout(res, 20));
    }
  });

  it("takes the token of /v3/auth/authenticate in the Authorization header; health checks read as root", async () => {
    assert.equal((await post(`${URL}/v3/auth/user/add`, { name: "root", password: "pw" })).status, 200);
    assert.equal((await post(`${URL}/v3/auth/user/grant`, { user: "root", role: "root" })).status, 200);
    assert.equal((await post(`${URL}/v3/auth/enable`, {})).status, 200);
    try {
      const refused = await post(`${URL}/v3/kv/range`, { key: b64("gw/a") });
      assert.notEqual(refused.status, 200, JSON.stringify(refused.json));
      assert.equal(typeof refused.json.error, "string");
      const auth = await post(`${URL}/v3/auth/authenticate`, { name: "root", password: "pw" });
      assert.equal(auth.status, 200, JSON.stringify(auth.json));
      const token = auth.json.token as string;
      assert.ok(token.length > 0);
      const got = await post(`${URL}/v3/kv/range`, { key: b64("gw/a") }, ["-H", `Authorization: ${token}`]);
      assert.equal(got.status, 200, JSON.stringify(got.json));
      assert.equal((got.json.kvs as { value: string }[])[0]!.value, b64("uno"));
      assert.equal((await curl([`${URL}/readyz`])).status, 200);
      assert.equal((await curl([`${URL}/health`])).status, 200);
      assert.equal((await post(`${URL}/v3/auth/disable`, {}, ["-H", `Authorization: ${token}`])).status, 200);
    } finally {
      await post(`${URL}/v3/auth/disable`, {});
    }
    assert.equal((await post(`${URL}/v3/kv/range`, { key: b64("gw/a") })).status, 200, "auth is off again for the tests after");
  });

  it("answers the same JSON over h2c as over HTTP/1.1", async () => {
    const h1 = await curl(["-d", JSON.stringify({ key: b64("gw/a") }), `${URL}/v3/kv/range`]);
    const h2 = await curl(["--http2-prior-knowledge", "-d", JSON.stringify({ key: b64("gw/a") }), `${URL}/v3/kv/range`]);
    assert.equal(h2.status, 200);
    assert.equal(h2.body, h1.body);
  });
});
