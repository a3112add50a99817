// The server's contract with its KvBackend and its handling of bad input, driven by a raw
// grpc-js client so that malformed and oversized bytes can be sent.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { etcdserverpb } from "../../src/gen/etcd.js";
import type { KvBackend } from "../../src/api/backend.ts";
import type { LocalBackend } from "../../src/api/local-backend.ts";
import { GRPC_OVERHEAD_BYTES } from "../../src/api/server.ts";
import { Errors } from "../../src/kv/errors.ts";
import type { InternalRequest } from "../../src/kv/types.ts";
import { LIMITS, type Running, startLocal } from "./harness.ts";

const PORT = 22003;
const enc = new TextEncoder();

/** A LocalBackend whose barrier and writes the test controls, recording what it was asked. */
class ScriptedBackend implements KvBackend {
  barriers = 0;
  writes: InternalRequest[] = [];
  barrier: () => Promise<void> = () => Promise.resolve();
  constructor(private readonly inner: LocalBackend) {}
  get store() {
    return this.inner.store;
  }
  write(req: InternalRequest) {
    this.writes.push(req);
    return this.inner.write(req);
  }
  readBarrier() {
    this.barriers++;
    return this.barrier();
  }
  header() {
    return { ...this.inner.header(), raftTerm: 9 };
  }
  status() {
    return this.inner.status();
  }
  members() {
    return this.inner.members();
  }
  learner = false;
  isLearner() {
    return this.learner;
  }
}

type Answer = { err: grpc.ServiceError | null; bytes?: Buffer };

describe("client API server", () => {
  let r: Running;
  let backend: ScriptedBackend;
  let raw: grpc.Client;

  const call = (path: string, body: Uint8Array, deadlineMs = 5000): Promise<Answer> =>
    new Promise((resolve) => {
      raw.makeUnaryRequest(
        path,
        (b: Uint8Array) => Buffer.from(b),
        (b: Buffer) => b,
        body,
        { deadline: Date.now() + deadlineMs },
        (err, bytes) => resolve({ err: err ?? null, bytes }),
      );
    });
  const range = async (req: etcdserverpb.RangeRequest.$Properties) => {
    const a = await call("/etcdserverpb.KV/Range", etcdserverpb.RangeRequest.encode(req).finish());
    if (a.err) throw a.err;
    return etcdserverpb.RangeResponse.decode(a.bytes!);
  };
  const put = async (key: string, value: string | Uint8Array) => {
    const a = await call(
      "/etcdserverpb.KV/Put",
      etcdserverpb.PutRequest.encode({ key: enc.encode(key), value: typeof value === "string" ? enc.encode(value) : value })
        .finish(),
    );
    if (a.err) throw a.err;
    return etcdserverpb.PutResponse.decode(a.bytes!);
  };

  before(async () => {
    r = await startLocal(PORT, (inner) => (backend = new ScriptedBackend(inner)));
    raw = new grpc.Client(r.endpoint, grpc.credentials.createInsecure(), {
      "grpc.max_send_message_length": -1,
    });
  });
  after(async () => {
    raw?.close();
    await r?.stop();
  });

  test("response headers carry cluster, member, revision and term", async () => {
    const p = await put("a", "1");
    assert.deepEqual(
      [p.header!.clusterId, p.header!.memberId, p.header!.revision, p.header!.raftTerm],
      [0xc1a57e9, 7, 1, 9],
    );
  });

  test("a linearizable Range waits for the read barrier; a serializable one does not", async () => {
    const before = backend.barriers;
    let release!: () => void;
    backend.barrier = () => new Promise((res) => (release = res));
    let done = false;
    const pending = range({ key: enc.encode("a") }).then((resp) => {
      done = true;
      return resp;
    });
    const serial = await range({ key: enc.encode("a"), serializable: true });
    assert.equal(serial.kvs.length, 1);
    assert.equal(done, false, "the linearizable read must not answer before the barrier");
    assert.equal(backend.barriers, before + 1);
    release();
    const resp = await pending;
    assert.equal(Buffer.from(resp.kvs[0].value!).toString(), "1");
    backend.barrier = () => Promise.resolve();
  });

  test("a failing barrier surfaces etcd's 'no leader' as UNAVAILABLE", async () => {
    backend.barrier = () => Promise.reject(Errors.noLeader());
    try {
      const a = await call("/etcdserverpb.KV/Range", etcdserverpb.RangeRequest.encode({ key: enc.encode("a") }).finish());
      assert.equal(a.err?.code, grpc.status.UNAVAILABLE);
      assert.equal(a.err?.details, "etcdserver: no leader");
      // a read-only txn needs the barrier too; a serializable one does not
      const txn = etcdserverpb.TxnRequest.encode({ success: [{ requestRange: { key: enc.encode("a") } }] }).finish();
      assert.equal((await call("/etcdserverpb.KV/Txn", txn)).err?.details, "etcdserver: no leader");
      const stxn = etcdserverpb.TxnRequest.encode({
        success: [{ requestRange: { key: enc.encode("a"), serializable: true } }],
      }).finish();
      assert.equal((await call("/etcdserverpb.KV/Txn", stxn)).err, null);
    } finally {
      backend.barrier = () => Promise.resolve();
    }
  });

  test("read-only txns are served locally, write txns go through write()", async () => {
    const before = backend.writes.length;
    const ro = etcdserverpb.TxnRequest.encode({ success: [{ requestRange: { key: enc.encode("a") } }] }).finish();
    const a = await call("/etcdserverpb.KV/Txn", ro);
    assert.equal(a.err, null);
    assert.equal(etcdserverpb.TxnResponse.decode(a.bytes!).responses[0].responseRange!.kvs!.length, 1);
    assert.equal(backend.writes.length, before);
    const rw = etcdserverpb.TxnRequest.encode({ success: [{ requestPut: { key: enc.encode("w"), value: enc.encode("1") } }] })
      .finish();
    assert.equal((await call("/etcdserverpb.KV/Txn", rw)).err, null);
    assert.equal(backend.writes.length, before + 1);
  });

  test("a malformed message gets INVALID_ARGUMENT and the server keeps serving", async () => {
    const garbage = Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    const a = await call("/etcdserverpb.KV/Put", garbage);
    assert.equal(a.err?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(a.err!.details, /malformed request/);
    assert.equal((await put("b", "2")).header!.revision! > 0, true);
  });

  test("a request beyond the gRPC limit is refused by the transport and the server keeps serving", async () => {
    const huge = new Uint8Array(LIMITS.max_request_bytes + GRPC_OVERHEAD_BYTES + 1024);
    const a = await call(
      "/etcdserverpb.KV/Put",
      etcdserverpb.PutRequest.encode({ key: enc.encode("huge"), value: huge }).finish(),
    );
    assert.equal(a.err?.code, grpc.status.RESOURCE_EXHAUSTED);
    const p = await put("c", "3");
    assert.ok(p.header!.revision! > 0);
    assert.equal((await range({ key: enc.encode("huge") })).kvs.length, 0);
  });

  test("membership changes the backend does not support answer UNIMPLEMENTED", async () => {
    const a = await call(
      "/etcdserverpb.Cluster/MemberAdd",
      etcdserverpb.MemberAddRequest.encode({ peerURLs: ["http://x:1"] }).finish(),
    );
    assert.equal(a.err?.code, grpc.status.UNIMPLEMENTED);
    assert.match(a.err!.details, /MemberAdd is not supported yet/);
  });

  test("a learner serves Status, serializable Range and MemberList only, refusing the rest as etcd does", async () => {
    await put("learner-key", "v");
    backend.learner = true;
    try {
      const refused = "etcdserver: rpc not supported for learner";
      const lin = await call("/etcdserverpb.KV/Range", etcdserverpb.RangeRequest.encode({ key: enc.encode("learner-key") }).finish());
      assert.equal(lin.err?.code, grpc.status.UNAVAILABLE);
      assert.equal(lin.err?.details, refused);
      const ser = await range({ key: enc.encode("learner-key"), serializable: true });
      assert.equal(ser.kvs.length, 1);
      const status = await call("/etcdserverpb.Maintenance/Status", etcdserverpb.StatusRequest.encode({}).finish());
      assert.equal(status.err, null);
      const members = await call("/etcdserverpb.Cluster/MemberList", etcdserverpb.MemberListRequest.encode({}).finish());
      assert.equal(members.err, null);
      for (const [path, body] of [
        ["/etcdserverpb.KV/Put", etcdserverpb.PutRequest.encode({ key: enc.encode("k"), value: enc.encode("v") }).finish()],
        ["/etcdserverpb.KV/Txn", etcdserverpb.TxnRequest.encode({}).finish()],
        ["/etcdserverpb.Cluster/MemberAdd", etcdserverpb.MemberAddRequest.encode({ peerURLs: ["http://x:1"] }).finish()],
        ["/etcdserverpb.Maintenance/HashKV", etcdserverpb.HashKVRequest.encode({}).finish()],
        ["/etcdserverpb.Maintenance/Hash", etcdserverpb.HashRequest.encode({}).finish()],
      ] as const) {
        const a = await call(path, body);
        assert.equal(a.err?.details, refused, path);
      }
      const writesBefore = backend.writes.length;
      const watch = raw.makeBidiStreamRequest("/etcdserverpb.Watch/Watch", (b: Uint8Array) => Buffer.from(b), (b: Buffer) => b);
      const ended = new Promise<grpc.StatusObject>((resolve) => watch.on("status", resolve));
      watch.on("error", () => {});
      watch.write(etcdserverpb.WatchRequest.encode({ createRequest: { key: enc.encode("k") } }).finish());
      const st = await ended;
      assert.equal(st.code, grpc.status.UNAVAILABLE);
      assert.equal(st.details, refused);
      assert.equal(backend.writes.length, writesBefore, "nothing a learner refused reached the backend");
    } finally {
      backend.learner = false;
    }
  });

  test("Hash answers the store's hash at its revision, and a write changes it", async () => {
    const hash = async () => {
      const a = await call("/etcdserverpb.Maintenance/Hash", etcdserverpb.HashRequest.encode({}).finish());
      assert.equal(a.err, null);
      return etcdserverpb.HashResponse.decode(a.bytes!);
    };
    const before = await hash();
    assert.equal(before.hash, r.store.hash().hash);
    assert.equal(before.header!.revision, r.store.revision);
    await put("hash-key", "v");
    const after = await hash();
    assert.equal(after.header!.revision, before.header!.revision + 1);
    assert.notEqual(after.hash, before.hash);
    assert.equal(after.hash, r.store.hash().hash);
  });

  test("Status reports the store's revision and sizes", async () => {
    const a = await call("/etcdserverpb.Maintenance/Status", new Uint8Array(0));
    assert.equal(a.err, null);
    const s = etcdserverpb.StatusResponse.decode(a.bytes!);
    assert.equal(s.header!.revision, r.store.revision);
    assert.equal(s.raftAppliedIndex, r.store.appliedIndex);
    assert.ok(s.dbSize >= s.dbSizeInUse && s.dbSizeInUse > 0);
  });
});
