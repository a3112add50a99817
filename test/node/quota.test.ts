// The space quota's arithmetic (node/quota.ts): etcd's reading of quota_backend_bytes, what is
// admitted by cost, the usage cache, and what DataDirUsage counts in a real data directory.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AlarmErrors } from "../../src/kv/alarms.ts";
import type { ApplyResult } from "../../src/kv/types.ts";
import { capAnswers, DataDirUsage, DEFAULT_QUOTA_BYTES, quotaBytes, SpaceQuota } from "../../src/node/quota.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const b = (s: string) => new TextEncoder().encode(s);

describe("space quota", () => {
  test("quota_backend_bytes as etcd reads it: 0 is 2 GiB, negative is none", () => {
    assert.equal(quotaBytes(0), DEFAULT_QUOTA_BYTES);
    assert.equal(DEFAULT_QUOTA_BYTES, 2 * 1024 ** 3);
    assert.equal(quotaBytes(-1), Infinity);
    assert.equal(quotaBytes(4096), 4096);
    const none = new SpaceQuota({ configured: -1, usage: () => Number.MAX_SAFE_INTEGER });
    assert.equal(none.enabled, false);
    assert.equal(none.admits({ put: { key: b("k"), value: b("v") } }), true);
    assert.equal(none.exceeded(), false);
  });

  test("a write is admitted while usage + its cost stays under the quota; deletes always are", () => {
    let used = 1000;
    const q = new SpaceQuota({ configured: 1600, usage: () => used, refreshMs: 0 });
    const put = { put: { key: b("kk"), value: b("v".repeat(300)) } }; // 256 + 2 + 300 = 558
    assert.equal(q.admits(put), true, "1000 + 558 < 1600");
    used = 1100;
    assert.equal(q.admits(put), false, "1100 + 558 >= 1600");
    assert.equal(q.exceeded(), false, "refused, yet not past the quota");
    assert.equal(q.admits({ leaseGrant: { ID: 1, TTL: 5 } }), true, "64 bytes fit");
    used = 1600;
    assert.equal(q.exceeded(), true);
    for (const req of [{ deleteRange: { key: b("k") } }, { compaction: { revision: 1 } }, { leaseRevoke: { ID: 1 } }, { alarm: { action: 2 } }]) {
      assert.equal(q.admits(req), true, JSON.stringify(Object.keys(req)));
    }
  });

  test("usage is measured every refreshMs above half the quota, every idleRefreshMs below; applied costs count in between", () => {
    let now = 0;
    let calls = 0;
    let disk = 100;
    const q = new SpaceQuota({ configured: 10_000, usage: () => (calls++, disk), refreshMs: 100, idleRefreshMs: 1000, now: () => now });
    assert.equal(q.used(), 100);
    now = 500;
    assert.equal(q.used(), 100);
    assert.equal(calls, 1, "below half the quota: no measure within idleRefreshMs");
    // A put applied meanwhile (256 + 1 + 4000) counts at once, before the next measure.
    assert.equal(q.applying([{ request: { put: { key: b("k"), value: b("v".repeat(4000)) } } }]), undefined, "it fits");
    assert.equal(q.used(), 100 + 4257);
    assert.equal(calls, 1);
    now = 1000;
    disk = 5500;
    assert.equal(q.used(), 5500, "measured again after idleRefreshMs; the estimate is reset");
    now = 1099;
    q.used();
    assert.equal(calls, 2);
    now = 1100;
    q.used();
    assert.equal(calls, 3, "above half the quota: measured every refreshMs");
  });

  test("applying a batch: the writes past the quota, counting the ones before them, are answered database space exceeded", () => {
    const q = new SpaceQuota({ configured: 2000, usage: () => 1000, refreshMs: 1e9 });
    const put = { put: { key: b("kk"), value: b("v".repeat(300)) } }; // 558
    const del = { deleteRange: { key: b("kk") } };
    const over = q.applying([put, del, null, put, { leaseGrant: { ID: 1, TTL: 5 } }].map((request) => ({ request })));
    assert.deepEqual(over, [false, false, false, true, true], "1000 + 558 fits; + 558 reaches 2116; the grant then too");
    const ok = { op: "put" as const, header: { revision: 2 } } as unknown as ApplyResult;
    const refused: ApplyResult = { op: "error", error: AlarmErrors.corrupt() };
    const answers = capAnswers([ok, ok, null, ok, refused], over!);
    assert.equal(answers[0], ok);
    assert.equal(answers[2], null);
    const capped = answers[3] as { op: "error"; error: Error };
    assert.equal(capped.op, "error");
    assert.match(capped.error.message, /etcdserver: mvcc: database space exceeded/);
    assert.equal(answers[4], refused, "a write refused anyway keeps its own error");
    const none = [ok, null];
    assert.equal(capAnswers(none, [false, false]), none, "nothing past the quota: the same answers");
    assert.equal(new SpaceQuota({ configured: -1, usage: () => 1e12 }).applying([{ request: put }]), undefined, "no quota: nothing is past it");
  });

  test("DataDirUsage counts kv.db as given, the log's pages in use and the snapshot files, not other files", () => {
    const dir = mkdtempSync(join(tmpdir(), "trireme-quota-"));
    dirs.push(dir);
    mkdirSync(join(dir, "snapshots"));
    writeFileSync(join(dir, "snapshots", "a.snap"), Buffer.alloc(3000));
    writeFileSync(join(dir, "reserve"), Buffer.alloc(50_000));
    const log = openSqlite(join(dir, "log.db"));
    log.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (v BLOB)");
    const ins = log.prepare("INSERT INTO t VALUES (?)");
    for (let i = 0; i < 200; i++) ins.run(Buffer.alloc(2000));
    log.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const usage = new DataDirUsage(dir, () => 7000);
    const full = usage.measure();
    assert.ok(full > 7000 + 3000 + 200 * 2000, `usage ${full}`);
    assert.ok(full < 7000 + 3000 + 200 * 2000 + 100_000, `the reserve file is not counted: ${full}`);
    // Deleted rows free their pages: the log counts less, though its file does not shrink.
    log.exec("DELETE FROM t; PRAGMA wal_checkpoint(TRUNCATE)");
    const after = usage.measure();
    assert.ok(after < 7000 + 3000 + 20_000, `after the delete: ${after}`);
    usage.close();
    log.close();
  });
});
