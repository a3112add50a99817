// The Watch service through gRPC: etcd's own etcdctl (a child process reading its stdout),
// the etcd3 npm client, and a raw grpc-js client for what neither exposes (fragments, a client
// that stops reading). Expected etcdctl outputs were taken from etcd 3.4.23 for the same writes.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Etcd3, type IKeyValue, type Watcher } from "etcd3";
import { etcdserverpb } from "../../src/gen/etcd.js";
import type { KvBackend } from "../../src/api/backend.ts";
import { LocalBackend } from "../../src/api/local-backend.ts";
import { type ClientServer, startClientServer } from "../../src/api/server.ts";
import { GrpcServer } from "../../src/grpc/server.ts";
import { createWatchServer, fragments, WatchService } from "../../src/api/watch.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import type { InternalRequest } from "../../src/kv/types.ts";
import { etcdctl, type Running, requireEtcdctl, startLocal } from "./harness.ts";

const enc = new TextEncoder();
const b = (s: string) => enc.encode(s);

async function until(cond: () => boolean, what: string, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** `etcdctl watch ...` left running, its output collected. */
class EtcdctlWatch {
  stdout = "";
  stderr = "";
  code: number | null = null;
  readonly #child: ChildProcess;
  readonly exited: Promise<number>;
  constructor(endpoint: string, args: string[]) {
    this.#child = spawn("etcdctl", [`--endpoints=${endpoint}`, "--dial-timeout=3s", "watch", ...args], {
      env: { ...process.env, ETCDCTL_API: "3" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child.stdout!.on("data", (d) => (this.stdout += d));
    this.#child.stderr!.on("data", (d) => (this.stderr += d));
    this.exited = new Promise((resolve) =>
      this.#child.on("close", (code) => {
        this.code = code ?? -1;
        resolve(this.code);
      })
    );
  }
  async stop(): Promise<void> {
    if (this.code === null) this.#child.kill("SIGTERM");
    await this.exited;
  }
}

describe("etcdctl watch against trireme", () => {
  let r: Running;
  const watches: EtcdctlWatch[] = [];
  const start = (args: string[]) => {
    const w = new EtcdctlWatch(r.endpoint, args);
    watches.push(w);
    return w;
  };
  const write = (req: InternalRequest) => r.backend.write(req);

  before(async () => {
    requireEtcdctl();
    r = await startLocal(29010);
  });
  after(async () => {
    for (const w of watches) await w.stop();
    await r?.stop();
  });

  test("watch --prefix prints puts and deletes as they are applied", async () => {
    const w = start(["--prefix", "foo"]);
    // The watcher exists once the hub listens to the store.
    await until(() => r.store.listenerCount > 0, "etcdctl's watcher to be created");
    await write({ put: { key: b("foo/a"), value: b("1") } });
    await write({ put: { key: b("bar"), value: b("not watched") } });
    await write({ put: { key: b("food"), value: b("2") } });
    await write({ deleteRange: { key: b("foo/a") } });
    const expected = "PUT\nfoo/a\n1\nPUT\nfood\n2\nDELETE\nfoo/a\n\n";
    await until(() => w.stdout.length >= expected.length, "three events on etcdctl's stdout");
    assert.equal(w.stdout, expected);
    await w.stop();
    await until(() => r.store.listenerCount === 0, "the watcher to go with its stream");
  });

  test("watch --rev replays history, with --prev-kv, then keeps watching", async () => {
    const first = r.store.revision + 1;
    await write({ put: { key: b("h/a"), value: b("1") } });
    await write({ put: { key: b("h/a"), value: b("2") } });
    await write({ deleteRange: { key: b("h/a") } });
    const w = start(["--prefix", "h/", "--rev", String(first), "--prev-kv"]);
    const history = "PUT\nh/a\n1\nPUT\nh/a\n1\nh/a\n2\nDELETE\nh/a\n2\nh/a\n\n";
    await until(() => w.stdout.length >= history.length, "the history on etcdctl's stdout");
    await write({ put: { key: b("h/b"), value: b("3") } });
    const expected = history + "PUT\nh/b\n3\n";
    await until(() => w.stdout.length >= expected.length, "the live event");
    assert.equal(w.stdout, expected);
  });

  test("watch -w json: etcd's header and event fields", async () => {
    const rev = r.store.revision + 1;
    await write({ put: { key: b("j"), value: b("v") } });
    const w = start(["j", "--rev", String(rev), "-w", "json"]);
    await until(() => w.stdout.includes("\n"), "one JSON line");
    const got = JSON.parse(w.stdout.split("\n")[0]);
    assert.deepEqual(got.Header, { cluster_id: 0xc1a57e9, member_id: 7, revision: rev, raft_term: 1 });
    assert.deepEqual(got.Events, [{
      kv: { key: Buffer.from("j").toString("base64"), create_revision: rev, mod_revision: rev, version: 1, value: "dg==" },
    }]);
  });

  test("watch --rev below the compaction point: canceled with etcd's message", async () => {
    await write({ put: { key: b("c"), value: b("1") } });
    const rev = r.store.revision;
    await write({ put: { key: b("c"), value: b("2") } });
    const out = await etcdctl(r.endpoint, ["compact", String(rev + 1)]);
    assert.equal(out.code, 0, out.stderr);
    const w = start(["c", "--rev", String(rev)]);
    const code = await Promise.race([w.exited, new Promise<number>((res) => setTimeout(() => res(-99), 4000))]);
    assert.equal(code, 5, `etcdctl should exit on its own (stderr: ${w.stderr})`);
    assert.equal(
      w.stderr,
      "watch was canceled (etcdserver: mvcc: required revision has been compacted)\nError: watch is canceled by the server\n",
    );
    assert.equal(w.stdout, "");
  });
});

describe("etcd3 npm client watchers against trireme", () => {
  let r: Running;
  let client: Etcd3;

  before(async () => {
    r = await startLocal(29011);
    client = new Etcd3({ hosts: r.endpoint });
  });
  after(async () => {
    client?.close();
    await r?.stop();
  });

  test("key watcher: put and delete events, then cancel", async () => {
    const watcher = await client.watch().key("k").create();
    const seen: string[] = [];
    watcher.on("put", (kv: IKeyValue) => seen.push(`put ${kv.key} ${kv.value} v${kv.version}`));
    watcher.on("delete", (kv: IKeyValue) => seen.push(`delete ${kv.key} @${kv.mod_revision}`));
    await client.put("k").value("1");
    await client.put("other").value("x");
    await client.put("k").value("2");
    await client.delete().key("k");
    await until(() => seen.length >= 3, "three events");
    assert.deepEqual(seen, ["put k 1 v1", "put k 2 v2", `delete k @${r.store.revision}`]);
    await watcher.cancel();
    await client.put("k").value("after cancel");
    // A second watcher on the same stream sees the put, the canceled one does not.
    const next = await client.watch().key("k").startRevision(String(r.store.revision)).create();
    const later: string[] = [];
    next.on("put", (kv: IKeyValue) => later.push(String(kv.value)));
    await until(() => later.length >= 1, "the replayed put");
    assert.deepEqual(later, ["after cancel"]);
    assert.equal(seen.length, 3);
    await next.cancel();
  });

  test("prefix watcher with previous values, put-only filter and a start revision", async () => {
    await client.put("p/a").value("old");
    const from = r.store.revision + 1;
    await client.put("p/a").value("new");
    await client.delete().key("p/a");
    await client.put("p/b").value("b1");
    const watcher: Watcher = await client.watch().prefix("p/").withPreviousKV().only("put").startRevision(String(from))
      .create();
    const seen: string[] = [];
    watcher.on("put", (kv: IKeyValue, prev?: IKeyValue) => seen.push(`${kv.key}=${kv.value} (was ${prev?.value ?? "-"})`));
    watcher.on("delete", (kv: IKeyValue) => seen.push(`unexpected delete ${kv.key}`));
    await until(() => seen.length >= 2, "the history");
    await client.put("p/b").value("b2");
    await until(() => seen.length >= 3, "the live put");
    assert.deepEqual(seen, ["p/a=new (was old)", "p/b=b1 (was -)", "p/b=b2 (was b1)"]);
    assert.equal(watcher.lastRevision(), String(r.store.revision + 1));
    await watcher.cancel();
  });

  test("a compacted start revision: the watcher errors with the reason", async () => {
    await client.put("z").value("1");
    const rev = r.store.revision;
    await client.put("z").value("2");
    await client.kv.compact({ revision: String(rev + 1) });
    const watcher = await client.watch().key("z").startRevision(String(rev)).create();
    const err = await new Promise<Error>((resolve) => watcher.on("error", resolve));
    assert.match(err.message, /Watcher canceled: etcdserver: mvcc: required revision has been compacted/);
  });
});

describe("watch streams that require a leader (etcdctl's WithRequireLeader)", () => {
  const dir = mkdtempSync(join(tmpdir(), "trireme-watch-leader-"));
  const store = MvccStore.open(join(dir, "kv.db"));
  const local = new LocalBackend(store, { memberId: 7 });
  let leader = 7;
  // A member whose view of the leader the test controls; writes still apply locally.
  const backend: KvBackend = {
    store,
    write: (req) => local.write(req),
    readBarrier: () => local.readBarrier(),
    header: () => local.header(),
    members: () => local.members(),
    status: () => ({ ...local.status(), leader }),
  };
  let server: ClientServer;
  let client: Etcd3;
  const endpoint = "127.0.0.1:29013";
  const watches: EtcdctlWatch[] = [];
  const start = (args: string[]) => {
    const w = new EtcdctlWatch(endpoint, args);
    watches.push(w);
    return w;
  };
  const noLeader = "watch was canceled (etcdserver: no leader)\nError: watch is canceled by the server\n";
  const exitWithin = (w: EtcdctlWatch, ms: number) =>
    Promise.race([w.exited, new Promise<number>((res) => setTimeout(() => res(-99), ms))]);

  before(async () => {
    requireEtcdctl();
    server = await startClientServer({
      address: endpoint,
      backend,
      limits: { max_request_bytes: 65536, max_txn_ops: 8 },
      watch: { leaderCheckMs: 50 },
    });
    client = new Etcd3({ hosts: endpoint });
  });
  after(async () => {
    for (const w of watches) await w.stop();
    client?.close();
    await server?.close(500);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("refused at once when the member knows no leader", async () => {
    leader = 0;
    const w = start(["k"]);
    assert.equal(await exitWithin(w, 4000), 5);
    assert.equal(w.stderr, noLeader);
  });

  test("ended after three leaderless checks; streams that did not ask keep watching", async () => {
    leader = 7;
    const w = start(["k"]);
    await until(() => store.listenerCount > 0, "etcdctl's watcher");
    // The etcd3 npm client does not send `hasleader`.
    const watcher = await client.watch().key("k").create();
    const seen: string[] = [];
    watcher.on("put", (kv: IKeyValue) => seen.push(String(kv.value)));
    await backend.write({ put: { key: b("k"), value: b("1") } });
    await until(() => w.stdout === "PUT\nk\n1\n" && seen.length === 1, "both watchers to see the put");
    const lost = Date.now();
    leader = 0;
    assert.equal(await exitWithin(w, 4000), 5);
    assert.ok(Date.now() - lost >= 100, "not before three checks of 50 ms");
    assert.equal(w.stderr, noLeader);
    await backend.write({ put: { key: b("k"), value: b("2") } });
    await until(() => seen.length === 2, "the npm client's watcher to go on");
    assert.deepEqual(seen, ["1", "2"]);
    await watcher.cancel();
    leader = 7;
  });
});

// A raw client for the service, as etcd's Go client sees it.
const rawDef = {
  Watch: {
    path: "/etcdserverpb.Watch/Watch",
    requestStream: true,
    responseStream: true,
    requestSerialize: (m: etcdserverpb.WatchRequest.$Properties) => Buffer.from(etcdserverpb.WatchRequest.encode(m).finish()),
    requestDeserialize: (buf: Buffer) => etcdserverpb.WatchRequest.decode(buf),
    responseSerialize: (m: etcdserverpb.WatchResponse.$Properties) => Buffer.from(etcdserverpb.WatchResponse.encode(m).finish()),
    responseDeserialize: (buf: Buffer) => etcdserverpb.WatchResponse.decode(buf),
  },
} satisfies grpc.ServiceDefinition;
type RawCall = grpc.ClientDuplexStream<etcdserverpb.WatchRequest.$Properties, etcdserverpb.WatchResponse>;

describe("Watch service: fragments, a client that stops reading, shutdown", () => {
  const dir = mkdtempSync(join(tmpdir(), "trireme-watch-api-"));
  const store = MvccStore.open(join(dir, "kv.db"));
  const maxRequestBytes = 2048;
  const ws = createWatchServer({
    store,
    header: (revision) => ({ clusterId: 1, memberId: 2, revision, raftTerm: 3 }),
    maxRequestBytes,
    hub: { maxQueuedBytes: 256 * 1024, catchUpEvents: 64 },
  });
  const server = new GrpcServer({ maxReceiveMessageBytes: 4 * 1024 * 1024 });
  const Client = grpc.makeGenericClientConstructor(rawDef, "Watch");
  let client: InstanceType<typeof Client>;
  let index = 0;
  const apply = (request: InternalRequest) => store.applyBatch([{ index: ++index, term: 1, request }]);
  const open = (): { call: RawCall; got: etcdserverpb.WatchResponse[]; status: Promise<grpc.StatusObject> } => {
    const call = (client as unknown as { Watch(): RawCall }).Watch();
    const got: etcdserverpb.WatchResponse[] = [];
    call.on("data", (m: etcdserverpb.WatchResponse) => got.push(m));
    call.on("error", () => {}); // the status below says how it ended
    const status = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    return { call, got, status };
  };

  before(async () => {
    server.addService(WatchService, ws.implementation);
    const port = await server.listen("127.0.0.1", 29012);
    client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    ws.close();
    await server.close(0);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("fragment: a large revision is split under max-request-bytes, all but the last marked", async () => {
    const { call, got } = open();
    call.write({ createRequest: { key: b("f/"), rangeEnd: b("f0"), fragment: true, watchId: 7 } });
    call.write({ createRequest: { key: b("f/"), rangeEnd: b("f0"), watchId: 8 } });
    await until(() => got.length >= 2, "two created answers");
    const value = new Uint8Array(700);
    apply({ txn: { success: [0, 1, 2, 3, 4, 5].map((i) => ({ requestPut: { key: b(`f/${i}`), value } })) } });
    await until(() => got.filter((m) => m.watchId === 8 && m.events.length > 0).length === 1, "the whole answer");
    await until(() => got.some((m) => m.watchId === 7 && m.events.length > 0 && !m.fragment), "the last fragment");
    const parts = got.filter((m) => m.watchId === 7 && m.events.length > 0);
    assert.ok(parts.length >= 3, `${parts.length} fragments`);
    assert.deepEqual(parts.map((m) => m.fragment), [...parts.slice(1).map(() => true), false]);
    for (const m of parts) assert.ok(etcdserverpb.WatchResponse.encode(m).finish().length < maxRequestBytes || m.events.length === 1);
    assert.deepEqual(parts.flatMap((m) => m.events.map((e) => String.fromCharCode(...e.kv!.key!))), ["f/0", "f/1", "f/2", "f/3", "f/4", "f/5"]);
    const whole = got.find((m) => m.watchId === 8 && m.events.length > 0)!;
    assert.equal(whole.fragment, false);
    assert.equal(whole.events.length, 6);
    call.cancel();
  });

  test("progress request: watch_id -1 and the current revision in a full header", async () => {
    const { call, got } = open();
    call.write({ createRequest: { key: b("p") } });
    call.write({ progressRequest: {} });
    await until(() => got.length >= 2, "created and progress answers");
    const progress = got[1];
    assert.equal(Number(progress.watchId), -1);
    assert.deepEqual(
      [progress.header!.clusterId, progress.header!.memberId, progress.header!.revision, progress.header!.raftTerm],
      [1, 2, store.revision, 3],
    );
    assert.equal(progress.events.length, 0);
    call.cancel();
  });

  test("a request that does not decode ends that stream with INVALID_ARGUMENT; the service goes on", async () => {
    const bytesDef = { Watch: { ...rawDef.Watch, requestSerialize: (buf: Buffer) => buf } } satisfies grpc.ServiceDefinition;
    const BytesClient = grpc.makeGenericClientConstructor(bytesDef, "Watch");
    const raw = new BytesClient(`127.0.0.1:29012`, grpc.credentials.createInsecure());
    try {
      const call = (raw as unknown as { Watch(): grpc.ClientDuplexStream<Buffer, etcdserverpb.WatchResponse> }).Watch();
      call.on("error", () => {});
      const status = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
      call.write(Buffer.from([0x0a, 0xff])); // field 1, length 255, then nothing
      const st = await status;
      assert.equal(st.code, grpc.status.INVALID_ARGUMENT);
      assert.match(st.details, /^\/etcdserverpb\.Watch\/Watch: malformed request/);
    } finally {
      raw.close();
    }
    const { call, got } = open();
    call.write({ createRequest: { key: b("still") } });
    await until(() => got.length >= 1, "a created answer on a new stream");
    call.cancel();
  });

  test("fragments(): a small answer or a single event is never split", () => {
    const one = { watchId: 1, events: [{ kv: { key: b("k"), value: new Uint8Array(5000) } }] };
    assert.deepEqual(fragments(one, 100), [one]);
    const small = { watchId: 1, events: [{ kv: { key: b("a") } }, { kv: { key: b("b") } }] };
    assert.deepEqual(fragments(small, 100), [small]);
  });

  test("a client that stops reading: bounded, then every revision in order once it reads again", async () => {
    const { call, got } = open();
    call.write({ createRequest: { key: b("s/"), rangeEnd: b("s0") } });
    await until(() => got.length >= 1, "created");
    call.pause();
    const value = new Uint8Array(4096);
    const first = store.revision + 1;
    const n = 1500; // ~6 MiB against a 256 KiB cap
    for (let i = 0; i < n; i++) {
      apply({ put: { key: b(`s/${i % 10}`), value } });
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => ws.hub.unsyncedCount === 1, "the watcher to fall back to history");
    call.resume();
    const revs = () => got.flatMap((m) => m.events.map((e) => e.kv!.modRevision as number));
    await until(() => revs().length >= n, `${n} events`);
    assert.deepEqual(revs(), Array.from({ length: n }, (_, i) => first + i));
    assert.equal(ws.hub.unsyncedCount, 0);
    call.cancel();
  });

  test("closing the service ends open streams at once with UNAVAILABLE", async () => {
    const { call, got, status } = open();
    call.write({ createRequest: { key: b("x") } });
    await until(() => got.length >= 1, "created");
    const t0 = Date.now();
    ws.close();
    const st = await status;
    assert.equal(st.code, grpc.status.UNAVAILABLE);
    assert.equal(st.details, "etcdserver: server stopped");
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(ws.hub.watcherCount, 0);
  });
});
