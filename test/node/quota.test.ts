// The space quota's arithmetic (node/quota.ts): etcd's reading of quota_backend_bytes, what is
// admitted by cost, the usage cache, and what DataDirUsage counts in a real data directory.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataDirUsage, DEFAULT_QUOTA_BYTES, quotaBytes, SpaceQuota } from "../../src/node/quota.ts";
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

  test("usage is measured at most every refreshMs", () => {
    let now = 0;
    let calls = 0;
    const q = new SpaceQuota({ configured: 10, usage: () => ++calls, refreshMs: 100, now: () => now });
    q.used();
    q.used();
    assert.equal(calls, 1);
    now = 100;
    q.used();
    assert.equal(calls, 2);
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
