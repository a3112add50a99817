// The in-memory index of every key (etcd's treeIndex of keyIndex): for each key its current
// generation (create/mod revision, version, lease) and the revisions of every version history
// still holds, so a put costs one appended history row and reads find their rows by revision.
// Keys are held as latin1 strings: one char per byte, so JavaScript's string order is etcd's
// byte order and a Map can be keyed by them. Rebuilt from `history` when the store opens.
import { Buffer } from "node:buffer";
import SortedBTree from "sorted-btree";
import type { KeyRange } from "./keys.ts";

export interface KeyEntry {
  readonly key: Uint8Array;
  /** The newest version is a put (false: deleted; the entry stays while history holds it). */
  alive: boolean;
  createRev: number;
  modRev: number;
  modSub: number;
  version: number;
  lease: number;
  /** The revision of every version history still holds, oldest first ... */
  revs: number[];
  /** ... and its sub-revision; a tombstone is stored as -(sub + 1). */
  subs: number[];
}

/** One version of a key: where its history row is, and whether it is a tombstone. */
export interface VersionRef {
  rev: number;
  sub: number;
  tombstone: boolean;
}

// A CommonJS package: Bun's default import is its exports.default, Deno's the exports object
// that holds it.
const BTree: typeof SortedBTree = (SortedBTree as unknown as { default?: typeof SortedBTree }).default ?? SortedBTree;

export const keyString = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Per-key bookkeeping beyond the key bytes and the version arrays (objects, tree slot), about. */
const ENTRY_OVERHEAD_BYTES = 160;
/** Two numbers per version. */
const VERSION_BYTES = 16;

export class KeyIndex {
  #tree: SortedBTree<string, KeyEntry> = new BTree<string, KeyEntry>(undefined, compare);
  #byLease = new Map<number, Set<string>>();
  #alive = 0;
  #versions = 0;
  #keyBytes = 0;

  /** Keys whose newest version is a put. */
  get aliveCount(): number {
    return this.#alive;
  }

  stats(): { keys: number; aliveKeys: number; versions: number; bytes: number } {
    const keys = this.#tree.size;
    return { keys, aliveKeys: this.#alive, versions: this.#versions, bytes: keys * ENTRY_OVERHEAD_BYTES + this.#keyBytes * 2 + this.#versions * VERSION_BYTES };
  }

  get(key: Uint8Array): KeyEntry | undefined {
    return this.#tree.get(keyString(key));
  }

  /** The current version of `key`, if it exists. */
  live(key: Uint8Array): KeyEntry | undefined {
    const e = this.#tree.get(keyString(key));
    return e?.alive ? e : undefined;
  }

  /** Records a put at (rev, sub). */
  put(key: Uint8Array, rev: number, sub: number, createRev: number, version: number, lease: number): void {
    const k = keyString(key);
    const e = this.#entry(k, key);
    if (!e.alive) this.#alive++;
    if (e.lease !== lease) {
      this.#detach(k, e.lease);
      this.#attach(k, lease);
    }
    e.alive = true;
    e.createRev = createRev;
    e.modRev = rev;
    e.modSub = sub;
    e.version = version;
    e.lease = lease;
    e.revs.push(rev);
    e.subs.push(sub);
    this.#versions++;
  }

  /** Records a tombstone read back from history (the store opening), for a key whose earlier
   *  versions a compaction step may already have removed. */
  tombstoneKey(key: Uint8Array, rev: number, sub: number): void {
    this.tombstone(this.#entry(keyString(key), key), rev, sub);
  }

  /** The entry of `key` (as `k`), made empty if the index has none yet. */
  #entry(k: string, key: Uint8Array): KeyEntry {
    let e = this.#tree.get(k);
    if (e === undefined) {
      e = { key, alive: false, createRev: 0, modRev: 0, modSub: 0, version: 0, lease: 0, revs: [], subs: [] };
      this.#tree.set(k, e);
      this.#keyBytes += key.byteLength;
    }
    return e;
  }

  /** Records the deletion of an existing key at (rev, sub). */
  tombstone(e: KeyEntry, rev: number, sub: number): void {
    const k = keyString(e.key);
    if (e.alive) this.#alive--;
    this.#detach(k, e.lease);
    e.alive = false;
    e.createRev = 0;
    e.version = 0;
    e.lease = 0;
    e.modRev = rev;
    e.modSub = sub;
    e.revs.push(rev);
    e.subs.push(-(sub + 1));
    this.#versions++;
  }

  /** The newest version of `e` at or below `rev`. */
  versionAt(e: KeyEntry, rev: number): VersionRef | undefined {
    const i = indexAt(e, rev);
    return i < 0 ? undefined : ref(e, i);
  }

  /** The version of `e` just before revision `rev` (a watch event's prev_kv). */
  versionBefore(e: KeyEntry, rev: number): VersionRef | undefined {
    return this.versionAt(e, rev - 1);
  }

  /** History still holds this version (compaction has not made it unreachable). */
  holds(key: Uint8Array, rev: number, sub: number): boolean {
    const e = this.#tree.get(keyString(key));
    if (e === undefined) return false;
    const v = this.versionAt(e, rev);
    return v !== undefined && v.rev === rev && v.sub === sub;
  }

  /** Calls `fn` for the entries in `r` in key order (descending if asked) until it returns false. */
  scan(r: KeyRange, fn: (e: KeyEntry) => boolean | void, descending = false): void {
    if (r.kind === "single") {
      const e = this.#tree.get(keyString(r.key));
      if (e !== undefined) fn(e);
      return;
    }
    const low = keyString(r.key);
    const high = r.kind === "between" ? keyString(r.end) : undefined;
    if (high !== undefined && low >= high) return;
    if (!descending) {
      for (const [k, e] of this.#tree.entries(low)) {
        if (high !== undefined && k >= high) return;
        if (fn(e) === false) return;
      }
      return;
    }
    const start = high === undefined ? undefined : this.#tree.nextLowerKey(high);
    if (high !== undefined && start === undefined) return;
    for (const [k, e] of this.#tree.entriesReversed(start)) {
      if (k < low) return;
      if (fn(e) === false) return;
    }
  }

  /** The keys attached to lease `id`, in key order. */
  keysOf(id: number): Uint8Array[] {
    const set = this.#byLease.get(id);
    if (set === undefined) return [];
    return [...set].sort(compare).map((k) => this.#tree.get(k)!.key);
  }

  /**
   * Forgets what a compaction at `rev` made unreachable: per key, every version older than the
   * newest one at or below `rev`, and that one too when it is a tombstone (etcd's
   * keyIndex.compact). A key with nothing left goes. The history rows go separately: each
   * forgotten version is appended to `dropped` as (rev, sub) pairs.
   */
  compact(rev: number, dropped: number[]): void {
    const empty: string[] = [];
    this.#tree.forEachPair((k, e) => {
      const i = indexAt(e, rev);
      if (i < 0) return;
      const drop = e.subs[i]! < 0 ? i + 1 : i;
      if (drop <= 0) return;
      for (let j = 0; j < drop; j++) {
        const sb = e.subs[j]!;
        dropped.push(e.revs[j]!, sb < 0 ? -sb - 1 : sb);
      }
      e.revs.splice(0, drop);
      e.subs.splice(0, drop);
      this.#versions -= drop;
      if (e.revs.length === 0) empty.push(k);
    });
    for (const k of empty) {
      this.#keyBytes -= this.#tree.get(k)!.key.byteLength;
      this.#tree.delete(k);
    }
  }

  #attach(k: string, lease: number): void {
    if (lease === 0) return;
    let set = this.#byLease.get(lease);
    if (set === undefined) this.#byLease.set(lease, (set = new Set()));
    set.add(k);
  }

  #detach(k: string, lease: number): void {
    if (lease === 0) return;
    const set = this.#byLease.get(lease);
    if (set === undefined) return;
    set.delete(k);
    if (set.size === 0) this.#byLease.delete(lease);
  }
}

/** Position of the newest version at or below `rev`, -1 if none. */
function indexAt(e: KeyEntry, rev: number): number {
  let lo = 0, hi = e.revs.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (e.revs[mid]! <= rev) (found = mid), (lo = mid + 1);
    else hi = mid - 1;
  }
  return found;
}

function ref(e: KeyEntry, i: number): VersionRef {
  const s = e.subs[i]!;
  return s < 0 ? { rev: e.revs[i]!, sub: -s - 1, tombstone: true } : { rev: e.revs[i]!, sub: s, tombstone: false };
}
