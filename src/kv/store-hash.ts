// etcd's Maintenance.Hash: a hash of the whole backend, every bucket (keys, leases, alarms, auth,
// meta) rather than HashKV's key history alone; etcd hashes bbolt's buckets and ignores the
// consistent index and term, which say where in the log a member is. Ours is a CRC-32 of kv.db's
// logical contents, not of its bytes (pages, free space and row order on disk differ between
// replicas that hold the same data):
//
//   for each table in TABLES order: its name, then each row in primary-key order, each column
//   in the listed order as a type tag, a length and the value's bytes (integers as 8-byte
//   big-endian, text as UTF-8);
//   meta without applied_index, applied_term (a member's position in the log) and
//   source_cluster_id (the mark a backup image carries); history without its crc column (a
//   checksum of the row, NULL in rows an older build wrote).
//
// So members that applied the same log hash the same, whatever their files look like, and a
// member whose kv.db differs in any key, version, lease, alarm, user or role hashes differently.
import { crc32 } from "node:zlib";
import type { SqlValue, Statement } from "../storage/sqlite.ts";

/** Tables and the columns hashed, in order; every column of the primary key first. */
const TABLES: readonly { name: string; columns: readonly string[]; key: readonly string[]; where?: string }[] = [
  { name: "meta", columns: ["name", "value"], key: ["name"], where: "name NOT IN ('applied_index', 'applied_term', 'source_cluster_id')" },
  { name: "history", columns: ["rev", "sub", "key", "create_rev", "version", "value", "lease"], key: ["rev", "sub"] },
  { name: "lease", columns: ["id", "ttl"], key: ["id"] },
  { name: "alarm", columns: ["member", "type"], key: ["member", "type"] },
  { name: "auth_user", columns: ["name", "user"], key: ["name"] },
  { name: "auth_role", columns: ["name", "role"], key: ["name"] },
  { name: "auth_secret", columns: ["name", "value"], key: ["name"] },
];

/** Rows read per statement: the walk pages through a large history. */
const PAGE_ROWS = 1000;

const enc = new TextEncoder();

function tagged(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, tag);
  view.setUint32(1, body.byteLength);
  out.set(body, 5);
  return out;
}

function encodeValue(v: SqlValue): Uint8Array {
  if (v === null) return tagged(0, new Uint8Array(0));
  if (typeof v === "number" || typeof v === "bigint") {
    const body = new Uint8Array(8);
    new DataView(body.buffer).setBigInt64(0, BigInt(v));
    return tagged(1, body);
  }
  if (typeof v === "string") return tagged(2, enc.encode(v));
  return tagged(3, v);
}

/** The hash of the store behind `prepare` (statements on its applying connection). */
export function hashStore(prepare: (sql: string) => Statement): number {
  let hash = 0;
  for (const t of TABLES) {
    hash = crc32(encodeValue(t.name), hash);
    const keyList = t.key.join(", ");
    const after = `(${keyList}) > (${t.key.map(() => "?").join(", ")})`;
    const where = (cond: string | undefined) => [t.where, cond].filter((c) => c !== undefined).join(" AND ");
    const base = `SELECT ${t.columns.join(", ")} FROM ${t.name}`;
    const order = ` ORDER BY ${keyList} LIMIT ${PAGE_ROWS}`;
    const first = prepare(base + (t.where ? ` WHERE ${where(undefined)}` : "") + order);
    const next = prepare(`${base} WHERE ${where(after)}${order}`);
    for (let rows = first.all(); ; ) {
      for (const row of rows) for (const c of t.columns) hash = crc32(encodeValue(row[c] ?? null), hash);
      if (rows.length < PAGE_ROWS) break;
      const last = rows[rows.length - 1]!;
      rows = next.all(...t.key.map((k) => last[k] ?? null));
    }
  }
  return hash >>> 0;
}
