// The protobuf JSON mapping etcd's gRPC gateway uses (grpc-gateway v1's default marshaler,
// JSONPb{OrigName: true}): fields by their .proto names (`create_revision`, but `dbSize` and
// `peerURLs`, which etcd's .proto spells so), 64-bit integers as decimal strings, bytes as
// base64, enums by name, and fields at their default value left out. Requests may use either
// the .proto name or the lowerCamel JSON name, as jsonpb accepts both.

/** The .proto field names that contain "_" (all others are the same in protobufjs's camelCase),
 *  by their protobufjs name. test/api/gateway-json.test.ts checks it against proto/etcd/. */
const ORIG_NAMES: Record<string, string> = Object.fromEntries([
  "cancel_reason", "cancel_request", "cluster_id", "compact_revision", "count_only", "create_request",
  "create_revision", "delete_range", "ignore_lease", "ignore_value", "keys_only", "lease_grant", "lease_revoke",
  "max_create_revision", "max_mod_revision", "member_id", "min_create_revision", "min_mod_revision", "mod_revision",
  "no_password", "prev_kv", "prev_kvs", "progress_notify", "progress_request", "range_end", "remaining_bytes",
  "request_delete_range", "request_put", "request_range", "request_txn", "response_delete_range", "response_put",
  "response_range", "response_txn", "sort_order", "sort_target", "start_revision", "watch_id",
].map((orig) => [camelCase(orig), orig]));

/** protobufjs's util.camelCase: an underscore and the letter after it become that letter in upper case. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** ResponseHeader's raft_term is StatusResponse's raftTerm in protobufjs's names too: the one
 *  clash in etcd's .proto, told apart by place (every `header` field is a ResponseHeader). */
const HEADER_NAMES: Record<string, string> = { ...ORIG_NAMES, raftTerm: "raft_term" };

export const origName = (camel: string, inHeader = false): string => (inHeader ? HEADER_NAMES : ORIG_NAMES)[camel] ?? camel;

export const PROTO_NAMES_WITH_UNDERSCORE: readonly string[] = Object.values(HEADER_NAMES);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/** A request body's keys as protobufjs's fromObject reads them. */
export function requestKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(requestKeys);
  if (!isPlainObject(v)) return v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) out[camelCase(k)] = requestKeys(x as Json);
  return out;
}

/** Drops the fields a proto3 JSON marshaler without EmitDefaults leaves out (zero numbers and
 *  enums, false, "", empty bytes and lists) from a decoded message, recursively, in place:
 *  protobufjs decodes a zero the server wrote explicitly as an own property. */
export function dropDefaults(m: unknown): void {
  if (!isPlainObject(m)) return;
  for (const [k, v] of Object.entries(m)) {
    if (v === 0 || v === false || v === "" || v === null || (v instanceof Uint8Array && v.length === 0) || (Array.isArray(v) && v.length === 0)) {
      delete m[k];
    } else if (Array.isArray(v)) {
      for (const x of v) dropDefaults(x);
    } else {
      dropDefaults(v);
    }
  }
}

/** toObject's output with .proto names. */
export function responseKeys(v: unknown, inHeader = false): Json {
  if (Array.isArray(v)) return v.map((x) => responseKeys(x));
  if (!isPlainObject(v)) return v as Json;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) out[origName(k, inHeader)] = responseKeys(x, k === "header");
  return out;
}

/** The complete JSON values at the start of `text` ("{...}\n{...}" for a stream of requests)
 *  and what follows them: a value not finished yet, or "". Throws a SyntaxError naming what
 *  is wrong with a complete one. */
export function splitJson(text: string): { values: Json[]; rest: string } {
  const values: Json[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === " " || c === "\n" || c === "\r" || c === "\t") {
      if (depth === 0 && start >= 0) {
        values.push(JSON.parse(text.slice(start, i)) as Json);
        start = -1;
      }
      continue;
    }
    if (start < 0) start = i;
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth < 0) throw new SyntaxError(`invalid character '${c}' looking for beginning of value`);
      if (depth === 0) {
        values.push(JSON.parse(text.slice(start, i + 1)) as Json);
        start = -1;
      }
    }
  }
  return { values, rest: start < 0 ? "" : text.slice(start) };
}

/** Every JSON value in a whole body; an empty body is no value. Throws a SyntaxError. */
export function jsonValues(text: string): Json[] {
  const { values, rest } = splitJson(text);
  if (rest === "") return values;
  if (rest[0] === "{" || rest[0] === "[" || rest[0] === '"') throw new SyntaxError("unexpected EOF");
  values.push(JSON.parse(rest) as Json);
  return values;
}

export type { Json };
