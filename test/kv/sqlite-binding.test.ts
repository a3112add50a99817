// The store behaves the same on both SQLite bindings the adapter supports, and a file written
// through one is read through the other (a Bun node and a Deno tool share data files).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { prefixEnd } from "../../src/kv/keys.ts";
import type { SqliteDriver } from "../../src/storage/sqlite.ts";
import { b, Harness, raw, s, tempDir } from "./helpers.ts";

const bindings: SqliteDriver[] = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? ["bun", "node"] : ["node"];

describe("SQLite bindings", () => {
  const t = tempDir();
  after(() => t.cleanup());

  for (const binding of bindings) {
    test(`${binding}:sqlite: writes, byte-order scans, history, compaction, snapshot`, () => {
      const h = new Harness(join(t.dir, `${binding}.db`), { binding });
      h.put(raw(0x61, 0xff), "hi");
      h.put(raw(0x61, 0x00), "lo");
      h.put("a", "1");
      h.put("a", "2");
      const keys = h.store.range({ key: b("a"), rangeEnd: prefixEnd(b("a")) }).kvs.map((kv) => Array.from(kv.key));
      assert.deepEqual(keys, [[0x61], [0x61, 0x00], [0x61, 0xff]]);
      assert.equal(s(h.get("a", { revision: 3 })!.value), "1");
      h.ok({ compaction: { revision: 4 } });
      assert.throws(() => h.get("a", { revision: 3 }), /compacted/);
      const img = h.store.snapshotTo(join(t.dir, `${binding}.img`));
      assert.equal(img.revision, 4);
      h.store.close();
    });
  }

  test("a file written through one binding opens through the other", { skip: bindings.length < 2 }, () => {
    const path = join(t.dir, "shared.db");
    const w = new Harness(path, { binding: "node" });
    w.put("k", "from-node");
    w.store.close();
    const r = new Harness(path, { binding: "bun" });
    assert.equal(s(r.get("k")!.value), "from-node");
    assert.equal(r.store.appliedIndex, 1);
    r.store.close();
  });
});
