// Where a worker thread's code is. From source: beside the module that starts it. In a
// `bun build --compile` binary, each extra entry point (build.ts, `extraEntrypoints`) is embedded
// as `.js` at its path relative to the common root of all entry points (e.g.
// `/$bunfs/root/storage/writer-worker.js` when the entries are src/main.ts and
// src/storage/writer-worker.ts), so it is looked up there.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Finds a file in a directory tree (the compiled binary's embedded file system is tiny). */
function findIn(dir: string, file: string, depth = 6): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  if (names.includes(file)) return join(dir, file);
  if (depth === 0) return undefined;
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) {
      const hit = findIn(p, file, depth - 1);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

/** `basename` is the worker's file name without extension; `beside` is `import.meta.url` of
 *  the module next to it; `source` its path in the repository (for the error message). */
export function workerPath(basename: string, beside: string, source: string): URL | string {
  const fromSource = new URL(`./${basename}.ts`, beside);
  if (!beside.includes("$bunfs")) return fromSource;
  const root = "/$bunfs/root";
  const found = findIn(root, `${basename}.js`) ?? findIn(root, `${basename}.ts`);
  if (found === undefined || !existsSync(found)) {
    throw new Error(
      `${basename} is not embedded in this binary: build it with build.ts, which bundles ${source} ` +
        "as an entry point (a worker thread's code must be one)",
    );
  }
  return found;
}
