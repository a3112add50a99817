import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PersistenceConfig } from "../../src/config/types.ts";
import type { Entry } from "../../src/raft/types.ts";

export function tempDir(label: string): { dir: string; cleanup(): void } {
  const base = mkdtempSync(join(tmpdir(), `trireme-storage-${label}-`));
  return { dir: join(base, "data"), cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/** Deterministic bytes for (index, term): a reader can check them without a copy. */
export function payload(index: number, term: number, size = 16 + (index % 48)): Uint8Array {
  const b = new Uint8Array(size);
  let x = (index * 2654435761 + term * 40503) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

export function entry(index: number, term = 1): Entry {
  return { index, term, type: 0, data: payload(index, term) };
}

export function range(lo: number, hi: number, term = 1): Entry[] {
  const out: Entry[] = [];
  for (let i = lo; i <= hi; i++) out.push(entry(i, term));
  return out;
}

export const diskFirst: PersistenceConfig = { strategy: "DiskFirst", flush_policy: "Immediate", max_buffered_entries: 10_000 };
export const memImmediate: PersistenceConfig = { strategy: "MemFirst", flush_policy: "Immediate", max_buffered_entries: 10_000 };
export function memBatch(threshold: number, interval_ms: number, max = 10_000): PersistenceConfig {
  return { strategy: "MemFirst", flush_policy: { Batch: { threshold, interval_ms } }, max_buffered_entries: max };
}

/** Resolves when `pred` holds, polling every 2 ms; rejects after `ms`. */
export async function until(pred: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function durableReached(log: { durableIndex: number; onDurable(l: (i: number) => void): void }, index: number): Promise<void> {
  if (log.durableIndex >= index) return Promise.resolve();
  return new Promise((resolve) => log.onDurable((i) => i >= index && resolve()));
}
