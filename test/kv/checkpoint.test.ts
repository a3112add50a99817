// kv.db's checkpointer thread: the applying connection never checkpoints, the worker keeps the
// WAL bounded, flush() syncs the WAL without the write lock, checkpointFully() is a FULL
// checkpoint, a process crash loses nothing committed (and
// with batches sharing transactions, only the open one), and closing the store ends the worker.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { Checkpointer, walBoundBytes } from "../../src/kv/checkpoint.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { openKvFile } from "../../src/kv/open.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";
import { b, tempDir } from "./helpers.ts";

const walSize = (path: string) => (existsSync(path + "-wal") ? statSync(path + "-wal").size : 0);
const turn = () => new Promise<void>((r) => setImmediate(r));

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function applyPuts(store: MvccStore, batches: number, perBatch: number, value: Uint8Array, keys = 200): void {
  let index = store.appliedIndex;
  for (let n = 0; n < batches; n++) {
    const entries = [];
    for (let i = 0; i < perBatch; i++) {
      index++;
      entries.push({ index, term: 1, request: { put: { key: b(`k${index % keys}`), value } } });
    }
    store.applyBatch(entries);
  }
}

describe("kv checkpointer", () => {
  const t = tempDir("trireme-ckpt-");
  after(() => t.cleanup());

  it("never checkpoints on the applying connection, and checkpointFully() leaves the data in kv.db with an empty WAL", async () => {
    const path = join(t.dir, "flush.db");
    // No periodic checkpoints: only checkpointFully() may move frames into the file.
    const store = MvccStore.open(path, { checkpoints: { batchesPerCheckpoint: 1e9, idleMs: 1e9, walBoundBytes: Infinity } });
    try {
      applyPuts(store, 200, 10, new Uint8Array(1024));
      // 2,000 puts of 1 KiB are well past SQLite's default 1,000-page autocheckpoint.
      assert.ok(walSize(path) > 4 * 1024 * 1024, `WAL ${walSize(path)} bytes: the applying connection checkpointed`);
      const r = await store.checkpointFully();
      assert.equal(r.busy, 0);
      assert.equal(r.done, r.log, "every WAL frame is in the database file");
      // The database file alone (its WAL ignored) has everything applied.
      const copy = join(t.dir, "flush-alone.db");
      copyFileSync(path, copy);
      const alone = openSqlite(copy, { readonly: true });
      try {
        const row = alone.prepare("SELECT value FROM meta WHERE name = 'applied_index'").get();
        assert.equal(row?.value, 2000);
        assert.equal(alone.prepare("SELECT count(*) AS n FROM history").get()?.n, 2000);
      } finally {
        alone.close();
      }
    } finally {
      store.close();
    }
  });

  it("flush() neither takes the write lock nor checkpoints: a reader pinned on an old snapshot does not hold it up, and kv.db with its WAL holds every put flushed", async () => {
    const path = join(t.dir, "sync.db");
    const store = MvccStore.open(path, { checkpoints: { batchesPerCheckpoint: 1e9, idleMs: 1e9, walBoundBytes: Infinity } });
    const reader = openSqlite(path, { readonly: true });
    try {
      applyPuts(store, 10, 10, new Uint8Array(64));
      await store.flush();
      // A read transaction on the first 100 puts: a FULL checkpoint now waits for it to end
      // (10 s of busy handler, then it gives up), since it may not copy frames past its snapshot.
      reader.exec("BEGIN");
      assert.equal(reader.prepare("SELECT count(*) AS n FROM history").get()?.n, 100);
      applyPuts(store, 10, 10, new Uint8Array(64));
      await store.flush();
      // What a crash leaves is kv.db with its WAL, and the two hold every put flushed.
      const copy = join(t.dir, "sync-copy.db");
      copyFileSync(path, copy);
      copyFileSync(`${path}-wal`, `${copy}-wal`);
      const restarted = openSqlite(copy);
      try {
        assert.equal(restarted.prepare("SELECT value FROM meta WHERE name = 'applied_index'").get()?.value, 200);
        assert.equal(restarted.prepare("SELECT count(*) AS n FROM history").get()?.n, 200);
      } finally {
        restarted.close();
      }
      reader.exec("COMMIT");
      // With no reader in the way, a flush that checkpointed would now copy every put into the
      // file; the file alone (its WAL ignored) still lacks the newest: flush() copied nothing.
      applyPuts(store, 10, 10, new Uint8Array(64));
      await store.flush();
      const alone = join(t.dir, "sync-alone.db");
      copyFileSync(path, alone);
      const file = openSqlite(alone, { readonly: true });
      try {
        const hasHistory = file.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'history'").get()?.n === 1;
        const rows = hasHistory ? Number(file.prepare("SELECT count(*) AS n FROM history").get()?.n) : 0;
        assert.ok(rows < 300, `kv.db alone holds ${rows} of the 300 puts: flush() checkpointed`);
      } finally {
        file.close();
      }
    } finally {
      reader.close();
      store.close();
    }
  });

  it("bounds the WAL in bytes: a batch past the bound checkpoints at once, and the next write cuts the file back to the bound", { timeout: 60_000 }, async () => {
    const path = join(t.dir, "bytes.db");
    const bound = walBoundBytes(path);
    assert.ok(bound >= 512 * 1024 && bound <= 16 * 1024 * 1024, `bound ${bound}`);
    // The applying connection as the store opens it (journal_size_limit = the bound).
    const { db } = openKvFile(path, { synchronous: "OFF" });
    // Only the byte bound may ask for a checkpoint here: no batch count, no idle timer.
    const ckpt = new Checkpointer(path, { batchesPerCheckpoint: 1e9, idleMs: 1e9 });
    try {
      db.exec("CREATE TABLE big (v BLOB)");
      const ins = db.prepare("INSERT INTO big VALUES (?)");
      const small = () => {
        db.exec("BEGIN");
        ins.run(new Uint8Array(100));
        db.exec("COMMIT");
        ckpt.noteBatch();
      };
      small();
      assert.equal(ckpt.completed, 0, "a batch under the bound asks for nothing");
      // One burst of large values, twice the bound.
      db.exec("BEGIN");
      for (let n = 0; n < (2 * bound) / (256 * 1024); n++) ins.run(new Uint8Array(256 * 1024));
      db.exec("COMMIT");
      assert.ok(walSize(path) > bound, `WAL ${walSize(path)} past the bound ${bound}`);
      ckpt.noteBatch();
      await until("the checkpoint the bound asked for", () => ckpt.completed === 1);
      small();
      assert.ok(walSize(path) <= bound, `the WAL restarted and was cut back to ${walSize(path)} <= ${bound}`);
    } finally {
      ckpt.close();
      db.close();
    }
  });

  it("keeps the WAL bounded under many applied batches", { timeout: 60_000 }, async () => {
    const path = join(t.dir, "bounded.db");
    const store = MvccStore.open(path, { checkpoints: { batchesPerCheckpoint: 8, idleMs: 20 } });
    try {
      let maxWal = 0;
      const value = new Uint8Array(1024);
      for (let round = 0; round < 20; round++) {
        for (let n = 0; n < 20; n++) {
          applyPuts(store, 1, 10, value);
          await turn();
        }
        // A pause in the writes lets the idle checkpoint truncate the WAL.
        maxWal = Math.max(maxWal, walSize(path));
        await until("the WAL to be truncated", () => walSize(path) === 0);
      }
      assert.equal(store.appliedIndex, 4000);
      // One burst writes ~4 MiB of WAL here; without checkpoints it would grow with every burst.
      assert.ok(maxWal < 16 * 1024 * 1024, `WAL reached ${maxWal} bytes`);
    } finally {
      store.close();
    }
  });

  /** Runs the apply-forever child on `path` until it applied 300 batches, kills it with
   *  SIGKILL, and returns the last index it had printed. */
  async function killMidApply(path: string, mode: "each" | "group"): Promise<number> {
    const child = spawn(process.execPath, [join(import.meta.dirname, "fixtures", "apply-forever.ts"), path, mode], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => child.on("exit", () => r()));
    try {
      await until("the child to apply 300 batches", () => out.split("\n").length > 300, 30_000);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    return Math.max(...out.split("\n").filter((l) => l !== "").map(Number));
  }

  it("loses nothing committed when the applying process is killed", { timeout: 60_000 }, async () => {
    const path = join(t.dir, "crash.db");
    const acknowledged = await killMidApply(path, "each");
    const store = MvccStore.open(path);
    try {
      assert.ok(store.appliedIndex >= acknowledged, `applied ${store.appliedIndex} < acknowledged ${acknowledged}`);
      const r = store.range({ key: b(`k${acknowledged}`) });
      assert.equal(r.kvs.length, 1);
    } finally {
      store.close();
    }
  });

  it("with batches sharing transactions, a kill loses only the open one: the store is the log's prefix up to its applied index", { timeout: 60_000 }, async () => {
    const path = join(t.dir, "crash-group.db");
    const applied = await killMidApply(path, "group");
    const store = MvccStore.open(path);
    try {
      const at = store.appliedIndex;
      assert.ok(at > 0 && at <= applied, `applied index ${at} after the child applied ${applied}`);
      assert.equal(at % 10, 0, "whole batches only");
      assert.equal(store.revision, at, "one revision per put, written with the applied index");
      assert.equal(store.range({ key: b("k"), rangeEnd: b("l"), countOnly: true }).count, at, "every put up to the applied index, none after");
      assert.equal(store.range({ key: b(`k${at}`) }).kvs.length, 1);
      assert.equal(store.range({ key: b(`k${at + 1}`) }).kvs.length, 0);
    } finally {
      store.close();
    }
  });

  it("closing the store ends the worker: a child that opens, writes and closes exits by itself", { timeout: 30_000 }, async () => {
    const code = `import { MvccStore } from ${JSON.stringify(join(import.meta.dirname, "../../src/kv/mvcc.ts"))};
      const s = MvccStore.open(${JSON.stringify(join(t.dir, "exit.db"))});
      s.apply({ index: 1, term: 1, request: { put: { key: new Uint8Array([1]), value: new Uint8Array([2]) } } });
      await s.flush();
      s.close();`;
    const child = spawn(process.execPath, ["-e", code], { stdio: "inherit" });
    const status = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => { child.kill("SIGKILL"); resolve(null); }, 15_000);
      child.on("exit", (c) => { clearTimeout(timer); resolve(c); });
    });
    assert.equal(status, 0, "the child did not exit within 15 s (a leaked worker keeps it alive)");
  });
});
