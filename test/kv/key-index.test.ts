// The in-memory key index: byte order (keys above 0x7f included), the versions it keeps per
// key, what a compaction makes it forget (and reports for the history rows), and lease → keys.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { KeyIndex, type KeyEntry } from "../../src/kv/key-index.ts";
import { keyRange } from "../../src/kv/keys.ts";
import { b, raw, s } from "./helpers.ts";

function keysIn(index: KeyIndex, key: Uint8Array, end?: Uint8Array, descending = false): string[] {
  const out: string[] = [];
  index.scan(keyRange(key, end), (e: KeyEntry) => {
    out.push(Buffer.from(e.key).toString("hex"));
  }, descending);
  return out;
}

describe("KeyIndex", () => {
  test("scans in etcd's byte order, ascending and descending, with each kind of range", () => {
    const index = new KeyIndex();
    const keys = [raw(0x61), raw(0x61, 0x00), raw(0x7f), raw(0x80), raw(0xff), raw(0xff, 0xff), raw(0x00)];
    keys.forEach((k, i) => index.put(k, i + 1, 0, i + 1, 1, 0));
    assert.deepEqual(keysIn(index, raw(0x00), raw(0x00)), ["00", "61", "6100", "7f", "80", "ff", "ffff"], "every key (range_end \\0)");
    assert.deepEqual(keysIn(index, raw(0x61), raw(0x80)), ["61", "6100", "7f"]);
    assert.deepEqual(keysIn(index, raw(0x61), raw(0x80), true), ["7f", "6100", "61"]);
    assert.deepEqual(keysIn(index, raw(0x80), raw(0x00), true), ["ffff", "ff", "80"]);
    assert.deepEqual(keysIn(index, raw(0x7f)), ["7f"], "a single key");
    assert.deepEqual(keysIn(index, raw(0x62), raw(0x62)), [], "an empty range");
  });

  test("keeps every version until a compaction, then the newest at or below it unless it is a tombstone", () => {
    const index = new KeyIndex();
    index.put(b("a"), 1, 0, 1, 1, 0);
    index.put(b("a"), 3, 0, 1, 2, 0);
    index.tombstone(index.get(b("a"))!, 5, 0);
    index.put(b("a"), 7, 1, 7, 1, 0);
    index.put(b("z"), 2, 0, 2, 1, 0);
    index.tombstone(index.get(b("z"))!, 4, 0);
    const a = index.get(b("a"))!;
    assert.deepEqual([index.versionAt(a, 4), index.versionAt(a, 6), index.versionAt(a, 0)], [
      { rev: 3, sub: 0, tombstone: false },
      { rev: 5, sub: 0, tombstone: true },
      undefined,
    ]);
    assert.deepEqual(index.versionBefore(a, 7), { rev: 5, sub: 0, tombstone: true });
    const dropped: number[] = [];
    index.compact(4, dropped);
    assert.deepEqual(dropped, [1, 0, 2, 0, 4, 0], "a@1 superseded; z@2 and its tombstone z@4");
    assert.equal(index.get(b("z")), undefined, "a deleted key with nothing left goes");
    assert.deepEqual(a.revs, [3, 5, 7]);
    assert.equal(index.holds(b("a"), 3, 0), true);
    assert.equal(index.holds(b("a"), 1, 0), false);
    index.compact(6, dropped);
    assert.deepEqual(dropped.slice(6), [3, 0, 5, 0], "the tombstone at or below 6 goes with the version before it");
    assert.deepEqual(a.revs, [7]);
    assert.deepEqual(index.stats().keys, 1);
    assert.equal(index.aliveCount, 1);
  });

  test("lease → keys follows puts with, without and with another lease, and deletes", () => {
    const index = new KeyIndex();
    index.put(b("k2"), 1, 0, 1, 1, 9);
    index.put(b("k1"), 2, 0, 2, 1, 9);
    index.put(b("k3"), 3, 0, 3, 1, 9);
    assert.deepEqual(index.keysOf(9).map(s), ["k1", "k2", "k3"], "in key order");
    index.put(b("k3"), 4, 0, 3, 2, 0);
    index.put(b("k2"), 5, 0, 1, 2, 8);
    index.tombstone(index.get(b("k1"))!, 6, 0);
    assert.deepEqual(index.keysOf(9), []);
    assert.deepEqual(index.keysOf(8).map(s), ["k2"]);
    assert.equal(index.aliveCount, 2);
  });
});
