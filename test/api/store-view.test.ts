// The client API reads the kv store only through src/kv/store-view.ts: no file under src/api
// may reach the MvccStore class (or mvcc.ts at all), so a handler cannot apply, flush or
// restore the state machine behind Raft's back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const API = join(import.meta.dir, "../../src/api");

test("no src/api file imports kv/mvcc.ts or names MvccStore", () => {
  const files = readdirSync(API).filter((f) => f.endsWith(".ts"));
  assert.ok(files.length > 10, `expected the api sources in ${API}`);
  const offenders = files.filter((f) => {
    const text = readFileSync(join(API, f), "utf8");
    return /from\s+["'][^"']*kv\/mvcc(\.ts)?["']/.test(text) || /\bMvccStore\b/.test(text);
  });
  assert.deepEqual(offenders, []);
});
