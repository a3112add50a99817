// Maintenance.Snapshot (etcdctl snapshot save) over a LocalBackend: the stream is a consistent
// kv image followed by its SHA-256, as etcd sends it; the temporary image never outlives the call.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { LocalBackend } from "../../src/api/local-backend.ts";
import { type ClientServer, startClientServer } from "../../src/api/server.ts";
import { BACKUP_TEMP_PREFIX, sweepBackupTemps } from "../../src/api/snapshot.ts";
import { etcdserverpb } from "../../src/gen/etcd.js";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { etcdctl, requireEtcdctl } from "./harness.ts";

const PORT = 27500;
const CHUNK = 16 * 1024;
const enc = new TextEncoder();
const dec = new TextDecoder();

type Resp = etcdserverpb.SnapshotResponse;

const backupTemps = (dir: string) => readdirSync(dir).filter((n) => n.startsWith(BACKUP_TEMP_PREFIX));

async function waitFor(what: string, probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("Maintenance.Snapshot", () => {
  let dir: string;
  let store: MvccStore;
  let backend: LocalBackend;
  let server: ClientServer;
  let client: grpc.Client;

  const put = (key: string, value: string | Uint8Array) =>
    backend.write({ put: { key: enc.encode(key), value: typeof value === "string" ? enc.encode(value) : value } });

  const snapshotCall = () =>
    client.makeServerStreamRequest(
      "/etcdserverpb.Maintenance/Snapshot",
      (m: etcdserverpb.SnapshotRequest.$Properties) => Buffer.from(etcdserverpb.SnapshotRequest.encode(m).finish()),
      (b: Buffer) => etcdserverpb.SnapshotResponse.decode(b),
      {},
      { deadline: Date.now() + 20_000 },
    );

  /** The whole stream, or the error status that ended it. */
  const snapshot = () =>
    new Promise<Resp[]>((resolve, reject) => {
      const out: Resp[] = [];
      const call = snapshotCall();
      call.on("data", (m: Resp) => out.push(m));
      call.on("error", reject);
      call.on("end", () => resolve(out));
    });

  /** Checks etcd's framing (chunks, remaining_bytes counting down, SHA-256 last) and writes
   *  the image to a file; returns it. */
  const unpack = (msgs: Resp[], name: string) => {
    assert.ok(msgs.length >= 2, `at least one chunk and the hash, got ${msgs.length} messages`);
    const data = msgs.slice(0, -1);
    const last = msgs.at(-1)!;
    const image = Buffer.concat(data.map((m) => Buffer.from(m.blob)));
    let remaining = image.length;
    for (const m of data) {
      assert.ok(m.blob.length > 0 && m.blob.length <= CHUNK, `chunk of ${m.blob.length} bytes`);
      remaining -= m.blob.length;
      assert.equal(m.remainingBytes, remaining);
    }
    assert.equal(last.remainingBytes, 0);
    assert.equal(last.blob.length, 32);
    assert.deepEqual(Buffer.from(last.blob), createHash("sha256").update(image).digest(), "the last 32 bytes are the SHA-256 of the image");
    const file = join(dir, name);
    writeFileSync(file, image);
    return { file, image, header: msgs[0]!.header! };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "trireme-backup-api-"));
    store = MvccStore.open(join(dir, "kv.db"));
    backend = new LocalBackend(store, { clusterId: 0xb4c, memberId: 3 });
    server = await startClientServer({
      address: `127.0.0.1:${PORT}`,
      backend,
      limits: { max_request_bytes: 1536 * 1024, max_txn_ops: 128 },
      // Small chunks and copy steps: every stream here spans many messages and event-loop turns.
      snapshot: { chunkBytes: CHUNK, rowsPerStep: 50 },
    });
    client = new grpc.Client(`127.0.0.1:${PORT}`, grpc.credentials.createInsecure());
    // ~1.2 MB of data with history: 1,000 keys of 1 KiB, 100 of them overwritten, 20 deleted.
    const value = "v".repeat(1024);
    for (let i = 0; i < 1000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => put(`k/${String(i + j).padStart(4, "0")}`, value)));
    }
    for (let i = 0; i < 100; i++) await put(`k/${String(i).padStart(4, "0")}`, `second-${i}`);
    await backend.write({ deleteRange: { key: enc.encode("k/0980"), rangeEnd: enc.encode("k/1000") } });
  });
  after(async () => {
    client?.close();
    await server?.close(500);
    backend?.close();
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("streams the whole store as an image followed by its SHA-256", async () => {
    const { file, header } = unpack(await snapshot(), "whole.db");
    assert.equal(header.clusterId, 0xb4c);
    assert.equal(header.memberId, 3);
    assert.equal(header.revision, store.revision, "the header names the image's revision");
    const image = MvccStore.inspectImage(file);
    assert.equal(image.revision, store.revision);
    assert.equal(image.index, store.appliedIndex);
    assert.equal(image.sourceClusterId, 0xb4c, "the backup records the cluster it came from");
    const copy = MvccStore.open(file);
    try {
      const all = { key: enc.encode("\0"), rangeEnd: enc.encode("\0") };
      assert.deepEqual(copy.range(all), store.range(all), "the current keys");
      const old = { ...all, revision: 500 };
      assert.deepEqual(copy.range(old), store.range(old), "the history too");
      assert.equal(copy.range(all).count, 980);
    } finally {
      copy.close();
    }
    assert.deepEqual(backupTemps(dir), [], "the temporary image was removed");
  });

  test("the image is one point in time while writes continue, and concurrent snapshots do not clash", async () => {
    const before = store.revision;
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await put(`w/${String(i).padStart(5, "0")}`, "x");
    })();
    const [a, b] = await Promise.all([snapshot(), snapshot()]);
    writing = false;
    await writer;
    assert.ok(store.revision > before + 2, "writes were applied while the snapshots were taken");
    // One backup at a time (each needs free space about the size of kv.db): the second image is
    // taken after the first was streamed, while the writes went on.
    assert.ok(a[0]!.header!.revision! < b[0]!.header!.revision!, `a at ${a[0]!.header!.revision}, b at ${b[0]!.header!.revision}`);
    for (const [msgs, name] of [[a, "a.db"], [b, "b.db"]] as const) {
      const { file, header } = unpack(msgs, name);
      const copy = MvccStore.open(file);
      try {
        const rev = copy.revision;
        assert.equal(header.revision, rev);
        assert.ok(rev < store.revision, `${name}: writes went on after the image's point in time (${rev} < ${store.revision})`);
        // Exactly the writes up to the image's revision: the w/ keys got revisions before+1, +2, ...
        const w = copy.range({ key: enc.encode("w/"), rangeEnd: enc.encode("w0") });
        assert.equal(w.count, rev - before, `${name}: ${w.count} w/ keys at revision ${rev} (started at ${before})`);
        for (const kv of w.kvs ?? []) assert.ok(kv.modRevision <= rev);
      } finally {
        copy.close();
      }
    }
    assert.deepEqual(backupTemps(dir), []);
  });

  test("a client that cancels mid-stream leaves no temporary file, and the server keeps serving", async () => {
    const call = snapshotCall();
    const seen = await new Promise<number>((resolve, reject) => {
      call.on("error", (err: grpc.ServiceError) => {
        if (err.code !== grpc.status.CANCELLED) reject(err);
      });
      call.once("data", () => {
        // The image being streamed is on disk right now.
        const temps = backupTemps(dir).length;
        call.cancel();
        resolve(temps);
      });
    });
    assert.equal(seen, 1, "one temporary image while streaming");
    await waitFor("the temporary image to be removed after the cancel", () => backupTemps(dir).length === 0);
    const { file } = unpack(await snapshot(), "after-cancel.db");
    assert.equal(MvccStore.inspectImage(file).revision, store.revision);
  });

  test("a server that closes mid-stream ends the call with UNAVAILABLE and removes the image", async () => {
    const dir2 = mkdtempSync(join(tmpdir(), "trireme-backup-api-close-"));
    const store2 = MvccStore.open(join(dir2, "kv.db"));
    const backend2 = new LocalBackend(store2);
    const server2 = await startClientServer({
      address: `127.0.0.1:${PORT + 1}`,
      backend: backend2,
      limits: { max_request_bytes: 1536 * 1024, max_txn_ops: 128 },
      snapshot: { chunkBytes: 1024 },
    });
    const client2 = new grpc.Client(`127.0.0.1:${PORT + 1}`, grpc.credentials.createInsecure());
    try {
      // ~2 MB of image: far more than the HTTP/2 windows between a client that stops reading and the server.
      const big = new Uint8Array(1024);
      for (let i = 0; i < 1000; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => backend2.write({ put: { key: enc.encode(`c/${i + j}`), value: big } })));
      }
      const call = client2.makeServerStreamRequest(
        "/etcdserverpb.Maintenance/Snapshot",
        (m: etcdserverpb.SnapshotRequest.$Properties) => Buffer.from(etcdserverpb.SnapshotRequest.encode(m).finish()),
        (b: Buffer) => etcdserverpb.SnapshotResponse.decode(b),
        {},
      );
      const ended = new Promise<grpc.ServiceError | undefined>((resolve) => {
        call.on("error", resolve);
        call.on("end", () => resolve(undefined));
      });
      // The client stops reading after the first chunk: the server has to wait for 'drain'.
      await new Promise<void>((resolve) => call.once("data", () => (call.pause(), resolve())));
      assert.equal(backupTemps(dir2).length, 1, "the image being streamed is on disk");
      await server2.close(300);
      assert.deepEqual(backupTemps(dir2), [], "close() waits until the image is removed");
      call.resume();
      const err = await ended;
      assert.ok(err !== undefined, "the stream must not end as if complete");
      assert.ok([grpc.status.UNAVAILABLE, grpc.status.CANCELLED].includes(err.code), `ended with ${err.code} ${err.details}`);
    } finally {
      client2.close();
      await server2.close(100);
      backend2.close();
      store2.close();
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  test("a copy stopped part-way (the client left before the first chunk) leaves no file at all", async () => {
    const ac = new AbortController();
    const target = join(dir, `${BACKUP_TEMP_PREFIX}${process.pid}-aborted.db`);
    const copying = store.snapshotToAsync(target, { signal: ac.signal, rowsPerStep: 10 });
    setImmediate(() => ac.abort(new Error("client went away")));
    await assert.rejects(copying, /client went away/);
    assert.deepEqual(backupTemps(dir), [], "neither the image nor its .partial remain");
  });

  test("temporary images left by a dead process are swept; a live process's are kept", () => {
    const dead = `${BACKUP_TEMP_PREFIX}999999999-0123456789abcdef.db`;
    const deadPartial = `${dead}.partial`;
    const mine = `${BACKUP_TEMP_PREFIX}${process.ppid}-fedcba9876543210.db`; // a live process (our parent)
    for (const n of [dead, deadPartial, mine]) writeFileSync(join(dir, n), "x");
    assert.deepEqual(sweepBackupTemps(dir).sort(), [dead, deadPartial].sort());
    assert.ok(existsSync(join(dir, mine)));
    rmSync(join(dir, mine));
  });

  test("etcdctl snapshot save writes the image followed by its SHA-256", { timeout: 20_000 }, async () => {
    requireEtcdctl();
    const file = join(dir, "etcdctl-backup.db");
    const r = await etcdctl(`127.0.0.1:${PORT}`, ["snapshot", "save", file]);
    assert.equal(r.code, 0, `etcdctl snapshot save failed: ${r.stderr}`);
    assert.match(r.stdout, /Snapshot saved at/);
    const bytes = readFileSync(file);
    assert.equal(bytes.length % 512, 32, "a whole SQLite file plus 32 bytes, as etcdutl expects");
    const image = bytes.subarray(0, bytes.length - 32);
    assert.deepEqual(bytes.subarray(-32), createHash("sha256").update(image).digest());
    writeFileSync(join(dir, "etcdctl-image.db"), image);
    const copy = MvccStore.open(join(dir, "etcdctl-image.db"));
    try {
      assert.equal(copy.revision, store.revision);
      assert.equal(dec.decode(copy.range({ key: enc.encode("k/0001") }).kvs![0]!.value), "second-1");
    } finally {
      copy.close();
    }
    assert.ok(statSync(file).size > 1_000_000);
    assert.deepEqual(backupTemps(dir), []);
  });
});
