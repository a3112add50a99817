// Shared helpers for the kv tests: a store in a fresh temp dir and terse request builders.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvccStore, type MvccStoreOptions } from "../../src/kv/mvcc.ts";
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
