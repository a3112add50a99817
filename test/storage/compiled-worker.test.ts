// The SQLite writer is a worker thread; a worker file is not bundled by `bun build --compile`
// unless it is an entry point. This builds a real binary the way build.ts must, and runs it.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { tempDir } from "./helpers.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

test("the writer worker runs inside a compiled binary (worker passed as an extra entry point)", { timeout: 120_000 }, () => {
  const t = tempDir("compiled");
  cleanups.push(t.cleanup);
  const bin = join(t.dir, "..", "storage-test-bin");
  const entry = fileURLToPath(new URL("./compiled-entry.ts", import.meta.url));
  const worker = fileURLToPath(new URL("../../src/storage/writer-worker.ts", import.meta.url));
  const build = spawnSync(process.execPath, ["build", "--compile", entry, worker, "--outfile", bin], { encoding: "utf8" });
  assert.equal(build.status, 0, `bun build failed: ${build.stderr}`);
  // Run from another directory: the binary must not depend on the source tree.
  for (const expected of ["durable 1", "durable 2"]) {
    const run = spawnSync(bin, [t.dir], { encoding: "utf8", cwd: "/", timeout: 60_000 });
    assert.equal(run.status, 0, `the compiled binary failed: ${run.stderr}`);
    assert.equal(run.stdout.trim(), expected);
  }
});
