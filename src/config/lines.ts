// Best-effort line numbers for keys of a valid TOML document. smol-toml reports lines only for
// syntax errors, so this scans the text: table headers set the current table, `key =` lines add
// a key under it. Good enough to point a user at the line; never used to read values.

/** Maps dotted paths ("raft.tick_ms", "cluster.peers[1].id", "network.data") to 1-based lines. */
export function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const arrayCounts = new Map<string, number>();
  let table = "";
  const record = (path: string, line: number) => {
    if (!lines.has(path)) lines.set(path, line);
  };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const array = /^\s*\[\[\s*([^\]]+?)\s*\]\]/.exec(raw);
    if (array !== null) {
      const path = normalizeKey(array[1]);
      const parts = path.split(".");
      for (let n = 1; n < parts.length; n++) record(parts.slice(0, n).join("."), line);
      const index = arrayCounts.get(path) ?? 0;
      arrayCounts.set(path, index + 1);
      record(path, line);
      table = `${path}[${index}]`;
      record(table, line);
      return;
    }
    const header = /^\s*\[\s*([^\]]+?)\s*\]/.exec(raw);
    if (header !== null) {
      table = normalizeKey(header[1]);
      // `[a.b.c]` also defines a and a.b: an unknown `a` is reported on this line.
      const parts = table.split(".");
      for (let n = 1; n <= parts.length; n++) record(parts.slice(0, n).join("."), line);
      return;
    }
    const assignment = /^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/.exec(raw);
    if (assignment !== null) {
      const parts = normalizeKey(assignment[1]).split(".");
      for (let n = 1; n <= parts.length; n++) {
        const key = parts.slice(0, n).join(".");
        record(table === "" ? key : `${table}.${key}`, line);
      }
    }
  });
  return lines;
}

function normalizeKey(k: string): string {
  return k
    .split(".")
    .map((p) => p.trim().replace(/^"(.*)"$|^'(.*)'$/, "$1$2"))
    .join(".");
}

/** The line of `path`, or of its nearest enclosing key or table that has one. */
export function lineOf(lines: Map<string, number>, path: string): number | undefined {
  let p = path;
  for (;;) {
    const found = lines.get(p);
    if (found !== undefined) return found;
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    if (cut <= 0) return undefined;
    p = p.slice(0, cut);
  }
}
