// Snapshots as etcd takes them: kv.db is the state machine's snapshot. Taking one for log
// compaction records where kv.db is durable (a marker, whatever the store's size); an image of
// the store is made only when a follower needs one; a member whose kv.db is behind its marker
// refuses to start instead of serving a store that misses compacted entries.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { createLogger } from "../../src/log/log.ts";
import { AddressBook } from "../../src/node/address-book.ts";
import { restoreState } from "../../src/node/restore.ts";
import { SnapshotManager, type SnapshotContext } from "../../src/node/snapshots.ts";
import { emptyMessage } from "../../src/raft/message.ts";
import { MessageType, type ConfState, type Message } from "../../src/raft/types.ts";
import { holdsImage, openDataDir, type DataDir } from "../../src/storage/index.ts";
import { Harness } from "../kv/helpers.ts";

const roots: string[] = [];
after(() => roots.forEach((d) => rmSync(d, { recursive: true, force: true })));
const log = createLogger({ level: "error", format: "json" }, () => {});
const persistence = { strategy: "DiskFirst", flush_policy: "Immediate", max_buffered_entries: 1000 } as const;

/** A data directory and a store with `puts` writes of 1 KiB, applied as entries 1..puts. */
async function member(puts: number): Promise<{ dir: string; data: DataDir; h: Harness; manager: SnapshotManager }> {
  const root = mkdtempSync(join(tmpdir(), "trireme-snapshots-"));
  roots.push(root);
  const dir = join(root, "data");
  const data = await openDataDir({ dir, clusterId: 7, nodeId: 1, persistence });
  const h = new Harness(join(dir, "kv.db"));
  const value = "v".repeat(1024);
  for (let i = 0; i < puts; i++) h.put(`k${i % 500}`, value);
  return { dir, data, h, manager: new SnapshotManager(data.snapshots, h.store, dir, 3, log) };
}

/** The membership grew from {1} to {1, 2} at index 10. */
const context: SnapshotContext = {
  confAt: (index): ConfState => ({ voters: index >= 10 ? [1, 2] : [1], learners: [] }),
  metadata: () => new AddressBook([]).encode(),
};

const snapMessage = (index: number): Message => ({
  ...emptyMessage(MessageType.Snap, 1, 2, 1),
  snapshot: { index, term: 1, conf: { voters: [1, 2], learners: [] } },
});

describe("SnapshotManager", () => {
  test("taking a snapshot copies nothing: a marker at the applied index, with its term and membership", async () => {
    const { data, h, manager } = await member(2000);
    try {
      const dbBytes = statSync(h.path).size + statSync(`${h.path}-wal`).size;
      assert.ok(dbBytes > 1_000_000, `the store holds ${dbBytes} bytes`);
      const taken = await manager.take(context);
      assert.ok(taken);
      assert.deepEqual([taken.index, taken.term], [2000, 1]);
      const [info] = await data.snapshots.list();
      assert.equal(holdsImage(info!), false, "no copy of the store");
      assert.ok(info!.size < 4096, `the marker is ${info!.size} bytes`);
      assert.deepEqual(info!.header.conf.voters, [1, 2]);
      assert.deepEqual(info!.header.metadata, new AddressBook([]).encode(), "the member table");
      assert.equal(manager.lastIndex, 2000);
    } finally {
      h.store.close();
      await data.close();
    }
  });

  test("a follower that needs a snapshot gets an image made on demand, once for every sender waiting", async () => {
    const { data, h, manager } = await member(300);
    try {
      await manager.take(context);
      h.put("after-marker", "x"); // the image is of the store as it is now: index 301
      const [a, b] = await Promise.all([manager.forSending(snapMessage(300), context), manager.forSending(snapMessage(300), context)]);
      assert.ok(a && b);
      assert.equal(a.info.file, b.info.file, "one image for both");
      assert.equal(holdsImage(a.info), true);
      assert.deepEqual([a.message.snapshot?.index, a.message.snapshot?.term], [301, 1], "the message describes the image");
      assert.deepEqual(a.message.snapshot?.conf.voters, [1, 2]);
      assert.equal((await data.snapshots.list()).filter(holdsImage).length, 1);
      // The image is a whole store: installed into another member, it serves the same data.
      const other = await member(0);
      try {
        const sink = other.manager.openSink(1);
        for await (const chunk of data.snapshots.readFile(a.info)) await sink.write(chunk);
        await sink.commit();
        await other.manager.install(a.message.snapshot!);
        assert.equal(other.h.store.appliedIndex, 301);
        assert.equal(new TextDecoder().decode(other.h.get("after-marker")!.value), "x");
      } finally {
        other.h.store.close();
        await other.data.close();
      }
      // An image newer than what the core asks for is reused, not made again.
      const again = await manager.forSending(snapMessage(120), context);
      assert.equal(again?.info.file, a.info.file);
    } finally {
      h.store.close();
      await data.close();
    }
  });

  test("a marker received from a peer is refused: it means nothing outside the directory that wrote it", async () => {
    const { data, h, manager } = await member(10);
    const peer = await member(10);
    try {
      await peer.manager.take(context);
      const [marker] = await peer.data.snapshots.list();
      const sink = manager.openSink(2);
      for await (const chunk of peer.data.snapshots.readFile(marker!)) await sink.write(chunk);
      await assert.rejects(sink.commit(), /snapshot at index 10 from member 2 has no kv image/);
      assert.deepEqual(await data.snapshots.list(), [], "nothing was kept");
    } finally {
      for (const m of [{ data, h }, peer]) {
        m.h.store.close();
        await m.data.close();
      }
    }
  });
});

describe("restore with a marker", () => {
  test("kv.db at or past the marker starts as it is; kv.db behind it is refused with both indexes", async () => {
    const { dir, data, h, manager } = await member(50);
    const older = join(dir, "..", "kv-older.db");
    try {
      await manager.take(context);
      copyFileSync(h.path, older);
      copyFileSync(`${h.path}-wal`, `${older}-wal`); // the store as it was at index 50
      h.store.applyBatch(Array.from({ length: 30 }, (_, i) => ({ index: 51 + i, term: 1, request: { put: { key: new Uint8Array([i]), value: new Uint8Array([i]) } } })));
      assert.equal((await manager.take(context))?.index, 80);
      data.log.compactPrefix(80, 1);
    } finally {
      h.store.close();
      await data.close();
    }
    const start = async (kvPath: string) => {
      const reopened = await openDataDir({ dir, clusterId: 7, nodeId: 1, persistence });
      const store = MvccStore.open(kvPath);
      try {
        const mgr = new SnapshotManager(reopened.snapshots, store, dir, 3, log);
        return await restoreState(reopened, store, mgr, new AddressBook([]), log, { voters: [1], learners: [] });
      } finally {
        store.close();
        await reopened.close();
      }
    };
    const { state } = await start(h.path);
    assert.deepEqual([state.snapshot.index, state.applied], [80, 80], "nothing to install");
    // kv.db replaced by a copy from before the marker: entries 51..80 are in neither.
    await assert.rejects(start(older), /kv\.db has applied up to index 50, but the log was compacted to index 80 .*kv\.db was lost or replaced/);
  });
});
