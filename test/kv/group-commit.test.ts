// Applied batches share SQLite transactions: the applying connection sees every batch at once,
// other connections (the checkpointer, snapshot images) only what was committed — after the
// interval, at `maxEntries`, or at the points that hand kv.db to them (flush, image, close). A
// batch that fails is rolled back alone; a commit that fails stops the store for good.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { GroupCommit } from "../../src/kv/group-commit.ts";
import { MvccStore, type MvccStoreOptions } from "../../src/kv/mvcc.ts";
import type { ApplyEntry, InternalRequest } from "../../src/kv/types.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";
import { b, s, tempDir } from "./helpers.ts";

const tmp = tempDir("trireme-group-commit-");
const open: MvccStore[] = [];
after(() => {
  for (const st of open) st.close();
  tmp.cleanup();
});
let n = 0;

function store(opts: MvccStoreOptions = {}): MvccStore {
  const st = MvccStore.open(join(tmp.dir, `kv-${n++}.db`), opts);
  open.push(st);
  return st;
}

/** The applied index another connection sees: what was committed. */
function committedIndex(st: MvccStore): number {
  const db = openSqlite(st.path);
  try {
    const row = db.prepare("SELECT value FROM meta WHERE name = 'applied_index'").get();
    return row === undefined ? 0 : Number(row.value);
  } finally {
    db.close();
  }
}

const put = (k: string, v: string): InternalRequest => ({ put: { key: b(k), value: b(v) } });
function batch(st: MvccStore, requests: InternalRequest[]): void {
  let index = st.appliedIndex;
  st.applyBatch(requests.map((request): ApplyEntry => ({ index: ++index, term: 1, request })));
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("batches sharing transactions", () => {
  test("the applying connection reads every batch at once; other connections after flush()", async () => {
    const st = store({ groupCommit: { intervalMs: 60_000 } });
    batch(st, [put("a", "1"), put("b", "2")]);
    batch(st, [put("a", "3")]);
    assert.equal(s(st.range({ key: b("a") }).kvs[0]!.value), "3");
    assert.equal(st.appliedIndex, 3);
    assert.equal(committedIndex(st), 0, "nothing committed yet");
    await st.flush();
    assert.equal(committedIndex(st), 3);
  });

  test("the interval commits the open transaction by itself", async () => {
    const st = store({ groupCommit: { intervalMs: 20 } });
    batch(st, [put("a", "1")]);
    await until("the commit after the interval", () => committedIndex(st) === 1);
  });

  test("maxEntries commits at once, whatever the interval", () => {
    const st = store({ groupCommit: { intervalMs: 60_000, maxEntries: 5 } });
    batch(st, [put("a", "1"), put("b", "2")]);
    assert.equal(committedIndex(st), 0);
    batch(st, [put("c", "3"), put("d", "4"), put("e", "5")]);
    assert.equal(committedIndex(st), 5);
  });

  test("intervalMs 0 commits every batch", () => {
    const st = store({ groupCommit: { intervalMs: 0 } });
    batch(st, [put("a", "1")]);
    assert.equal(committedIndex(st), 1);
  });

  test("a snapshot image is made of everything applied, and close() commits what is open", async () => {
    const st = store({ groupCommit: { intervalMs: 60_000 } });
    batch(st, [put("a", "1"), put("b", "2")]);
    const image = await st.snapshotToAsync(join(tmp.dir, "image.db"));
    assert.equal(image.index, 2, "the copy's own connection saw both");
    batch(st, [put("c", "3")]);
    st.close();
    const again = MvccStore.open(st.path);
    open.push(again);
    assert.equal(again.appliedIndex, 3);
    assert.equal(s(again.range({ key: b("c") }).kvs[0]!.value), "3");
  });

  test("a batch that throws is rolled back alone: the batches before it in the transaction stay", async () => {
    const st = store({ groupCommit: { intervalMs: 60_000 } });
    batch(st, [put("kept", "1")]);
    // A malformed txn (a null compare) throws a TypeError, not an EtcdError, after the put
    // before it in the same batch was written.
    const broken = { txn: { compare: [null], success: [], failure: [] } } as unknown as InternalRequest;
    assert.throws(() => batch(st, [put("lost", "2"), broken]), TypeError);
    assert.equal(st.appliedIndex, 1);
    assert.equal(st.revision, 1);
    assert.equal(st.range({ key: b("lost") }).kvs.length, 0);
    batch(st, [put("after", "3")]);
    assert.equal(st.appliedIndex, 2);
    await st.flush();
    assert.equal(committedIndex(st), 2);
    assert.deepEqual(st.range({ key: b("a"), rangeEnd: b("z") }).kvs.map((kv) => s(kv.key)), ["after", "kept"]);
  });
});

describe("GroupCommit", () => {
  /** A recording exec whose COMMIT fails while `failCommit` is set. */
  function fake() {
    const sql: string[] = [];
    const failures: Error[] = [];
    const state = { failCommit: false, commits: 0 };
    const gc = new GroupCommit(
      (q) => {
        sql.push(q);
        if (q === "COMMIT" && state.failCommit) throw new Error("database or disk is full");
      },
      { intervalMs: 60_000, maxEntries: 100 },
      () => state.commits++,
      (err) => failures.push(err),
      "kv store test.db",
    );
    return { gc, sql, failures, state };
  }

  test("one BEGIN per transaction, one savepoint per batch", () => {
    const { gc, sql, state } = fake();
    gc.run(1, () => {});
    gc.run(1, () => {});
    gc.commit();
    assert.deepEqual(sql, ["BEGIN IMMEDIATE", "SAVEPOINT batch", "RELEASE batch", "SAVEPOINT batch", "RELEASE batch", "COMMIT"]);
    assert.equal(state.commits, 1);
  });

  test("a failed commit is reported once and every later run, commit and check throws it", () => {
    const { gc, failures, state } = fake();
    gc.run(1, () => {});
    state.failCommit = true;
    assert.throws(() => gc.commit(), /kv store test\.db: committing applied entries failed: database or disk is full/);
    assert.equal(failures.length, 1);
    state.failCommit = false;
    assert.throws(() => gc.run(1, () => {}), /committing applied entries failed/);
    assert.throws(() => gc.check(), /committing applied entries failed/);
    assert.equal(failures.length, 1);
    assert.equal(state.commits, 0);
  });

  test("while held, every batch commits at once", () => {
    const { gc, state } = fake();
    const release = gc.hold();
    gc.run(1, () => {});
    assert.equal(state.commits, 1);
    release();
    gc.run(1, () => {});
    assert.equal(state.commits, 1);
    assert.equal(gc.open, true);
    gc.dispose();
  });
});

describe("a commit that fails under the background compaction", () => {
  // The rows a compaction made unreachable are deleted in steps scheduled on the event loop
  // (MvccStore's cleanup). A step whose commit fails, or that runs after one failed, has no
  // caller to throw to: it must reach onFailure, and nothing may escape to the event loop (an
  // uncaught exception there killed the member on a full disk).
  async function compactThenFail(failBefore: "the step" | "a batch"): Promise<void> {
    const escaped: unknown[] = [];
    const onUncaught = (err: unknown): void => void escaped.push(err);
    process.on("uncaughtException", onUncaught);
    try {
      let failing = false;
      const failures: Error[] = [];
      const st = store({
        groupCommit: { intervalMs: 0, injectCommitFailure: () => (failing ? new Error("database or disk is full") : undefined) },
        onFailure: (err) => failures.push(err),
      });
      // More unreachable rows than one step deletes (COMPACTION_STEP_ROWS), so steps follow.
      const puts = Array.from({ length: 3000 }, (_, i) => put("k", String(i)));
      for (let i = 0; i < puts.length; i += 500) batch(st, puts.slice(i, i + 500));
      batch(st, [{ compaction: { revision: st.revision } }]);
      // The compaction's own batch committed; the first step is scheduled on the event loop.
      failing = true;
      if (failBefore === "a batch") assert.throws(() => batch(st, [put("x", "1")]), /committing applied entries failed/);
      let idle = false;
      void st.compactionIdle().then(() => (idle = true));
      await until("a commit to fail", () => failures.length > 0);
      // Give the scheduled step (and anything it throws) every chance to run.
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      assert.equal(failures.length, 1, "reported once");
      assert.match(failures[0]!.message, /kv store .*: committing applied entries failed: database or disk is full/);
      assert.deepEqual(escaped, [], "no exception escaped to the event loop");
      assert.equal(idle, false, "the removal stopped at the failure (the rest is left for the next open)");
      assert.throws(() => st.range({ key: b("k") }), /committing applied entries failed/, "the store refuses further work");
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  }

  test("the cleanup step's own commit fails: onFailure once, nothing escapes", () => compactThenFail("the step"));
  test("a step scheduled before a batch's commit failed: onFailure once, nothing escapes", () => compactThenFail("a batch"));
});
