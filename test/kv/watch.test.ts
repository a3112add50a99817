// The WatchHub on a real MvccStore: what watchers see of applied writes, catching up from
// history, compaction, ids, cancel, progress, and a client that stops reading.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { prefixEnd } from "../../src/kv/keys.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { EventType, type WatchCreateRequest, type WatchResponse } from "../../src/kv/types.ts";
import { FilterType, PROGRESS_WATCH_ID, WatchErrors, WatchHub, type WatchHubOptions, type WatchStream } from "../../src/kv/watch.ts";
import { b, Harness, s, tempDir } from "./helpers.ts";

/** A transport that records answers; `open = false` makes it report "full" (it still takes
 *  the message it was handed, like a stream whose write() returned false). */
class Sink {
  got: WatchResponse[] = [];
  open = true;
  send(resp: WatchResponse): boolean {
    this.got.push(resp);
    return this.open;
  }
  /** Answers for one watcher that carry events. */
  eventsOf(id: number): WatchResponse[] {
    return this.got.filter((r) => r.watchId === id && r.events.length > 0);
  }
  /** "KEY@REV:TYPE" for every event of watcher `id`, in arrival order. */
  trace(id: number): string[] {
    return this.eventsOf(id).flatMap((r) =>
      r.events.map((e) => `${s(e.kv.key)}@${e.kv.modRevision}:${e.type === EventType.PUT ? "PUT" : "DEL"}`)
    );
  }
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const turn = () => new Promise((r) => setImmediate(r));

describe("WatchHub", () => {
  const tmp = tempDir("trireme-watch-");
  let n = 0;
  const hubs: WatchHub[] = [];
  const stores: MvccStore[] = [];
  /** A fresh store and hub per test, all closed in `after`. */
  function setup(opts: WatchHubOptions = {}) {
    const h = new Harness(join(tmp.dir, `kv-${n++}.db`));
    const hub = new WatchHub(h.store, opts);
    hubs.push(hub);
    stores.push(h.store);
    const open = () => {
      const sink = new Sink();
      return { sink, stream: hub.openStream(sink) };
    };
    return { h, hub, open };
  }
  const watch = (stream: WatchStream, key: string, extra: Partial<WatchCreateRequest> = {}) =>
    stream.create({ key: b(key), ...extra });

  after(() => {
    for (const hub of hubs) hub.close();
    for (const st of stores) st.close();
    tmp.cleanup();
  });

  test("catching up a quiet prefix over a long history reads a window of revisions per step and yields", async () => {
    // A catch-up step must be bounded by the revisions it scans, not only the rows that match:
    // otherwise a watcher from revision 1 on a prefix nobody writes scans the whole history in
    // one synchronous step, stalling the member's event loop (and its heartbeats).
    const { h, hub, open } = setup({ catchUpRevisions: 100, catchUpBudgetMs: 0 });
    h.store.applyBatch(Array.from({ length: 3000 }, (_, i) => ({
      index: ++h.index,
      term: 1,
      request: { put: { key: b(`busy/${i % 50}`), value: b("x") } },
    })));
    h.put("quiet/a", "1");
    const { sink, stream } = open();
    watch(stream, "quiet/", { rangeEnd: prefixEnd(b("quiet/")), startRevision: 1 });
    assert.equal(hub.unsyncedCount, 1);
    let turns = 0;
    while (hub.unsyncedCount > 0 && turns < 1000) {
      await turn();
      turns++;
    }
    assert.equal(hub.unsyncedCount, 0, "caught up");
    assert.ok(turns >= 30, `3,001 revisions in windows of 100 take at least 30 turns, took ${turns}`);
    assert.deepEqual(sink.trace(0), ["quiet/a@3001:PUT"], "and nothing is missed");
  });

  test("range watchers sharing a range, and others: each gets its events; a cancel leaves the rest", () => {
    const { h, open } = setup();
    const one = open();
    const two = open();
    const prefix = (p: string) => ({ rangeEnd: prefixEnd(b(p)) });
    watch(one.stream, "a/", prefix("a/")); // id 0 on stream one
    watch(one.stream, "a/", prefix("a/")); // id 1, same range
    watch(two.stream, "a/", prefix("a/")); // id 0 on stream two
    watch(two.stream, "b/", prefix("b/")); // id 1
    h.put("a/x", "1");
    h.put("b/y", "2");
    one.stream.cancel(1);
    h.put("a/z", "3");
    assert.deepEqual(one.sink.trace(0), ["a/x@1:PUT", "a/z@3:PUT"]);
    assert.deepEqual(one.sink.trace(1), ["a/x@1:PUT"], "cancelled before a/z");
    assert.deepEqual(two.sink.trace(0), ["a/x@1:PUT", "a/z@3:PUT"]);
    assert.deepEqual(two.sink.trace(1), ["b/y@2:PUT"]);
  });

  test("with a time budget per turn, many catching-up watchers take turns and all finish", async () => {
    const { h, hub, open } = setup({ catchUpRevisions: 10, catchUpBudgetMs: 0 });
    for (let i = 0; i < 100; i++) h.put(`k/${i % 7}`, String(i));
    const streams = Array.from({ length: 20 }, () => open());
    for (const { stream } of streams) watch(stream, "k/", { rangeEnd: prefixEnd(b("k/")), startRevision: 1 });
    // A zero budget lets one step run per turn: after 20 turns every watcher has had one.
    for (let i = 0; i < 20; i++) await turn();
    assert.ok(streams.every(({ sink }) => sink.eventsOf(0).length > 0), "no watcher starved behind the others");
    await until(() => hub.unsyncedCount === 0, "every watcher caught up");
    for (const { sink } of streams) assert.equal(sink.trace(0).length, 100);
  });

  test("created answer, then one answer per revision with put and delete events in order", () => {
    const { h, open } = setup();
    h.put("foo", "0");
    const { sink, stream } = open();
    watch(stream, "foo");
    assert.deepEqual(sink.got[0], {
      header: { revision: 1 },
      watchId: 0,
      created: true,
      canceled: false,
      compactRevision: 0,
      cancelReason: "",
      events: [],
      fragment: false,
    });
    h.put("foo", "1");
    h.put("other", "x");
    h.del("foo");
    h.put("foo", "2");
    assert.deepEqual(sink.trace(0), ["foo@2:PUT", "foo@4:DEL", "foo@5:PUT"]);
    assert.deepEqual(sink.eventsOf(0).map((r) => r.header.revision), [2, 4, 5]);
    const [put, del, again] = sink.eventsOf(0).map((r) => r.events[0]);
    assert.deepEqual(put.kv, { key: b("foo"), createRevision: 1, modRevision: 2, version: 2, value: b("1"), lease: 0 });
    // etcd's delete event: only the key and the delete's revision.
    assert.deepEqual(del.kv, { key: b("foo"), createRevision: 0, modRevision: 4, version: 0, value: new Uint8Array(0), lease: 0 });
    assert.deepEqual([again.kv.createRevision, again.kv.version], [5, 1]);
    assert.equal(put.prevKv, undefined, "prev_kv only when asked for");
  });

  test("a txn's writes share one revision and arrive in one answer", () => {
    const { h, open } = setup();
    const { sink, stream } = open();
    watch(stream, "t/", { rangeEnd: prefixEnd(b("t/")) });
    h.ok({
      txn: {
        success: [
          { requestPut: { key: b("t/a"), value: b("1") } },
          { requestPut: { key: b("t/b"), value: b("2") } },
          { requestPut: { key: b("u"), value: b("3") } },
        ],
      },
    });
    h.ok({ deleteRange: { key: b("t/"), rangeEnd: prefixEnd(b("t/")) } });
    const answers = sink.eventsOf(0);
    assert.equal(answers.length, 2);
    assert.deepEqual(sink.trace(0), ["t/a@1:PUT", "t/b@1:PUT", "t/a@2:DEL", "t/b@2:DEL"]);
    assert.deepEqual(answers.map((r) => r.header.revision), [1, 2]);
  });

  test("single key, [key, end), prefix and every key from (range_end \\0)", () => {
    const { h, open } = setup();
    const { sink, stream } = open();
    watch(stream, "b"); // 0
    watch(stream, "b", { rangeEnd: b("d") }); // 1
    watch(stream, "b", { rangeEnd: prefixEnd(b("b")) }); // 2
    watch(stream, "c", { rangeEnd: Uint8Array.of(0) }); // 3
    for (const k of ["a", "b", "ba", "c", "cz", "d", "z"]) h.put(k, "v");
    const keys = (id: number) => sink.trace(id).map((t) => t.split("@")[0]);
    assert.deepEqual(keys(0), ["b"]);
    assert.deepEqual(keys(1), ["b", "ba", "c", "cz"]);
    assert.deepEqual(keys(2), ["b", "ba"]);
    assert.deepEqual(keys(3), ["c", "cz", "d", "z"]);
  });

  test("filters NOPUT / NODELETE; a revision with nothing left sends nothing", () => {
    const { h, open } = setup();
    const { sink, stream } = open();
    watch(stream, "k", { filters: [FilterType.NOPUT] }); // 0: deletes only
    watch(stream, "k", { filters: [FilterType.NODELETE] }); // 1: puts only
    h.put("k", "1");
    h.del("k");
    h.put("k", "2");
    assert.deepEqual(sink.trace(0), ["k@2:DEL"]);
    assert.deepEqual(sink.trace(1), ["k@1:PUT", "k@3:PUT"]);
    assert.equal(sink.got.filter((r) => r.watchId === 0 && !r.created).length, 1);
  });

  test("prev_kv: previous version for updates and deletes, none for creations", () => {
    const { h, open } = setup();
    const { sink, stream } = open();
    watch(stream, "p", { prevKv: true });
    h.put("p", "1");
    h.put("p", "2");
    h.del("p");
    const evs = sink.eventsOf(0).map((r) => r.events[0]);
    assert.equal(evs[0].prevKv, undefined);
    assert.equal(s(evs[1].prevKv!.value), "1");
    assert.equal(evs[1].prevKv!.modRevision, 1);
    assert.equal(s(evs[2].prevKv!.value), "2");
    assert.equal(evs[2].prevKv!.version, 2);
  });

  test("start in the past: history first, then live writes, with no gap and no duplicate", async () => {
    // Small steps so that the catch-up spans many event-loop turns while writes continue.
    const { h, hub, open } = setup({ catchUpEvents: 7 });
    const expected: string[] = [];
    const write = (i: number) => {
      const key = i % 3 === 0 ? `other/${i}` : `w/${i % 10}`;
      if (i % 11 === 5) {
        const deleted = h.del("w/", prefixEnd(b("w/")));
        if (deleted > 0) {
          // One revision; every live w/ key gets a DELETE, in key order.
          const rev = h.store.revision;
          for (const k of live.splice(0).sort()) expected.push(`${k}@${rev}:DEL`);
        }
        return;
      }
      const rev = h.put(key, `v${i}`);
      if (key.startsWith("w/")) {
        expected.push(`${key}@${rev}:PUT`);
        if (!live.includes(key)) live.push(key);
      }
    };
    const live: string[] = [];
    let i = 0;
    for (; i < 200; i++) write(i);
    const { sink, stream } = open();
    // Everything from revision 1 on (the history) plus whatever comes during the catch-up.
    watch(stream, "w/", { rangeEnd: prefixEnd(b("w/")), startRevision: 1 });
    assert.equal(hub.unsyncedCount, 1);
    let sawUnsyncedWhileWriting = false;
    for (; i < 400; i++) {
      write(i);
      if (i % 4 === 0) {
        if (hub.unsyncedCount > 0) sawUnsyncedWhileWriting = true;
        await turn();
      }
    }
    await until(() => hub.unsyncedCount === 0, "the watcher to be synced");
    for (; i < 450; i++) write(i);
    assert.ok(sawUnsyncedWhileWriting, "writes happened while the watcher was catching up");
    assert.deepEqual(sink.trace(0), expected);
    // Answers never go backwards and each header covers its events.
    let last = 0;
    for (const r of sink.eventsOf(0)) {
      assert.ok(r.events[0].kv.modRevision > last);
      last = r.events.at(-1)!.kv.modRevision;
      assert.ok(r.header.revision >= last);
    }
  });

  test("start at a compacted revision: created, then canceled with compact_revision", async () => {
    const { h, open } = setup();
    for (let i = 0; i < 6; i++) h.put(`c${i}`, "v"); // revisions 1..6
    h.ok({ compaction: { revision: 4 } });
    await h.store.compactionIdle();
    const { sink, stream } = open();
    watch(stream, "c", { rangeEnd: prefixEnd(b("c")), startRevision: 3 });
    watch(stream, "c", { rangeEnd: prefixEnd(b("c")), startRevision: 4 });
    await until(() => sink.got.length >= 4, "created, canceled and catch-up answers");
    assert.equal(sink.got[0].created, true);
    const canceled = sink.got.find((r) => r.watchId === 0 && r.canceled)!;
    assert.equal(canceled.compactRevision, 4);
    assert.equal(canceled.cancelReason, "etcdserver: mvcc: required revision has been compacted");
    assert.equal(canceled.header.revision, 0, "etcd leaves the revision unset on this answer");
    // At the compaction revision itself the history is still complete for puts.
    assert.deepEqual(sink.trace(1), ["c3@4:PUT", "c4@5:PUT", "c5@6:PUT"]);
    h.put("c9", "v");
    assert.deepEqual(sink.trace(0), [], "a canceled watcher gets nothing more");
    assert.equal(stream.watcherCount, 1);
  });

  test("watch ids: auto from 0, client-chosen honoured, duplicates and empty ranges refused", () => {
    const { h, open } = setup();
    h.put("x", "1");
    const { sink, stream } = open();
    watch(stream, "a"); // 0
    watch(stream, "b", { watchId: 1 });
    watch(stream, "c"); // skips 1 → 2
    watch(stream, "d", { watchId: 2 });
    watch(stream, "z", { rangeEnd: b("a") });
    assert.deepEqual(sink.got.map((r) => [r.watchId, r.created, r.canceled, r.cancelReason]), [
      [0, true, false, ""],
      [1, true, false, ""],
      [2, true, false, ""],
      [-1, true, true, WatchErrors.duplicateId],
      [-1, true, true, WatchErrors.emptyRange],
    ]);
    assert.ok(sink.got.every((r) => r.header.revision === 1));
    // Ids are per stream.
    const other = open();
    watch(other.stream, "a");
    assert.equal(other.sink.got[0].watchId, 0);
  });

  test("cancel: an answer, then silence; an unknown id gets no answer", () => {
    const { h, hub, open } = setup();
    const { sink, stream } = open();
    watch(stream, "k");
    h.put("k", "1");
    stream.cancel(0);
    stream.cancel(42);
    h.put("k", "2");
    assert.deepEqual(sink.trace(0), ["k@1:PUT"]);
    const last = sink.got.at(-1)!;
    assert.deepEqual([last.watchId, last.canceled, last.header.revision], [0, true, 1]);
    assert.equal(sink.got.length, 3);
    assert.equal(hub.watcherCount, 0);
  });

  test("closing a stream drops its watchers; other streams go on", () => {
    const { h, hub, open } = setup();
    const a = open(), c = open();
    watch(a.stream, "k");
    watch(c.stream, "k");
    a.stream.close();
    h.put("k", "1");
    assert.deepEqual(a.sink.trace(0), []);
    assert.deepEqual(c.sink.trace(0), ["k@1:PUT"]);
    assert.equal(hub.watcherCount, 1);
  });

  test("a transport that throws ends only its own stream, never the apply", () => {
    const { h, hub, open } = setup();
    const good = open();
    const aborted: Error[] = [];
    const bad = hub.openStream({
      send: (resp) => {
        if (!resp.created) throw new Error("connection reset");
        return true;
      },
      abort: (err) => aborted.push(err),
    });
    bad.create({ key: b("k") });
    watch(good.stream, "k");
    h.put("k", "1"); // must not throw
    h.put("k", "2");
    assert.deepEqual(aborted.map((e) => e.message), ["connection reset"]);
    assert.equal(bad.watcherCount, 0);
    assert.deepEqual(good.sink.trace(0), ["k@1:PUT", "k@2:PUT"]);
    assert.equal(hub.watcherCount, 1);
  });

  test("an answer that triggers a write from inside send(): order kept, nothing repeated", () => {
    const { h, hub } = setup();
    const sink = new Sink();
    const stream = hub.openStream({
      send(resp) {
        sink.send(resp);
        // A client library reacting synchronously by writing again (re-entrant push).
        if (resp.events.length > 0 && s(resp.events[0].kv.value) === "1") h.put("k", "2");
        return true;
      },
    });
    watch(stream, "k");
    h.put("k", "1");
    h.put("k", "3");
    assert.deepEqual(sink.trace(0), ["k@1:PUT", "k@2:PUT", "k@3:PUT"]);
  });

  test("a start revision in the future waits for it", () => {
    const { h, open } = setup();
    const { sink, stream } = open();
    watch(stream, "f", { startRevision: 3 });
    for (let i = 0; i < 4; i++) h.put("f", String(i));
    assert.deepEqual(sink.trace(0), ["f@3:PUT", "f@4:PUT"]);
  });

  test("progress request: watch_id -1 and the current revision, deferred while catching up", async () => {
    const { h, hub, open } = setup({ catchUpEvents: 2 });
    for (let i = 0; i < 10; i++) h.put("g", String(i));
    const { sink, stream } = open();
    stream.requestProgress();
    assert.deepEqual([sink.got[0].watchId, sink.got[0].header.revision], [PROGRESS_WATCH_ID, 10]);
    watch(stream, "g", { startRevision: 1 });
    stream.requestProgress();
    assert.equal(sink.got.filter((r) => r.watchId === PROGRESS_WATCH_ID).length, 1, "not while catching up");
    await until(() => hub.unsyncedCount === 0, "catch-up");
    const progress = sink.got.at(-1)!;
    assert.deepEqual([progress.watchId, progress.header.revision, progress.events.length], [PROGRESS_WATCH_ID, 10, 0]);
    assert.equal(sink.trace(0).length, 10, "every event came before the progress answer");
  });

  test("progress_notify: an idle watcher gets the revision each interval, a busy one does not", () => {
    let tick: (() => void) | undefined;
    const { h, open } = setup({
      progressTicker: (fn) => ((tick = fn), () => (tick = undefined)),
    });
    const { sink, stream } = open();
    watch(stream, "idle", { progressNotify: true }); // 0
    watch(stream, "busy", { progressNotify: true }); // 1
    watch(stream, "quiet"); // 2: did not ask
    assert.ok(tick, "the hub started its progress ticker");
    const progressOf = (id: number) => sink.got.filter((r) => r.watchId === id && !r.created && r.events.length === 0);
    h.put("x", "1");
    for (let round = 0; round < 3; round++) {
      h.put("busy", String(round));
      tick();
    }
    assert.deepEqual(progressOf(0).map((r) => r.header.revision), [2, 3, 4], "the idle watcher, every tick");
    assert.equal(progressOf(1).length, 0, "a watcher that got events since the last tick is not notified");
    assert.equal(progressOf(2).length, 0, "a watcher that did not ask is not notified");
    tick();
    assert.equal(progressOf(1).length, 1, "the busy watcher, once a whole interval passed without events");
  });

  test("a client that stops reading: bounded queue, then catch-up from history when it drains", async () => {
    const cap = 64 * 1024;
    const { h, hub, open } = setup({ maxQueuedBytes: cap, catchUpEvents: 16 });
    const { sink, stream } = open();
    const fast = open();
    watch(stream, "s/", { rangeEnd: prefixEnd(b("s/")) });
    watch(fast.stream, "s/", { rangeEnd: prefixEnd(b("s/")) });
    sink.open = false;
    const value = "x".repeat(4096);
    const expected: string[] = [];
    for (let i = 0; i < 200; i++) expected.push(`s/${i % 7}@${h.put(`s/${i % 7}`, value)}:PUT`);
    // ~800 KiB written; the slow stream holds at most the cap (plus the one answer the
    // transport took when it said "full").
    assert.ok(stream.queuedBytes <= cap, `queued ${stream.queuedBytes} bytes`);
    assert.ok(sink.got.length <= 3, `the transport was handed ${sink.got.length} answers`);
    assert.equal(hub.unsyncedCount, 1, "the slow watcher fell back to history");
    assert.deepEqual(fast.sink.trace(0), expected, "other streams are not held back");
    // Writes continue while the client drains slowly, one resume at a time.
    let i = 200;
    sink.send = function (resp) {
      this.got.push(resp);
      return this.got.length % 5 !== 0;
    };
    while (hub.unsyncedCount > 0 || stream.queuedBytes > 0) {
      if (i < 260) expected.push(`s/${i % 7}@${h.put(`s/${i % 7}`, value)}:PUT`), i++;
      stream.resume();
      await turn();
      assert.ok(stream.queuedBytes <= cap);
    }
    expected.push(`s/0@${h.put("s/0", "last")}:PUT`);
    stream.resume(); // the transport may have said "full" on the last answer
    assert.deepEqual(sink.trace(0), expected);
  });

  test("a snapshot restore: synced watchers re-read what the new store has beyond what they saw", async () => {
    const { h, hub, open } = setup();
    const ahead = new Harness(join(tmp.dir, `kv-${n++}.db`));
    stores.push(ahead.store);
    for (let i = 0; i < 3; i++) {
      h.put("r", String(i));
      ahead.put("r", String(i));
    }
    for (let i = 3; i < 6; i++) ahead.put("r", String(i));
    const { sink, stream } = open();
    watch(stream, "r", { startRevision: 2 });
    await until(() => hub.unsyncedCount === 0, "catch-up");
    const image = join(tmp.dir, `image-${n++}.db`);
    ahead.store.snapshotTo(image);
    h.store.restoreFrom(image);
    h.index = h.store.appliedIndex;
    await until(() => hub.unsyncedCount === 0, "catch-up after restore");
    h.put("r", "6");
    assert.deepEqual(sink.trace(0), ["r@2:PUT", "r@3:PUT", "r@4:PUT", "r@5:PUT", "r@6:PUT", "r@7:PUT"]);
  });

  test("the hub listens to the store only while it has watchers; refused writes make no events", () => {
    const { h, hub, open } = setup();
    const { stream } = open();
    assert.equal(h.store.listenerCount, 0, "no watcher, no listener");
    watch(stream, "k");
    watch(stream, "j");
    assert.equal(h.store.listenerCount, 1);
    stream.cancel(0);
    assert.equal(h.store.listenerCount, 1);
    stream.close();
    assert.equal(hub.watcherCount, 0);
    assert.equal(h.store.listenerCount, 0);
    // A refused write produces no events even while someone listens.
    let refused = 0;
    const off2 = h.store.subscribe({ events: (batch) => (refused += batch.length) });
    h.write({ put: { key: b("k"), value: b("v"), lease: 5 } });
    off2();
    assert.equal(refused, 0);
  });
});

describe("MvccStore.eventsBetween (history reads for catching up)", () => {
  const tmp = tempDir("trireme-events-");
  let h: Harness;
  const all = { limit: 1000, maxBytes: 1 << 30, prevKv: false };
  const range = { kind: "between" as const, key: b("e/"), end: prefixEnd(b("e/")) };
  const revs = (r: { events: { kv: { modRevision: number } }[] }) => r.events.map((e) => e.kv.modRevision);

  after(() => {
    h?.store.close();
    tmp.cleanup();
  });

  test("cuts at revision boundaries by rows and by bytes; an oversized revision comes whole", () => {
    h = new Harness(join(tmp.dir, "kv.db"));
    for (let i = 1; i <= 4; i++) h.put(`e/${i}`, "x".repeat(100)); // revisions 1..4
    // Revision 5: one txn writing three keys.
    h.ok({ txn: { success: [7, 8, 9].map((i) => ({ requestPut: { key: b(`e/${i}`), value: b("x".repeat(100)) } })) } });
    h.put("other", "y"); // 6, outside the range
    h.put("e/1", "z"); // 7
    assert.deepEqual(revs(h.store.eventsBetween(range, 1, 7, all)), [1, 2, 3, 4, 5, 5, 5, 7]);
    const byRows = h.store.eventsBetween(range, 1, 7, { ...all, limit: 6 });
    assert.deepEqual([revs(byRows), byRows.through], [[1, 2, 3, 4], 4], "revision 5 is not split");
    const byBytes = h.store.eventsBetween(range, 1, 7, { ...all, maxBytes: 250 });
    assert.deepEqual([revs(byBytes), byBytes.through], [[1, 2], 2]);
    const whole = h.store.eventsBetween(range, 5, 7, { ...all, limit: 1, maxBytes: 10 });
    assert.deepEqual([revs(whole), whole.through], [[5, 5, 5], 5]);
    const tail = h.store.eventsBetween(range, 6, 100, all);
    assert.deepEqual([revs(tail), tail.through], [[7], 7], "never beyond the current revision");
    const withPrev = h.store.eventsBetween(range, 7, 7, { ...all, prevKv: true });
    assert.equal(withPrev.events[0].prevKv?.modRevision, 1);
  });

  test("below the compaction point: etcd's compacted error", () => {
    h.ok({ compaction: { revision: 3 } });
    assert.throws(() => h.store.eventsBetween(range, 2, 7, all), /required revision has been compacted/);
    assert.deepEqual(revs(h.store.eventsBetween(range, 3, 7, all)).slice(-1), [7]);
  });
});
