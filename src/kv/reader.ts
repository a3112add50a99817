// Reads of the kv store's SQLite tables: the newest versions (`live`), versions as of a revision
// (`history`), and etcd's Range on top of them. Stateless: MvccStore hands it its statement cache
// and the revisions to read at.
import type { Statement } from "../storage/sqlite.ts";
import { Errors } from "./errors.ts";
import { keyRange, type KeyRange } from "./keys.ts";
import { DESCEND, effectiveOrder, hasRevisionFilters, KEY, NONE, passesFilters, sorter, VALUE } from "./range.ts";
import { isEmptyRange, rangeSql, toKv } from "./rows.ts";
import type { KeyValue, RangeRequest, RangeResponse } from "./types.ts";

const EMPTY = new Uint8Array(0);

export class KvReader {
  constructor(private readonly stmt: (sql: string) => Statement) {}

  /** The newest version of one existing key. */
  get(key: Uint8Array): KeyValue | undefined {
    const row = this.stmt("SELECT key, create_rev, mod_rev, version, value, lease FROM live WHERE key = ?").get(key);
    return row === undefined ? undefined : toKv(row);
  }

  /** Newest versions of the existing keys in `r`, in key order. */
  latest(r: KeyRange, opts: { limit?: number; keysOnly?: boolean; descending?: boolean } = {}): KeyValue[] {
    if (isEmptyRange(r)) return [];
    const { where, params } = rangeSql(r);
    const cols = opts.keysOnly ? "key, create_rev, mod_rev, version, lease" : "key, create_rev, mod_rev, version, value, lease";
    const order = opts.descending ? "DESC" : "ASC";
    const limit = opts.limit !== undefined && opts.limit > 0 ? ` LIMIT ${opts.limit}` : "";
    return this.stmt(`SELECT ${cols} FROM live WHERE ${where} ORDER BY key ${order}${limit}`).all(...params).map(toKv);
  }

  countLatest(r: KeyRange): number {
    if (isEmptyRange(r)) return 0;
    const { where, params } = rangeSql(r);
    return this.stmt(`SELECT COUNT(*) AS n FROM live WHERE ${where}`).get(...params)!.n as number;
  }

  /** Versions of the keys in `r` as of revision `rev` (tombstoned keys left out). */
  at(r: KeyRange, rev: number, keysOnly: boolean): KeyValue[] {
    if (isEmptyRange(r)) return [];
    const { where, params } = rangeSql(r);
    const value = keysOnly ? "" : " value,";
    // SQLite takes the bare columns from the row holding MAX(mod_rev).
    const rows = this.stmt(
      `SELECT key, MAX(mod_rev) AS mod_rev, create_rev, version,${value} lease FROM history ` +
        `WHERE ${where} AND mod_rev <= ? GROUP BY key ORDER BY key`,
    ).all(...params, rev);
    const out: KeyValue[] = [];
    for (const row of rows) if ((row.version as number) > 0) out.push(toKv(row));
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
      // The hot path: let SQLite order and limit (one extra row tells `more`).
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
