import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { Buffer } from "node:buffer";
import { prefixEnd } from "../../src/kv/keys.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { b, Harness, raw, s, tempDir, writeOldStore } from "./helpers.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";
import { SCHEMA_VERSION } from "../../src/kv/schema.ts";

const ALL = raw(0); // range_end "\0": every key >= key
const NONE = 0, ASCEND = 1, DESCEND = 2;
const T_KEY = 0, T_VERSION = 1, T_CREATE = 2, T_MOD = 3, T_VALUE = 4;

describe("MvccStore revisions and versions", () => {
  const t = tempDir();
  let h: Harness;
  before(() => (h = new Harness(join(t.dir, "kv.db"))));
  after(() => {
    h.store.close();
    t.cleanup();
  });

  test("each put is one revision; version counts puts since creation", () => {
    assert.equal(h.store.revision, 0);
    assert.equal(h.put("a", "1"), 1);
    assert.equal(h.put("a", "2"), 2);
    assert.equal(h.put("b", "x"), 3);
    const a = h.get("a")!;
    assert.deepEqual([a.createRevision, a.modRevision, a.version, s(a.value)], [1, 2, 2, "2"]);
    assert.equal(h.store.revision, 3);
    assert.equal(h.store.range({ key: b("a") }).header.revision, 3);
  });

  test("put with prev_kv returns the previous version", () => {
    const r = h.ok({ put: { key: b("a"), value: b("3"), prevKv: true } });
    assert.equal(r.op, "put");
    if (r.op !== "put") return;
    assert.equal(s(r.put.prevKv!.value), "2");
    assert.equal(r.put.prevKv!.modRevision, 2);
    assert.equal(r.put.header.revision, 4);
  });

  test("delete leaves a tombstone: gone now, visible in history, recreated with a new generation", () => {
    const r = h.ok({ deleteRange: { key: b("a"), prevKv: true } });
    assert.equal(r.op, "deleteRange");
    if (r.op !== "deleteRange") return;
    assert.equal(r.deleteRange.deleted, 1);
    assert.equal(s(r.deleteRange.prevKvs[0].value), "3");
    assert.equal(r.deleteRange.header.revision, 5);
    assert.equal(h.get("a"), undefined);
    assert.equal(s(h.get("a", { revision: 4 })!.value), "3");
    assert.equal(s(h.get("a", { revision: 1 })!.value), "1");
    assert.equal(h.put("a", "new"), 6);
    const a = h.get("a")!;
    assert.deepEqual([a.createRevision, a.modRevision, a.version], [6, 6, 1]);
    assert.equal(h.get("a", { revision: 5 }), undefined, "at the tombstone's revision the key does not exist");
  });

  test("deleting nothing does not create a revision", () => {
    const before = h.store.revision;
    assert.equal(h.del("nope"), 0);
    assert.equal(h.store.revision, before);
  });

  test("reads at a future revision fail with etcd's error", () => {
    assert.throws(() => h.store.range({ key: b("a"), revision: h.store.revision + 1 }), {
      message: "etcdserver: mvcc: required revision is a future revision",
    });
  });

  test("ignore_value keeps the value and needs an existing key", () => {
    const rev = h.store.revision;
    const r = h.write({ put: { key: b("missing"), ignoreValue: true } });
    assert.equal(r.op, "error");
    if (r.op === "error") assert.equal(r.error.message, "etcdserver: key not found");
    assert.equal(h.store.revision, rev, "a refused write creates no revision");
    h.ok({ put: { key: b("b"), ignoreValue: true } });
    const kv = h.get("b")!;
    assert.equal(s(kv.value), "x");
    assert.equal(kv.version, 2);
  });

  test("a put with a lease is refused: leases do not exist", () => {
    const rev = h.store.revision;
    const r = h.write({ put: { key: b("l"), value: b("v"), lease: 42 } });
    assert.equal(r.op, "error");
    if (r.op === "error") {
      assert.equal(r.error.message, "etcdserver: requested lease not found");
      assert.equal(r.error.code, 5);
    }
    assert.equal(h.store.revision, rev);
    assert.equal(h.get("l"), undefined);
  });
});

describe("MvccStore ranges", () => {
  const t = tempDir();
  let h: Harness;
  before(() => {
    h = new Harness(join(t.dir, "kv.db"));
    // revisions: k1=1, k2=2, k3=3, k1 again=4 (version 2), k4=5
    h.put("k1", "c");
    h.put("k2", "a");
    h.put("k3", "b");
    h.put("k1", "d");
    h.put("k4", "a");
  });
  after(() => {
    h.store.close();
    t.cleanup();
  });

  test("prefix ranges in key order, limit sets more and leaves count whole", () => {
    const r = h.store.range({ key: b("k"), rangeEnd: prefixEnd(b("k")), limit: 2 });
    assert.deepEqual(r.kvs.map((kv) => s(kv.key)), ["k1", "k2"]);
    assert.equal(r.more, true);
    assert.equal(r.count, 4);
    const all = h.store.range({ key: b("k"), rangeEnd: prefixEnd(b("k")), limit: 4 });
    assert.equal(all.more, false);
    assert.equal(all.count, 4);
  });

  test("count_only and keys_only", () => {
    const c = h.store.range({ key: b("k"), rangeEnd: prefixEnd(b("k")), countOnly: true });
    assert.equal(c.count, 4);
    assert.equal(c.kvs.length, 0);
    const k = h.store.range({ key: b("k2"), keysOnly: true });
    assert.equal(s(k.kvs[0].key), "k2");
    assert.equal(k.kvs[0].value.length, 0);
    assert.equal(k.kvs[0].modRevision, 2);
  });

  test("sort by each target in both orders", () => {
    const end = prefixEnd(b("k"));
    const order = (sortTarget: number, sortOrder: number) => h.keys(b("k"), end, { sortTarget, sortOrder });
    assert.deepEqual(order(T_KEY, DESCEND), ["k4", "k3", "k2", "k1"]);
    assert.deepEqual(order(T_KEY, ASCEND), ["k1", "k2", "k3", "k4"]);
    assert.deepEqual(order(T_MOD, DESCEND), ["k4", "k1", "k3", "k2"]);
    assert.deepEqual(order(T_CREATE, ASCEND), ["k1", "k2", "k3", "k4"]);
    assert.deepEqual(order(T_VERSION, DESCEND)[0], "k1");
    // VALUE ascending: a(k2), a(k4), b(k3), d(k1); ties keep key order
    assert.deepEqual(order(T_VALUE, ASCEND), ["k2", "k4", "k3", "k1"]);
    // a non-KEY target with order NONE sorts ascending, as etcd does
    assert.deepEqual(order(T_MOD, NONE), ["k2", "k3", "k1", "k4"]);
  });

  test("keys_only still sorts by value", () => {
    const r = h.store.range({ key: b("k"), rangeEnd: prefixEnd(b("k")), sortTarget: T_VALUE, sortOrder: DESCEND, keysOnly: true });
    assert.deepEqual(r.kvs.map((kv) => s(kv.key)), ["k1", "k3", "k2", "k4"]);
    assert.ok(r.kvs.every((kv) => kv.value.length === 0));
  });

  test("sort then limit: the limit applies after sorting", () => {
    const r = h.store.range({ key: b("k"), rangeEnd: prefixEnd(b("k")), sortTarget: T_MOD, sortOrder: DESCEND, limit: 1 });
    assert.deepEqual(r.kvs.map((kv) => s(kv.key)), ["k4"]);
    assert.equal(r.more, true);
    assert.equal(r.count, 4);
  });

  test("min/max mod and create revision filters", () => {
    const end = prefixEnd(b("k"));
    assert.deepEqual(h.keys(b("k"), end, { minModRevision: 4 }), ["k1", "k4"]);
    assert.deepEqual(h.keys(b("k"), end, { maxModRevision: 3 }), ["k2", "k3"]);
    assert.deepEqual(h.keys(b("k"), end, { minCreateRevision: 2, maxCreateRevision: 3 }), ["k2", "k3"]);
    const r = h.store.range({ key: b("k"), rangeEnd: end, minModRevision: 4 });
    assert.equal(r.count, 4, "count is the whole range, unaffected by filters (etcd)");
  });

  test("history reads see the store as of that revision, with limit", () => {
    const r = h.store.range({ key: b("k"), rangeEnd: prefixEnd(b("k")), revision: 3, limit: 2 });
    assert.deepEqual(r.kvs.map((kv) => `${s(kv.key)}=${s(kv.value)}`), ["k1=c", "k2=a"]);
    assert.equal(r.more, true);
    assert.equal(r.count, 3);
    assert.equal(r.header.revision, 5, "the header carries the current revision");
  });

  test("an empty or inverted range returns nothing", () => {
    assert.deepEqual(h.keys(b("k3"), b("k1")), []);
    assert.deepEqual(h.keys(b("k2"), b("k2")), []);
  });
});

describe("MvccStore byte-order keys", () => {
  const t = tempDir();
  let h: Harness;
  before(() => {
    h = new Harness(join(t.dir, "kv.db"));
    for (const k of [raw(0xff), raw(0x00), raw(0x61, 0xff), raw(0x61), raw(0x62), raw(0x61, 0x00), raw(0xff, 0xff)]) {
      h.put(k, "v");
    }
  });
  after(() => {
    h.store.close();
    t.cleanup();
  });

  const hex = (u: Uint8Array) => Buffer.from(u).toString("hex");

  test("keys are ordered as bytes, \\x00 first and \\xff last", () => {
    const r = h.store.range({ key: raw(0), rangeEnd: ALL });
    assert.deepEqual(r.kvs.map((kv) => hex(kv.key)), ["00", "61", "6100", "61ff", "62", "ff", "ffff"]);
  });

  test("the prefix of a\\xff ends at b; the prefix of \\xff\\xff is unbounded", () => {
    assert.equal(hex(prefixEnd(raw(0x61, 0xff))), "62");
    assert.equal(hex(prefixEnd(raw(0xff, 0xff))), "00");
    const r = h.store.range({ key: raw(0x61), rangeEnd: prefixEnd(raw(0x61)) });
    assert.deepEqual(r.kvs.map((kv) => hex(kv.key)), ["61", "6100", "61ff"]);
    const ff = h.store.range({ key: raw(0xff), rangeEnd: prefixEnd(raw(0xff)) });
    assert.deepEqual(ff.kvs.map((kv) => hex(kv.key)), ["ff", "ffff"]);
  });

  test("from-key with range_end \\0 and a delete of everything", () => {
    const r = h.store.range({ key: raw(0x62), rangeEnd: ALL });
    assert.deepEqual(r.kvs.map((kv) => hex(kv.key)), ["62", "ff", "ffff"]);
    const rev = h.store.revision;
    const d = h.ok({ deleteRange: { key: raw(0), rangeEnd: ALL } });
    assert.equal(d.op === "deleteRange" && d.deleteRange.deleted, 7);
    assert.equal(h.store.revision, rev + 1, "one delete of many keys is one revision");
    assert.equal(h.store.range({ key: raw(0), rangeEnd: ALL }).count, 0);
  });
});

describe("MvccStore compaction", () => {
  const t = tempDir();
  let h: Harness;
  before(() => {
    h = new Harness(join(t.dir, "kv.db"));
    h.put("x", "1"); // 1
    h.put("x", "2"); // 2
    h.put("y", "1"); // 3
    h.del("y"); // 4
    h.put("x", "3"); // 5
  });
  after(() => {
    h.store.close();
    t.cleanup();
  });

  test("compacting to a future revision is refused", () => {
    const r = h.write({ compaction: { revision: 99 } });
    assert.equal(r.op === "error" && r.error.message, "etcdserver: mvcc: required revision is a future revision");
  });

  test("after compaction, reads below it fail and reads at or above it still work", () => {
    const r = h.ok({ compaction: { revision: 4 } });
    assert.equal(r.op === "compaction" && r.compaction.header.revision, 5);
    assert.equal(h.store.compactRevision, 4);
    assert.throws(() => h.store.range({ key: b("x"), revision: 3 }), {
      message: "etcdserver: mvcc: required revision has been compacted",
      code: 11,
    } as object);
    assert.equal(s(h.get("x", { revision: 4 })!.value), "2", "the newest version at the compaction revision is kept");
    assert.equal(h.get("y", { revision: 4 }), undefined);
    assert.equal(s(h.get("x")!.value), "3");
    assert.equal(h.get("x")!.version, 3);
  });

  test("the obsolete rows are removed in the background, leaving exactly what reads need", async () => {
    await h.store.compactionIdle();
    const st = h.store.stats();
    assert.equal(st.compactedUpTo, 4);
    // x@2 (newest at or below 4) and x@5 survive; y@3 and its tombstone y@4 are gone.
    assert.equal(st.historyRows, 2);
    assert.equal(st.keys, 1);
    assert.equal(s(h.get("x", { revision: 4 })!.value), "2");
    assert.equal(s(h.get("x", { revision: 5 })!.value), "3");
  });

  test("a compaction over many writes does not block: it returns before the history is cleaned", async () => {
    const base = h.store.revision;
    for (let i = 0; i < 3000; i++) h.put(`m${i % 100}`, String(i)); // write i is revision base+i+1
    const target = base + 2900;
    const rowsBefore = h.store.stats().historyRows;
    h.ok({ compaction: { revision: target } });
    assert.ok(h.store.stats().compactedUpTo < target, "cleanup runs in steps after apply returns");
    assert.throws(() => h.get("m1", { revision: target - 1 }), /compacted/);
    await h.store.compactionIdle();
    const after = h.store.stats();
    assert.equal(after.compactedUpTo, target);
    assert.ok(after.historyRows < rowsBefore / 10, `${after.historyRows} rows left of ${rowsBefore}`);
    // each m key keeps its newest version at or below target, plus its versions above it
    // x keeps x@5 (x@2 is now superseded below target); each m key keeps its newest version
    // at or below target and the one above it
    assert.equal(after.historyRows, 1 + 100 + 100);
    for (let k = 0; k < 100; k += 17) {
      const at = h.get(`m${k}`, { revision: target })!;
      assert.equal(s(at.value), String(2800 + k));
      assert.equal(at.version, 29);
      assert.equal(s(h.get(`m${k}`)!.value), String(2900 + k));
    }
  });

  test("compacting again at or below the compacted revision is refused", () => {
    for (const revision of [4, 2]) {
      const r = h.write({ compaction: { revision } });
      assert.equal(r.op === "error" && r.error.message, "etcdserver: mvcc: required revision has been compacted");
    }
  });
});

describe("MvccStore durability and idempotent apply", () => {
  const t = tempDir();
  after(() => t.cleanup());

  test("entries at or below the applied index are skipped after a reopen", () => {
    const path = join(t.dir, "kv.db");
    const first = new Harness(path);
    first.put("a", "1");
    first.put("b", "2");
    first.del("a");
    first.store.close();

    const store = new Harness(path).store;
    assert.equal(store.appliedIndex, 3);
    assert.equal(store.revision, 3);
    // The log replays from 1: the first three entries were applied already.
    const replay = [
      { index: 1, term: 1, request: { put: { key: b("a"), value: b("1") } } },
      { index: 2, term: 1, request: { put: { key: b("b"), value: b("2") } } },
      { index: 3, term: 1, request: { deleteRange: { key: b("a") } } },
      { index: 4, term: 2, request: null },
      { index: 5, term: 2, request: { put: { key: b("b"), value: b("3") } } },
    ];
    const results = store.applyBatch(replay);
    assert.deepEqual(results.slice(0, 4), [null, null, null, null]);
    assert.equal(results[4]!.op, "put");
    assert.equal(store.appliedIndex, 5);
    assert.equal(store.appliedTerm, 2);
    assert.equal(store.revision, 4);
    const kv = store.range({ key: b("b") }).kvs[0];
    assert.deepEqual([kv.version, kv.createRevision, kv.modRevision], [2, 2, 4]);
    assert.equal(store.range({ key: b("a") }).count, 0);
    store.close();
  });

  test("a file that is not a kv store is refused with its name", () => {
    const path = join(t.dir, "garbage.db");
    writeFileSync(path, "this is not sqlite at all, not even close".repeat(100));
    assert.throws(() => new Harness(path), (err: Error) => err.message.includes(path));
  });
});

describe("MvccStore hashKv and defragment", () => {
  const t = tempDir();
  after(() => t.cleanup());

  test("replicas that applied the same entries hash the same; any difference changes the hash", async () => {
    const a = new Harness(join(t.dir, "a.db")), c = new Harness(join(t.dir, "c.db"));
    for (const h of [a, c]) {
      h.put("x", "1");
      h.put("y", "2");
      h.del("x");
    }
    assert.equal(a.store.hashKv().hash, c.store.hashKv().hash);
    const at2 = a.store.hashKv(2);
    assert.equal(at2.revision, 2);
    c.put("z", "3");
    assert.notEqual(a.store.hashKv().hash, c.store.hashKv().hash);
    assert.equal(c.store.hashKv(3).hash, a.store.hashKv(3).hash, "hashes at an older revision still agree");
    assert.throws(() => a.store.hashKv(99), { message: "etcdserver: mvcc: required revision is a future revision" });
    // many rows: the paging walks all of them
    for (let i = 0; i < 2500; i++) a.put(`bulk${String(i).padStart(5, "0")}`, "v");
    for (let i = 0; i < 2500; i++) c.put(`bulk${String(i).padStart(5, "0")}`, "v");
    assert.notEqual(a.store.hashKv().hash, c.store.hashKv().hash, "c still has z");
    a.put("z", "3");
    assert.equal(a.store.revision, c.store.revision);
    assert.notEqual(a.store.hashKv().hash, c.store.hashKv().hash, "same keys, but z was written at different revisions");
    await a.store.defragment();
    assert.equal(s(a.get("bulk02499")!.value), "v");
    a.store.close();
    c.store.close();
  });
});

describe("MvccStore snapshots", () => {
  const t = tempDir();
  after(() => t.cleanup());

  test("snapshotTo + restoreFrom round trip replaces the whole store", () => {
    const src = new Harness(join(t.dir, "src.db"));
    for (let i = 0; i < 50; i++) src.put(`key${i}`, `value${i}`);
    src.del("key7");
    const image = src.store.snapshotTo(join(t.dir, "snap.img"));
    assert.equal(image.index, 51);
    assert.equal(image.revision, 51);
    assert.ok(image.bytes > 0);
    src.put("after", "snapshot"); // not in the image

    const dst = new Harness(join(t.dir, "dst.db"));
    dst.put("stale", "data");
    const restored = dst.store.restoreFrom(join(t.dir, "snap.img"));
    assert.equal(restored.index, 51);
    assert.equal(dst.store.appliedIndex, 51);
    assert.equal(dst.store.revision, 51);
    assert.equal(dst.get("stale"), undefined);
    assert.equal(dst.get("after"), undefined);
    assert.equal(s(dst.get("key42")!.value), "value42");
    assert.equal(dst.get("key7"), undefined);
    assert.equal(s(dst.get("key7", { revision: 50 })!.value), "value7", "history travels with the image");
    // The restored store keeps working and survives a reopen.
    dst.index = dst.store.appliedIndex;
    dst.put("later", "x");
    dst.store.close();
    const reopened = new Harness(join(t.dir, "dst.db"));
    assert.equal(reopened.store.appliedIndex, 52);
    assert.equal(s(reopened.get("later")!.value), "x");
    reopened.store.close();
    src.store.close();
  });

  test("snapshotToAsync images the store as it was when the copy began, while writes go on", async () => {
    const src = new Harness(join(t.dir, "busy.db"));
    for (let i = 0; i < 3000; i++) src.put(`k${String(i).padStart(5, "0")}`, `v${i}`);
    src.del("k00010");
    const atStart = { index: src.store.appliedIndex, revision: src.store.revision };
    let maxGap = 0, last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 1);
    const pending = src.store.snapshotToAsync(join(t.dir, "busy.img"), { rowsPerStep: 200 });
    // The store keeps applying while the image is written.
    for (let i = 0; i < 50; i++) {
      src.put(`late${i}`, "x");
      await new Promise((r) => setImmediate(r));
    }
    const image = await pending;
    clearInterval(ticker);
    assert.equal(image.index, atStart.index);
    assert.equal(image.revision, atStart.revision);
    assert.ok(maxGap < 250, `event loop stalled ${maxGap.toFixed(0)} ms`);
    const dst = new Harness(join(t.dir, "busy-restored.db"));
    dst.store.restoreFrom(join(t.dir, "busy.img"));
    assert.equal(dst.store.revision, atStart.revision);
    assert.equal(dst.get("late0"), undefined);
    assert.equal(dst.get("k00010"), undefined);
    assert.equal(s(dst.get("k00010", { revision: atStart.revision - 1 })!.value), "v10");
    assert.equal(dst.store.hashKv().hash, src.store.hashKv(atStart.revision).hash);
    dst.store.close();
    src.store.close();
  });

  test("snapshotToAsync bounds a step by bytes too: large values are copied a few per turn, all intact", async () => {
    // A copy step (backups and Raft snapshots) must be bounded by bytes, not only rows: 2,000
    // rows of 1 MiB values in one synchronous step stalled a leader for seconds and deposed it.
    // With a 1 MiB budget, 24 values of 300 KiB take at least 6 turns.
    const src = new Harness(join(t.dir, "big.db"));
    const big = (i: number) => new Uint8Array(300 * 1024).fill(i);
    for (let i = 0; i < 24; i++) src.put(`b${String(i).padStart(2, "0")}`, big(i));
    src.put("b00", big(99)); // a second version in history
    const steps: number[] = [];
    await src.store.snapshotToAsync(join(t.dir, "big.img"), { bytesPerStep: 1024 * 1024, onStep: (rows) => steps.push(rows) });
    // 3 values of 300 KiB fit 1 MiB: 25 history rows, at most 3 per step.
    assert.ok(steps.every((n) => n <= 3), `rows per step: ${steps.join(",")}`);
    assert.equal(steps.reduce((a, n) => a + n, 0), 25 + 0, "every history row (no leases)");
    const dst = new Harness(join(t.dir, "big-restored.db"));
    dst.store.restoreFrom(join(t.dir, "big.img"));
    assert.equal(dst.store.hashKv().hash, src.store.hashKv().hash, "every row, history included");
    assert.equal(dst.get("b00")!.value[0], 99);
    assert.equal(dst.get("b00", { revision: 1 })!.value[0], 0);
    dst.store.close();
    src.store.close();
  });

  test("restoring from something that is not an image leaves the store untouched", () => {
    const h = new Harness(join(t.dir, "keep.db"));
    h.put("k", "v");
    const bogus = join(t.dir, "bogus.img");
    writeFileSync(bogus, "nope");
    assert.throws(() => h.store.restoreFrom(bogus), /not a trireme kv image/);
    assert.equal(s(h.get("k")!.value), "v");
    h.put("k", "w");
    assert.equal(h.get("k")!.version, 2);
    h.store.close();
  });
});

describe("MvccStore schema migration", () => {
  const t = tempDir("trireme-kv-migrate-");
  after(() => t.cleanup());

  test("a schema-2 store (live + history keyed by key) opens as the current schema with the same reads, history and hash inputs", () => {
    const path = join(t.dir, "v2.db");
    writeOldStore(path, 2, [["a", "1"], ["b", "2"], ["a", "3"], ["b", null], ["c", "5"]]);
    const st = MvccStore.open(path);
    try {
      assert.deepEqual([st.revision, st.appliedIndex], [5, 5]);
      const now = st.range({ key: b("a"), rangeEnd: b("z") });
      assert.deepEqual(now.kvs.map((kv) => [s(kv.key), s(kv.value), kv.createRevision, kv.modRevision, kv.version]), [
        ["a", "3", 1, 3, 2],
        ["c", "5", 5, 5, 1],
      ]);
      assert.deepEqual(st.range({ key: b("b"), revision: 3 }).kvs.map((kv) => s(kv.value)), ["2"], "history survived");
      const events = st.eventsBetween({ kind: "from", key: b("a") }, 1, 5, { limit: 100, maxBytes: 1 << 20, prevKv: true }).events;
      assert.deepEqual(events.map((e) => `${s(e.kv.key)}@${e.kv.modRevision}:${e.type}:${e.prevKv ? s(e.prevKv.value) : "-"}`), [
        "a@1:0:-", "b@2:0:-", "a@3:0:1", "b@4:1:2", "c@5:0:-",
      ]);
    } finally {
      st.close();
    }
    const db = openSqlite(path);
    try {
      assert.equal(db.prepare("SELECT value FROM meta WHERE name = 'schema'").get()!.value, SCHEMA_VERSION);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
      assert.deepEqual(tables, ["alarm", "auth_role", "auth_secret", "auth_user", "history", "lease", "meta"]);
    } finally {
      db.close();
    }
  });
});

describe("MvccStore defragment", () => {
  const t = tempDir("trireme-kv-defrag-");
  after(() => t.cleanup());

  test("returns the free pages in steps that yield to the event loop, and the data stays", async () => {
    const h = new Harness(join(t.dir, "defrag.db"));
    const value = "v".repeat(2048);
    for (let i = 0; i < 2000; i++) h.put(`d${String(i).padStart(5, "0")}`, value);
    h.put("keep", "k");
    h.del("d", prefixEnd(b("d")));
    h.ok({ compaction: { revision: h.store.revision } });
    await h.store.compactionIdle();
    await h.store.flush();
    const before = h.store.dbSize();
    assert.ok(before.size - before.inUse > 2_000_000, `free bytes before: ${before.size - before.inUse}`);
    const steps: number[] = [];
    let turns = 0;
    const counting = setInterval(() => turns++, 0);
    try {
      await h.store.defragment({ pagesPerStep: 64, onStep: (n) => steps.push(n) });
    } finally {
      clearInterval(counting);
    }
    const after = h.store.dbSize();
    assert.ok(steps.length > 5, `${steps.length} steps`);
    assert.ok(turns > 0, "timers ran while it went on");
    assert.equal(after.size, after.inUse, "no free pages left");
    assert.ok(after.size < before.size / 2, `${before.size} -> ${after.size} bytes`);
    assert.equal(s(h.get("keep")!.value), "k");
    assert.equal(h.store.range({ key: b("d"), rangeEnd: prefixEnd(b("d")), countOnly: true }).count, 0);
    h.store.close();
  });

  test("a store made before incremental vacuum is rewritten once, and steps from then on", async () => {
    const path = join(t.dir, "old.db");
    writeOldStore(path, 2, [["a", "1"], ["b", "2"]]);
    const st = MvccStore.open(path);
    try {
      await st.defragment();
      const steps: number[] = [];
      await st.defragment({ onStep: (n) => steps.push(n) });
      assert.deepEqual(steps, [], "nothing left to free");
      assert.equal(s(st.range({ key: b("a") }).kvs[0]!.value), "1");
    } finally {
      st.close();
    }
    const db = openSqlite(path);
    try {
      assert.equal(db.prepare("PRAGMA auto_vacuum").get()!.auto_vacuum, 2);
    } finally {
      db.close();
    }
  });

  test("a snapshot image steps too once installed: it is made with incremental vacuum on", async () => {
    const h = new Harness(join(t.dir, "img-src.db"));
    h.put("a", "1");
    const img = join(t.dir, "img.db");
    await h.store.snapshotToAsync(img);
    h.store.close();
    const db = openSqlite(img);
    try {
      assert.equal(db.prepare("PRAGMA auto_vacuum").get()!.auto_vacuum, 2);
    } finally {
      db.close();
    }
  });
});

