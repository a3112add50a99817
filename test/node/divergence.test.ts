// MemFirst divergence handling: which errors count as the documented loss, and how a member's
// files are moved aside (kept, not deleted) before it rebuilds.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RaftInvariantError } from "../../src/raft/index.ts";
import { asDivergence, DivergenceError, quarantine } from "../../src/node/divergence.ts";

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
