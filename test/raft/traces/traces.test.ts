// Replays every trace file in this directory (*.txt) against the real core and compares the
// printed output with the expectation written in the file, so a change of behaviour shows as a
// text diff. TRACE_REWRITE=1 writes the actual output back into the files instead (then review the
// diff). Format and commands: script.ts, interaction.ts; how to write one: src/raft/README.md.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Interaction } from "./interaction.ts";
import { parseScript, renderScript } from "./script.ts";

const dir = fileURLToPath(new URL(".", import.meta.url));
const rewrite = process.env.TRACE_REWRITE === "1";
const files = readdirSync(dir).filter((f) => f.endsWith(".txt")).sort();

/** Runs a script; returns each block's actual output. */
function replay(text: string, file: string): { script: ReturnType<typeof parseScript>; actual: string[] } {
  const script = parseScript(text, file);
  const env = new Interaction();
  const actual = script.blocks.map((b) => {
    const lines = b.commands.flatMap((c) => env.run(c));
    const out = lines.length === 0 ? "ok" : lines.join("\n");
    if (lines.some((l) => l.trim() === "")) throw new Error(`${file}:${b.lineNo}: output has a blank line, which ends a block`);
    return out;
  });
  return { script, actual };
}

describe("scripted traces", () => {
  test("there are trace files", () => assert.ok(files.length > 0, `no *.txt in ${dir}`));
  for (const f of files) {
    test(f, () => {
      const path = join(dir, f);
      const text = readFileSync(path, "utf8");
      const { script, actual } = replay(text, f);
      if (rewrite) {
        writeFileSync(path, renderScript(script, actual));
        return;
      }
      script.blocks.forEach((b, i) => {
        assert.equal(actual[i], b.expected, `${f}:${b.lineNo} (${b.commands.map((c) => c.line).join("; ")}): output differs; TRACE_REWRITE=1 rewrites it`);
      });
    });
  }
});
