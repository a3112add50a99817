// Output of the client commands. Plain text follows etcdctl's simple and table printers; JSON
// follows `etcdctl -w json`, which is Go's encoding/json over etcd's structs: snake_case field
// names from the proto's json tags (Status and Member keep their camelCase proto names),
// bytes in base64, and zero values left out (omitempty).
import { Buffer } from "node:buffer";
import type { etcdserverpb, mvccpb } from "../../gen/etcd.js";

type KeyValue = mvccpb.KeyValue.$Properties;
type Header = etcdserverpb.ResponseHeader.$Properties;
type Json = Record<string, unknown>;

function bytes(b: Uint8Array | null | undefined): Buffer {
  if (!b) return Buffer.alloc(0);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Bytes as UTF-8 text (invalid sequences become U+FFFD). */
export const utf8 = (b: Uint8Array | null | undefined): string => bytes(b).toString("utf8");
const base64 = (b: Uint8Array | null | undefined): string => bytes(b).toString("base64");

/** Drops what Go's omitempty drops: 0, false, "", empty arrays, null/undefined. */
function omitEmpty(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null || v === 0 || v === false || v === "") continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}

export const headerJson = (h: Header | null | undefined): Json =>
  omitEmpty({ cluster_id: h?.clusterId, member_id: h?.memberId, revision: h?.revision, raft_term: h?.raftTerm });

export function kvJson(kv: KeyValue): Json {
  return omitEmpty({
    key: kv.key && kv.key.length > 0 ? base64(kv.key) : undefined,
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
    value: kv.value && kv.value.length > 0 ? base64(kv.value) : undefined,
    lease: kv.lease,
  });
}

export const rangeJson = (r: etcdserverpb.RangeResponse.$Properties): Json =>
  omitEmpty({ header: headerJson(r.header), kvs: (r.kvs ?? []).map(kvJson), more: r.more, count: r.count });

export const putJson = (r: etcdserverpb.PutResponse.$Properties): Json =>
  omitEmpty({ header: headerJson(r.header), prev_kv: r.prevKv ? kvJson(r.prevKv) : undefined });

export const deleteJson = (r: etcdserverpb.DeleteRangeResponse.$Properties): Json =>
  omitEmpty({ header: headerJson(r.header), deleted: r.deleted, prev_kvs: (r.prevKvs ?? []).map(kvJson) });

/** Txn responses as {"response_range"|"response_put"|"response_delete_range"|"response_txn": ...}
 *  (the proto's oneof field names; Go would print a "Response" wrapper instead). */
export function txnJson(r: etcdserverpb.TxnResponse.$Properties): Json {
  const responses = (r.responses ?? []).map((op): Json => {
    if (op.responseRange) return { response_range: rangeJson(op.responseRange) };
    if (op.responsePut) return { response_put: putJson(op.responsePut) };
    if (op.responseDeleteRange) return { response_delete_range: deleteJson(op.responseDeleteRange) };
    if (op.responseTxn) return { response_txn: txnJson(op.responseTxn) };
    return {};
  });
  return omitEmpty({ header: headerJson(r.header), succeeded: r.succeeded, responses });
}

export const compactJson = (r: etcdserverpb.CompactionResponse.$Properties): Json => omitEmpty({ header: headerJson(r.header) });

/** `etcdctl endpoint status -w json`: one {Endpoint, Status} per endpoint. */
export const statusJson = (endpoint: string, s: etcdserverpb.StatusResponse.$Properties): Json => ({
  Endpoint: endpoint,
  Status: omitEmpty({
    header: headerJson(s.header),
    version: s.version,
    dbSize: s.dbSize,
    leader: s.leader,
    raftIndex: s.raftIndex,
    raftTerm: s.raftTerm,
    raftAppliedIndex: s.raftAppliedIndex,
    errors: s.errors,
    dbSizeInUse: s.dbSizeInUse,
    isLearner: s.isLearner,
  }),
});

export const membersJson = (r: etcdserverpb.MemberListResponse.$Properties): Json =>
  omitEmpty({
    header: headerJson(r.header),
    members: (r.members ?? []).map((m) =>
      omitEmpty({ ID: m.ID, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner })
    ),
  });

/** etcdctl's simple printer: the key on one line, the value on the next. */
export function kvLines(kvs: KeyValue[] | null | undefined, keysOnly = false): string[] {
  const lines: string[] = [];
  for (const kv of kvs ?? []) {
    lines.push(utf8(kv.key));
    if (!keysOnly) lines.push(utf8(kv.value));
  }
  return lines;
}

/** Member and cluster ids the way etcd prints them: lower-case hex. */
export const hexId = (id: number | null | undefined): string => (id ?? 0).toString(16);

/** go-humanize's Bytes (SI units), which etcdctl uses for DB SIZE: "20 kB", "1.5 MB". */
export function humanBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
  const e = Math.min(Math.floor(Math.log(n) / Math.log(1000)), units.length - 1);
  const tenths = Math.floor((n / 1000 ** e) * 10 + 0.5);
  if (tenths < 100) return `${(tenths / 10).toFixed(1)} ${units[e]}`;
  // Go's %.0f rounds an exact half to even (20.5 -> "20"); toFixed would round it up.
  const whole = tenths % 10 === 5 ? (tenths - 5) / 10 + (((tenths - 5) / 10) % 2) : Math.round(tenths / 10);
  return `${whole} ${units[e]}`;
}

/** A bordered table like etcdctl -w table: centred headers, right-aligned cells. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const rule = `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+`;
  const centre = (s: string, w: number) => {
    const left = Math.floor((w - s.length) / 2);
    return " ".repeat(left) + s + " ".repeat(w - s.length - left);
  };
  const line = (cells: string[], fit: (s: string, w: number) => string) =>
    `| ${cells.map((c, i) => fit(c, widths[i])).join(" | ")} |`;
  return [
    rule,
    line(headers, centre),
    rule,
    ...rows.map((r) => line(r, (s, w) => s.padStart(w))),
    rule,
  ].join("\n");
}

export const toJson = (value: unknown): string => JSON.stringify(value);
