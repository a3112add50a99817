// Row-level helpers shared by the store's queries: history rows to KeyValues, key ranges to
// WHERE clauses, and the HashKV walk over the history.
import { crc32 } from "node:zlib";
import { compareBytes, type KeyRange } from "./keys.ts";
import type { Row, Statement, SqlValue } from "../storage/sqlite.ts";
import type { KeyValue } from "./types.ts";

const EMPTY = new Uint8Array(0);

/** A `history` row (rev, key, create_rev, version, value?, lease) as the KeyValue it recorded. */
export function toKv(row: Row): KeyValue {
  return {
    key: row.key as Uint8Array,
    createRevision: row.create_rev as number,
    modRevision: row.rev as number,
    version: row.version as number,
    value: (row.value as Uint8Array | undefined) ?? EMPTY,
    lease: row.lease as number,
  };
}

export function rangeSql(r: KeyRange): { where: string; params: SqlValue[] } {
  switch (r.kind) {
    case "single":
      return { where: "key = ?", params: [r.key] };
    case "from":
      return { where: "key >= ?", params: [r.key] };
    case "between":
      return { where: "key >= ? AND key < ?", params: [r.key, r.end] };
  }
}

export function isEmptyRange(r: KeyRange): boolean {
  return r.kind === "between" && compareBytes(r.key, r.end) >= 0;
}

/** CRC-32 over every history row at or below `rev` in (rev, sub) order, paged through `page`
 *  (params: rev, after-rev, after-sub; 1000 rows a page). */
export function hashHistory(page: Statement, rev: number): number {
  let hash = 0;
  const nums = new Float64Array(5);
  let afterRev = -1, afterSub = -1;
  for (;;) {
    const rows = page.all(rev, afterRev, afterSub);
    for (const row of rows) {
      nums.set([row.rev as number, row.sub as number, row.create_rev as number, row.version as number, row.lease as number]);
      hash = crc32(row.key as Uint8Array, hash);
      hash = crc32(new Uint8Array(nums.buffer), hash);
      hash = crc32(row.value as Uint8Array, hash);
    }
    if (rows.length < 1000) return hash;
    const last = rows[rows.length - 1];
    afterRev = last.rev as number;
    afterSub = last.sub as number;
  }
}
