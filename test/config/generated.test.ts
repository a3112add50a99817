// docs/configuration.md and config/*.toml are generated from src/config/; these fail when the
// committed copies are stale (fix: node_modules/.bin/bun scripts/gen-config.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { renderConfigDocs } from "../../src/config/docs.ts";
import { loadConfigDetailed } from "../../src/config/load.ts";
import { committedPresetFiles } from "../../src/config/preset-file.ts";
import { PEER_KEYS, PLANE_KEYS, SCHEMA } from "../../src/config/schema.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const FIX = "run: node_modules/.bin/bun scripts/gen-config.ts";

test("docs/configuration.md is up to date with the schema", () => {
  assert.ok(readFileSync(resolve(root, "docs/configuration.md"), "utf8") === renderConfigDocs(), `docs/configuration.md is stale; ${FIX}`);
});

test("config/*.toml are up to date with the presets, and there are no others", () => {
  const files = committedPresetFiles();
  assert.equal(files.length, 12);
  for (const f of files) {
    assert.ok(readFileSync(resolve(root, f.path), "utf8") === f.text, `${f.path} is stale; ${FIX}`);
  }
  const committed = readdirSync(resolve(root, "config")).filter((n) => n.endsWith(".toml")).map((n) => `config/${n}`);
  assert.deepEqual(committed.sort(), files.map((f) => f.path).sort());
});

test("every committed preset file loads without warnings", () => {
  for (const f of committedPresetFiles()) {
    const loaded = loadConfigDetailed(resolve(root, f.path));
    assert.deepEqual(loaded.warnings, [], f.path);
    assert.equal(loaded.config.node.id, 1);
  }
});

test("the reference documents every key, peer key and network key", () => {
  const docs = renderConfigDocs();
  for (const spec of SCHEMA) {
    const name = spec.path.slice(spec.path.lastIndexOf(".") + 1);
    assert.ok(docs.includes(`| \`${name}\` |`) && docs.includes(spec.doc.replace(/\|/g, "\\|")), spec.path);
  }
  for (const k of PEER_KEYS) assert.ok(docs.includes(`| \`${k.key}\` |`), k.key);
  const mechanisms = docs.slice(docs.indexOf("## How each `[network.*]` key takes effect"));
  for (const k of PLANE_KEYS) assert.match(mechanisms, new RegExp(`\\| \`${k.key}\` \\| .+ \\|`), k.key);
});
