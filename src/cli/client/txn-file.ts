// The JSON form of a transaction (`trireme txn --file F`), checked field by field so that a
// mistake names its place in the file, e.g. `success[1].put.value: expected a string`.
import { etcdserverpb } from "../../gen/etcd.js";
import { encode, keyRange } from "./keys.ts";

type TxnRequest = etcdserverpb.TxnRequest.$Properties;
type RequestOp = etcdserverpb.RequestOp.$Properties;
type Compare = etcdserverpb.Compare.$Properties;
const { CompareResult, CompareTarget } = etcdserverpb.Compare;

export const TXN_FORMAT_HELP = `The transaction, as JSON:
  {
    "compare": [ {"key": "a", "target": "value", "result": "=", "value": "x"},
                 {"key": "b", "target": "version", "result": ">", "value": 0} ],
    "success": [ {"put": {"key": "a", "value": "b"}}, {"get": {"key": "a"}}, {"del": {"key": "c"}} ],
    "failure": [ {"get": {"key": "a", "prefix": true}} ]
  }
  compare: every entry must hold for "success" to run, else "failure" runs.
    target  "value" (value is a string), "version", "create" or "mod" (value is a number:
            the key's version, create revision or mod revision; 0 for a missing key)
    result  "=", "!=", "<" or ">"
    also    "range_end": "z" or "prefix": true to compare every key in a range
  operations (each object has exactly one of):
    "put"   {"key", "value", "prev_kv"?}
    "get"   {"key", "range_end"?, "prefix"?, "from_key"?, "limit"?, "rev"?, "keys_only"?,
             "count_only"?, "serializable"?}
    "del"   {"key", "range_end"?, "prefix"?, "from_key"?, "prev_kv"?}
    "txn"   a nested transaction of this same form
  Every field is optional except the keys; unknown fields are an error.`;

export class TxnFormatError extends Error {}

type Obj = Record<string, unknown>;

class Reader {
  constructor(private readonly path: string, private readonly obj: Obj) {}

  static of(path: string, v: unknown): Reader {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new TxnFormatError(`${path}: expected an object`);
    return new Reader(path, v as Obj);
  }

  only(...allowed: string[]): this {
    for (const k of Object.keys(this.obj)) {
      if (!allowed.includes(k)) throw new TxnFormatError(`${this.at(k)}: unknown field; expected one of ${allowed.join(", ")}`);
    }
    return this;
  }

  at(k: string): string {
    return this.path === "" ? k : `${this.path}.${k}`;
  }

  string(k: string): string;
  string(k: string, optional: true): string | undefined;
  string(k: string, optional = false): string | undefined {
    const v = this.obj[k];
    if (v === undefined && optional) return undefined;
    if (typeof v !== "string") throw new TxnFormatError(`${this.at(k)}: expected a string`);
    return v;
  }

  bool(k: string): boolean {
    const v = this.obj[k];
    if (v === undefined) return false;
    if (typeof v !== "boolean") throw new TxnFormatError(`${this.at(k)}: expected true or false`);
    return v;
  }

  count(k: string): number {
    const v = this.obj[k];
    if (v === undefined) return 0;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw new TxnFormatError(`${this.at(k)}: expected a whole number >= 0`);
    }
    return v;
  }

  list(k: string): unknown[] {
    const v = this.obj[k];
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new TxnFormatError(`${this.at(k)}: expected a list`);
    return v;
  }

  raw(k: string): unknown {
    return this.obj[k];
  }

  keys(): string[] {
    return Object.keys(this.obj);
  }

  range(): { key: Uint8Array; rangeEnd?: Uint8Array } {
    const r = keyRange(this.string("key"), {
      rangeEnd: this.string("range_end", true),
      prefix: this.bool("prefix"),
      fromKey: this.bool("from_key"),
    }, { rangeEnd: '"range_end"', prefix: '"prefix"', fromKey: '"from_key"' });
    if (typeof r === "string") throw new TxnFormatError(`${this.path}: ${r}`);
    return r;
  }
}

const RESULTS: Record<string, etcdserverpb.Compare.CompareResult> = {
  "=": CompareResult.EQUAL,
  "!=": CompareResult.NOT_EQUAL,
  "<": CompareResult.LESS,
  ">": CompareResult.GREATER,
};
const NUMERIC_TARGETS = {
  version: { target: CompareTarget.VERSION, field: "version" },
  create: { target: CompareTarget.CREATE, field: "createRevision" },
  mod: { target: CompareTarget.MOD, field: "modRevision" },
} as const;

function compare(path: string, v: unknown): Compare {
  const r = Reader.of(path, v).only("key", "range_end", "prefix", "target", "result", "value");
  const range = r.range();
  const resultText = r.string("result");
  const result = RESULTS[resultText];
  if (result === undefined) throw new TxnFormatError(`${r.at("result")}: expected "=", "!=", "<" or ">", got "${resultText}"`);
  const targetText = r.string("target");
  if (targetText === "value") return { ...range, result, target: CompareTarget.VALUE, value: encode(r.string("value")) };
  const numeric = NUMERIC_TARGETS[targetText as keyof typeof NUMERIC_TARGETS];
  if (numeric === undefined) {
    throw new TxnFormatError(`${r.at("target")}: expected "value", "version", "create" or "mod", got "${targetText}"`);
  }
  const raw = r.raw("value");
  if (typeof raw !== "number" || !Number.isSafeInteger(raw) || raw < 0) {
    throw new TxnFormatError(`${r.at("value")}: expected a whole number >= 0 for target "${targetText}"`);
  }
  return { ...range, result, target: numeric.target, [numeric.field]: raw };
}

function operation(path: string, v: unknown): RequestOp {
  const outer = Reader.of(path, v);
  const kinds = outer.keys();
  if (kinds.length !== 1) throw new TxnFormatError(`${path}: expected exactly one of "put", "get", "del", "txn"`);
  const kind = kinds[0];
  const at = outer.at(kind);
  switch (kind) {
    case "put": {
      const r = Reader.of(at, outer.raw(kind)).only("key", "value", "prev_kv");
      return { requestPut: { key: encode(r.string("key")), value: encode(r.string("value")), prevKv: r.bool("prev_kv") } };
    }
    case "get": {
      const r = Reader.of(at, outer.raw(kind))
        .only("key", "range_end", "prefix", "from_key", "limit", "rev", "keys_only", "count_only", "serializable");
      return {
        requestRange: {
          ...r.range(),
          limit: r.count("limit"),
          revision: r.count("rev"),
          keysOnly: r.bool("keys_only"),
          countOnly: r.bool("count_only"),
          serializable: r.bool("serializable"),
        },
      };
    }
    case "del": {
      const r = Reader.of(at, outer.raw(kind)).only("key", "range_end", "prefix", "from_key", "prev_kv");
      return { requestDeleteRange: { ...r.range(), prevKv: r.bool("prev_kv") } };
    }
    case "txn":
      return { requestTxn: txnFrom(at, outer.raw(kind)) };
    default:
      throw new TxnFormatError(`${at}: unknown operation; expected "put", "get", "del" or "txn"`);
  }
}

function txnFrom(path: string, v: unknown): TxnRequest {
  const r = Reader.of(path, v).only("compare", "success", "failure");
  return {
    compare: r.list("compare").map((c, i) => compare(`${r.at("compare")}[${i}]`, c)),
    success: r.list("success").map((o, i) => operation(`${r.at("success")}[${i}]`, o)),
    failure: r.list("failure").map((o, i) => operation(`${r.at("failure")}[${i}]`, o)),
  };
}

/** Parses the JSON form; throws TxnFormatError naming the place of the first mistake. */
export function parseTxn(text: string): TxnRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new TxnFormatError(`not valid JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new TxnFormatError(`expected an object with "compare", "success" and "failure"`);
  }
  return txnFrom("", doc);
}
