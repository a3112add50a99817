import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SnapshotStore, StorageError, type SnapshotInfo } from "../../src/storage/index.ts";
import { tempDir } from "./helpers.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

async function store(clusterId = 5, nodeId = 1): Promise<SnapshotStore> {
  const t = tempDir("snap");
  cleanups.push(t.cleanup);
  return SnapshotStore.open(t.dir, clusterId, nodeId);
}

function content(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; chunks: number[] }> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return { bytes: Buffer.concat(parts), chunks: parts.map((p) => p.byteLength) };
}

const conf = { voters: [1, 2, 3], learners: [4] };

describe("snapshot store", () => {
  test("write from chunks, list, read back content and file in chunks of a chosen size", async () => {
    const s = await store();
    const body = content(100_000);
    const meta = new TextEncoder().encode('{"1":"n1"}');
    const info = await s.write({ index: 120, term: 3, conf, metadata: meta }, [body.subarray(0, 70_000), body.subarray(70_000)]);
    assert.equal(info.index, 120);
    assert.equal(info.term, 3);
    assert.equal(info.contentLength, 100_000);
    assert.deepEqual(info.header.conf, conf);
    assert.deepEqual(info.header.metadata, meta);
    assert.equal(info.header.clusterId, 5);
    await s.verify(info);
    const c = await collect(s.readContent(info, 32 * 1024));
    assert.deepEqual(new Uint8Array(c.bytes), body);
    assert.deepEqual(c.chunks, [32768, 32768, 32768, 100_000 - 3 * 32768]);
    const f = await collect(s.readFile(info, 4096));
    assert.equal(f.bytes.length, info.size);
    assert.ok(f.chunks.every((n) => n <= 4096));
    assert.deepEqual(f.bytes, readFileSync(info.file));
    // The trailer is a SHA-256 over everything before it.
    const digest = createHash("sha256").update(f.bytes.subarray(0, f.bytes.length - 32 - 8)).digest();
    assert.deepEqual(f.bytes.subarray(f.bytes.length - 32), digest);
    assert.deepEqual((await s.list()).map((x) => x.index), [120]);
    assert.equal((await s.latest())?.index, 120);
    assert.deepEqual(readdirSync(s.dir).filter((n) => n.startsWith(".tmp")), [], "no temporary file left");
  });

  test("a flipped content byte fails verification, naming the file; the file is left as it was", async () => {
    const s = await store();
    const info = await s.write({ index: 10, term: 1, conf }, content(5000));
    const bytes = readFileSync(info.file);
    bytes[info.contentOffset + 1234] ^= 0xff;
    writeFileSync(info.file, bytes);
    const err = await s.verify(info).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof StorageError, "verify must reject");
    assert.equal(err.code, "bad-snapshot");
    assert.ok(err.message.includes(info.file), err.message);
    assert.match(err.message, /checksum mismatch/);
    assert.deepEqual(readFileSync(info.file), bytes);
  });

  test("a truncated file is reported by info()", async () => {
    const s = await store();
    const info = await s.write({ index: 10, term: 1, conf }, content(5000));
    writeFileSync(info.file, readFileSync(info.file).subarray(0, info.size - 100));
    await assert.rejects(s.list(), (e: unknown) => e instanceof StorageError && e.code === "bad-snapshot" && e.message.includes(info.file));
  });

  test("receive: bytes streamed from another member in odd-sized chunks are verified and installed", async () => {
    const leader = await store(5, 1);
    const follower = await store(5, 2);
    const info = await leader.write({ index: 77, term: 4, conf }, content(50_000, 3));
    // 997 bytes: chunks larger than the trailer; 7 bytes: the trailer spans several chunks.
    for (const chunkBytes of [997, 7]) {
      const got = await follower.receive(leader.readFile(info, chunkBytes), "node 1");
      assert.equal(got.index, 77);
      assert.equal(got.header.nodeId, 1);
      await follower.verify(got);
      assert.deepEqual(readFileSync(got.file), readFileSync(info.file));
    }
  });

  test("receive: a corrupt or truncated stream replaces nothing and leaves no file", async () => {
    const leader = await store(5, 1);
    const follower = await store(5, 2);
    const old = await follower.write({ index: 50, term: 2, conf }, content(1000));
    const info = await leader.write({ index: 77, term: 4, conf }, content(50_000, 3));
    const bytes = readFileSync(info.file);
    const corrupt = Buffer.from(bytes);
    corrupt[corrupt.length - 1000] ^= 1;
    await assert.rejects(follower.receive([corrupt], "node 1"), /snapshot received from node 1: checksum mismatch/);
    await assert.rejects(follower.receive([bytes.subarray(0, bytes.length - 10)], "node 1"), /truncated|checksum/);
    await assert.rejects(follower.receive([bytes.subarray(0, 10)], "node 1"), /truncated/);
    assert.deepEqual(readdirSync(follower.dir), [old.name], "only the old snapshot remains");
    await follower.verify(old);
  });

  test("receive: a snapshot of another cluster is refused", async () => {
    const other = await store(6, 1);
    const mine = await store(5, 2);
    const info = await other.write({ index: 3, term: 1, conf }, content(100));
    await assert.rejects(mine.receive(other.readFile(info)), (e: unknown) => e instanceof StorageError && e.code === "foreign-cluster");
    assert.deepEqual(readdirSync(mine.dir), []);
  });

  test("prune keeps the newest N by index", async () => {
    const s = await store();
    const infos: SnapshotInfo[] = [];
    for (const i of [10, 30, 20, 40]) infos.push(await s.write({ index: i, term: 1, conf }, content(10, i)));
    const removed = await s.prune(2);
    assert.equal(removed.length, 2);
    assert.deepEqual((await s.list()).map((x) => x.index), [30, 40]);
  });

  test("a large snapshot streams in and out without being held in memory", async () => {
    const s = await store();
    const chunk = content(1024 * 1024);
    const total = 64;
    async function* gen(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < total; i++) yield chunk;
    }
    const info = await s.write({ index: 1, term: 1, conf }, gen());
    assert.equal(info.contentLength, total * chunk.length);
    let n = 0;
    let max = 0;
    for await (const c of s.readContent(info)) {
      n += c.byteLength;
      max = Math.max(max, c.byteLength);
    }
    assert.equal(n, total * chunk.length);
    assert.equal(max, 1024 * 1024, "chunks are bounded by the chunk size");
    await s.verify(info);
  });
});
