// Watch events read back from the `history` table (keyed by revision), for watchers that start in the past or
// fell behind (etcd's syncWatchers reading the backend between two revisions).
import type { KeyRange } from "./keys.ts";
import { isEmptyRange, rangeSql, toKv } from "./rows.ts";
import type { Row, Statement } from "../storage/sqlite.ts";
import { EventType, type KeyValue, type WatchEvent } from "./types.ts";

const EMPTY = new Uint8Array(0);
const COLS = "rev, sub, key, create_rev, version, value, lease";

/** The key part of a DELETE event, as etcd writes it: key and the delete's revision only. */
export function tombstone(key: Uint8Array, rev: number): KeyValue {
  return { key, createRevision: 0, modRevision: rev, version: 0, value: EMPTY, lease: 0 };
}

function toEvent(row: Row): WatchEvent {
  if ((row.version as number) === 0) return { type: EventType.DELETE, kv: tombstone(row.key as Uint8Array, row.rev as number) };
  return { type: EventType.PUT, kv: toKv(row) };
}

export interface EventsRead {
  /** In (revision, sub-revision) order. */
  events: WatchEvent[];
  /** Every event of the range at revisions [from, through] is in `events`; continue at through + 1. */
  through: number;
}

export interface ReadLimits {
  /** Rows (events) per read, about: a single revision is never split. */
  limit: number;
  /** Key + value bytes per read, about (same rule). */
  maxBytes: number;
  /** Add each event's previous version when history still holds it (etcd: "if the previous
   *  KV is already compacted, nothing will be returned"). */
  prevKv: boolean;
}

/**
 * The events on keys in `r` at revisions [from, to], cut at a revision boundary once `limit`
 * rows or `maxBytes` are reached (a single revision over either is returned whole, since a
 * revision is never split). The sizes are read first (SQLite answers length() without loading
 * the values), so a step never loads more than it returns.
 */
export function readEvents(
  stmt: (sql: string) => Statement,
  r: KeyRange,
  from: number,
  to: number,
  opts: ReadLimits,
  /** The version of `key` just before revision `rev`, while history still holds it. */
  previous: (key: Uint8Array, rev: number) => KeyValue | undefined,
): EventsRead {
  if (isEmptyRange(r) || from > to) return { events: [], through: to };
  const { where, params } = rangeSql(r);
  const sizes = stmt(
    `SELECT rev, length(key) + length(value) AS n FROM history WHERE rev BETWEEN ? AND ? AND ${where} ` +
      "ORDER BY rev, sub LIMIT ?",
  ).all(from, to, ...params, opts.limit + 1);
  if (sizes.length === 0) return { events: [], through: to };
  let through = to;
  let bytes = 0;
  for (let i = 0; i < sizes.length; i++) {
    bytes += sizes[i].n as number;
    if (i === opts.limit || bytes > opts.maxBytes) {
      const cut = sizes[i].rev as number;
      through = cut > (sizes[0].rev as number) ? cut - 1 : cut;
      break;
    }
  }
  const rows = stmt(`SELECT ${COLS} FROM history WHERE rev BETWEEN ? AND ? AND ${where} ORDER BY rev, sub`)
    .all(from, through, ...params);
  const events = rows.map(toEvent);
  if (opts.prevKv) {
    for (const ev of events) {
      // A creation has no previous version (etcd's IsCreateEvent).
      if (ev.type === EventType.PUT && ev.kv.version === 1) continue;
      const prev = previous(ev.kv.key, ev.kv.modRevision);
      if (prev !== undefined) ev.prevKv = prev;
    }
  }
  return { events, through };
}
