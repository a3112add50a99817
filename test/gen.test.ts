import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { trireme } from "../src/gen/raft.js";

const root = resolve(import.meta.dirname, "..");

test("committed generated protobuf code matches proto/", () => {
  // Throws (non-zero exit) with a message naming the stale files.
  const out = execFileSync(process.execPath, [resolve(root, "scripts/gen-proto.ts"), "--check"], {
    cwd: root,
    encoding: "utf8",
  });
  assert.match(out, /up to date/);
});

test("64-bit fields decode to JS numbers, not Long", () => {
  const bytes = trireme.raft.Message.encode({ term: 7, index: 2 ** 40 + 3 }).finish();
  const m = trireme.raft.Message.decode(bytes);
  assert.equal(m.index, 2 ** 40 + 3);
  assert.equal(typeof m.commit, "number");
});
