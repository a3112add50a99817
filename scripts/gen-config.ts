// Regenerates what is derived from src/config/: docs/configuration.md and the preset files in
// config/. `--check` writes nothing and exits 1 naming the stale files (test/config runs the same
// comparison in-process).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { renderConfigDocs } from "../src/config/docs.ts";
import { committedPresetFiles } from "../src/config/preset-file.ts";

const root = resolve(import.meta.dirname, "..");
const files = [{ path: "docs/configuration.md", text: renderConfigDocs() }, ...committedPresetFiles()];
const check = process.argv.includes("--check");
const stale = files.filter((f) => {
  const abs = resolve(root, f.path);
  return !existsSync(abs) || readFileSync(abs, "utf8") !== f.text;
});
if (check) {
  if (stale.length > 0) {
    console.error(`stale: ${stale.map((f) => f.path).join(", ")}; run: node_modules/.bin/bun scripts/gen-config.ts`);
    process.exit(1);
  }
  console.log(`config docs and presets up to date (${files.length} files)`);
} else {
  for (const f of stale) {
    mkdirSync(dirname(resolve(root, f.path)), { recursive: true });
    writeFileSync(resolve(root, f.path), f.text);
    console.log(`wrote ${f.path}`);
  }
  if (stale.length === 0) console.log(`nothing to do (${files.length} files up to date)`);
}
