// Reads of the kv store: the newest versions (the in-memory index, values from their history
// rows), versions as of a revision (the index finds each key's row), and etcd's Range on top.
// Stateless: MvccStore hands it its statement cache, its index and the revisions to read at.
import type { Statement } from "../storage/sqlite.ts";
import { Errors } from "./errors.ts";
import type { KeyEntry, KeyIndex } from "./key-index.ts";
import { keyRange, type KeyRange } from "./keys.ts";
import { DESCEND, effectiveOrder, hasRevisionFilters, KEY, NONE, passesFilters, sorter, VALUE } from "./range.ts";
import { isEmptyRange, toKv } from "./rows.ts";
import type { KeyValue, RangeRequest, RangeResponse } from "./types.ts";

const EMPTY = new Uint8Array(0);

export class KvReader {
  constructor(
    private readonly stmt: (sql: string) => Statement,
    private readonly index: KeyIndex,
  ) {}

  /** The value written at (rev, sub). */
  valueAt(rev: number, sub: number): Uint8Array {
    const row = this.stmt("SELECT value FROM history WHERE rev = ? AND sub = ?").get(rev, sub);
    if (row === undefined) throw new Error(`kv store: the index names history row ${rev}.${sub}, which is missing`);
    return row.value as Uint8Array;
  }

  /** The current version of a live entry, with its value unless `keysOnly`. */
  current(e: KeyEntry, keysOnly = false): KeyValue {
    return {
      key: e.key,
      createRevision: e.createRev,
      modRevision: e.modRev,
      version: e.version,
      value: keysOnly ? EMPTY : this.valueAt(e.modRev, e.modSub),
      lease: e.lease,
    };
  }

  /** The newest version of one existing key. */
  get(key: Uint8Array): KeyValue | undefined {
    const e = this.index.live(key);
    return e === undefined ? undefined : this.current(e);
  }

  /** Newest versions of the existing keys in `r`, in key order. */
  latest(r: KeyRange, opts: { limit?: number; keysOnly?: boolean; descending?: boolean } = {}): KeyValue[] {
    const out: KeyValue[] = [];
    if (isEmptyRange(r)) return out;
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Infinity;
    this.index.scan(r, (e) => {
      if (!e.alive) return;
      out.push(this.current(e, opts.keysOnly));
      return out.length < limit;
    }, opts.descending);
    return out;
  }

  countLatest(r: KeyRange): number {
    if (isEmptyRange(r)) return 0;
    let n = 0;
    this.index.scan(r, (e) => {
      if (e.alive) n++;
    });
    return n;
  }

  /** The version of `key` just before revision `rev` if history still holds it and it is not a
   *  tombstone (a watch event's prev_kv). */
  before(key: Uint8Array, rev: number): KeyValue | undefined {
    const e = this.index.get(key);
    const v = e === undefined ? undefined : this.index.versionBefore(e, rev);
    if (v === undefined || v.tombstone) return undefined;
    const row = this.stmt("SELECT rev, key, create_rev, version, value, lease FROM history WHERE rev = ? AND sub = ?").get(v.rev, v.sub);
    return row === undefined ? undefined : toKv(row);
  }

  /** Versions of the keys in `r` as of revision `rev` (tombstoned keys left out). */
  at(r: KeyRange, rev: number, keysOnly: boolean): KeyValue[] {
    const out: KeyValue[] = [];
    if (isEmptyRange(r)) return out;
    const row = this.stmt(
      keysOnly
        ? "SELECT rev, key, create_rev, version, lease FROM history WHERE rev = ? AND sub = ?"
        : "SELECT rev, key, create_rev, version, value, lease FROM history WHERE rev = ? AND sub = ?",
    );
    this.index.scan(r, (e) => {
      const v = this.index.versionAt(e, rev);
      if (v === undefined || v.tombstone) return;
      const found = row.get(v.rev, v.sub);
      if (found === undefined) throw new Error(`kv store: the index names history row ${v.rev}.${v.sub}, which is missing`);
      out.push(toKv(found));
    });
    return out;
  }

  /** etcd's Range at revision `current` (a txn in progress reads at etcd's beginRev, +1 once it
   *  wrote). Throws EtcdError for compacted or future revisions. */
  range(req: RangeRequest, current: number, compactRevision: number): RangeResponse {
    const key = req.key ?? EMPTY;
    if (key.length === 0) throw Errors.emptyKey();
    const r = keyRange(key, req.rangeEnd);
    const asked = req.revision ?? 0;
    if (asked > current) throw Errors.futureRev();
    if (asked > 0 && asked < compactRevision) throw Errors.compacted();
    const rev = asked <= 0 ? current : asked;
    const header = { revision: current };
    const historical = rev < current;
    const keysOnly = req.keysOnly === true;
    const reqLimit = Math.max(0, req.limit ?? 0);
    const { order, target } = effectiveOrder(req);
    const filtered = hasRevisionFilters(req);

    if (req.countOnly) {
      const count = historical ? this.at(r, rev, true).length : this.countLatest(r);
      return { header, kvs: [], more: false, count };
    }

    let kvs: KeyValue[];
    let count: number;
    const keyOrderOnly = !filtered && (order === NONE || target === KEY);
    if (!historical && keyOrderOnly) {
      // The hot path: the index orders, values only for the rows returned (one extra tells `more`).
      kvs = this.latest(r, {
        limit: reqLimit > 0 ? reqLimit + 1 : undefined,
        keysOnly,
        descending: order === DESCEND,
      });
      count = reqLimit > 0 && kvs.length > reqLimit ? this.countLatest(r) : kvs.length;
    } else {
      // Sorting by value needs the values even when only keys are returned (etcd sorts first).
      const fetchKeysOnly = keysOnly && !(order !== NONE && target === VALUE);
      kvs = historical ? this.at(r, rev, fetchKeysOnly) : this.latest(r, { keysOnly: fetchKeysOnly });
      count = kvs.length;
      if (filtered) kvs = kvs.filter((kv) => passesFilters(req, kv));
      if (order !== NONE) {
        const cmp = sorter(target);
        kvs.sort(order === DESCEND ? (a, b) => cmp(b, a) : cmp);
      }
      if (keysOnly && !fetchKeysOnly) for (const kv of kvs) kv.value = EMPTY;
    }
    let more = false;
    if (reqLimit > 0 && kvs.length > reqLimit) {
      kvs = kvs.slice(0, reqLimit);
      more = true;
    }
    return { header, kvs, more, count };
  }
}
