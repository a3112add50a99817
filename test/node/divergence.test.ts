// MemFirst divergence handling: which errors count as the documented loss, and how a member's
// files are moved aside (kept, not deleted) before it rebuilds.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RaftInvariantError } from "../../src/raft/index.ts";
import { asDivergence, DivergenceError, pruneQuarantines, quarantine } from "../../src/node/divergence.ts";

const dir = mkdtempSync(join(tmpdir(), "trireme-divergence-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("only a contradicted commit under MemFirst is a divergence; every other invariant stays fatal", () => {
  const conflict = new RaftInvariantError("committed entries never truncated", "term 2 at 567, ours term 1");
  assert.ok(asDivergence(conflict, true) instanceof DivergenceError);
  assert.equal(asDivergence(conflict, false), undefined, "DiskFirst loses nothing: a conflict there is a bug");
  assert.equal(asDivergence(new RaftInvariantError("term never decreases", "5 -> 4"), true), undefined);
  assert.equal(asDivergence(new Error("disk full"), true), undefined);
});

test("quarantine moves every file of the member into one diverged-<time> directory and keeps earlier ones", async () => {
  const data = join(dir, "data");
  mkdirSync(join(data, "snapshots"), { recursive: true });
  writeFileSync(join(data, "trireme-data.json"), "{}");
  writeFileSync(join(data, "log.db"), "log");
  writeFileSync(join(data, "kv.db"), "kv");
  writeFileSync(join(data, "snapshots", "s1"), "snap");
  mkdirSync(join(data, "diverged-earlier"));
  const moved = await quarantine(data);
  assert.deepEqual(readdirSync(data).sort(), ["diverged-earlier", moved.slice(data.length + 1)].sort());
  assert.equal(readFileSync(join(moved, "log.db"), "utf8"), "log");
  assert.equal(readFileSync(join(moved, "kv.db"), "utf8"), "kv");
  assert.ok(existsSync(join(moved, "snapshots", "s1")));
  assert.ok(existsSync(join(moved, "trireme-data.json")));
});

test("pruneQuarantines keeps the newest two diverged-<time> copies and returns what it removed", async () => {
  const data = join(dir, "prune");
  for (const t of ["2026-01-01T00-00-00-000Z", "2026-01-02T00-00-00-000Z", "2026-01-03T00-00-00-000Z"]) {
    mkdirSync(join(data, `diverged-${t}`), { recursive: true });
    writeFileSync(join(data, `diverged-${t}`, "kv.db"), t);
  }
  writeFileSync(join(data, "kv.db"), "current");
  const removed = await pruneQuarantines(data);
  assert.deepEqual(removed, [join(data, "diverged-2026-01-01T00-00-00-000Z")]);
  assert.deepEqual(readdirSync(data).sort(), ["diverged-2026-01-02T00-00-00-000Z", "diverged-2026-01-03T00-00-00-000Z", "kv.db"]);
  assert.deepEqual(await pruneQuarantines(data), [], "nothing more to remove");
});
