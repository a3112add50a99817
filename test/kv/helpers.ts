// Shared helpers for the kv tests: a store in a fresh temp dir and terse request builders.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvccStore, type MvccStoreOptions } from "../../src/kv/mvcc.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";
import type { ApplyResult, InternalRequest, KeyValue } from "../../src/kv/types.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
export const b = (s: string): Uint8Array => enc.encode(s);
export const raw = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);
export const s = (u: Uint8Array): string => dec.decode(u);

export function tempDir(prefix = "trireme-kv-"): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A store plus a write helper that proposes each request as the next entry. */
export class Harness {
  readonly store: MvccStore;
  index = 0;
  constructor(readonly path: string, opts: MvccStoreOptions = {}) {
    this.store = MvccStore.open(path, opts);
    this.index = this.store.appliedIndex;
  }
  write(request: InternalRequest): ApplyResult {
    const r = this.store.apply({ index: ++this.index, term: 1, request });
    if (r === null) throw new Error("entry unexpectedly skipped");
    return r;
  }
  /** Applies and fails the test unless the result is not an error. */
  ok(request: InternalRequest): Exclude<ApplyResult, { op: "error" }> {
    const r = this.write(request);
    if (r.op === "error") throw new Error(`unexpected error: ${r.error.message}`);
    return r;
  }
  put(key: string | Uint8Array, value: string | Uint8Array): number {
    const r = this.ok({ put: { key: typeof key === "string" ? b(key) : key, value: typeof value === "string" ? b(value) : value } });
    if (r.op !== "put") throw new Error("not a put response");
    return r.put.header.revision;
  }
  del(key: string, rangeEnd?: Uint8Array): number {
    const r = this.ok({ deleteRange: { key: b(key), rangeEnd } });
    if (r.op !== "deleteRange") throw new Error("not a delete response");
    return r.deleteRange.deleted;
  }
  get(key: string | Uint8Array, extra: Parameters<MvccStore["range"]>[0] = {}): KeyValue | undefined {
    return this.store.range({ key: typeof key === "string" ? b(key) : key, ...extra }).kvs[0];
  }
  keys(key: Uint8Array, rangeEnd: Uint8Array, extra: Parameters<MvccStore["range"]>[0] = {}): string[] {
    return this.store.range({ key, rangeEnd, ...extra }).kvs.map((kv) => s(kv.key));
  }
}

/**
 * Writes a kv.db as an older build left it: schema 1 (meta, live, history keyed by key) or 2
 * (plus the lease table). `writes` are puts (value) and deletes (null) at revisions 1, 2, ...,
 * one per entry.
 */
export function writeOldStore(path: string, schema: 1 | 2, writes: [string, string | null][]): void {
  const db = openSqlite(path);
  try {
    db.exec(`CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE live (key BLOB PRIMARY KEY, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL,
  version INTEGER NOT NULL, value BLOB NOT NULL, lease INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE history (key BLOB NOT NULL, mod_rev INTEGER NOT NULL, sub INTEGER NOT NULL, create_rev INTEGER NOT NULL,
  version INTEGER NOT NULL, value BLOB NOT NULL, lease INTEGER NOT NULL, PRIMARY KEY (key, mod_rev)) WITHOUT ROWID;
CREATE INDEX history_by_rev ON history (mod_rev);`);
    if (schema === 2) db.exec("CREATE TABLE lease (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL); CREATE INDEX live_by_lease ON live (lease) WHERE lease != 0;");
    const live = new Map<string, { create: number; version: number }>();
    const hist = db.prepare("INSERT INTO history VALUES (?, ?, 0, ?, ?, ?, 0)");
    writes.forEach(([k, v], i) => {
      const rev = i + 1;
      if (v === null) {
        live.delete(k);
        hist.run(b(k), rev, 0, 0, new Uint8Array(0));
        db.prepare("DELETE FROM live WHERE key = ?").run(b(k));
        return;
      }
      const cur = live.get(k) ?? { create: rev, version: 0 };
      cur.version++;
      live.set(k, cur);
      hist.run(b(k), rev, cur.create, cur.version, b(v));
      db.prepare("INSERT OR REPLACE INTO live VALUES (?, ?, ?, ?, ?, 0)").run(b(k), cur.create, rev, cur.version, b(v));
    });
    const meta = db.prepare("INSERT INTO meta VALUES (?, ?)");
    for (const [name, value] of [["schema", schema], ["applied_index", writes.length], ["applied_term", 1], ["revision", writes.length], ["compact_revision", -1]] as const) meta.run(name, value);
  } finally {
    db.close();
  }
}
