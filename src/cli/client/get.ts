// `trireme get KEY [RANGE_END]`: KV.Range with etcdctl's flags.
import { etcdserverpb } from "../../gen/etcd.js";
import { parse, UsageError, type Command } from "../usage.ts";
import { COMMON_FLAGS, COMMON_HELP, parseChoice, parseInteger, withClient } from "./common.ts";
import { kvLines, rangeJson, toJson } from "./format.ts";
import { keyRange } from "./keys.ts";

const { SortOrder, SortTarget } = etcdserverpb.RangeRequest;

const SORT_TARGETS = { key: SortTarget.KEY, create: SortTarget.CREATE, modify: SortTarget.MOD, version: SortTarget.VERSION, value: SortTarget.VALUE };
const SORT_ORDERS = { asc: SortOrder.ASCEND, desc: SortOrder.DESCEND };

const usage = `Usage: trireme get KEY [RANGE_END] [flags]

Reads KEY, or the keys in [KEY, RANGE_END), and prints each as two lines: the key, then the
value (etcdctl's plain output).

Flags:
  --prefix            every key that starts with KEY ("" with --prefix: all keys)
  --from-key          every key >= KEY
  --limit N           at most N keys (0: no limit)
  --rev N             read as of revision N (0: the current one); an older revision than the
                      last compaction is an error
  --consistency l|s   l: linearizable (default), s: serializable (the member's local state)
  --keys-only         print only the keys
  --count-only        print only the number of keys in the range
  --sort-by T         key, create, modify, version or value
  --order O           asc or desc (default asc when --sort-by is given)

${COMMON_HELP}`;

const FLAGS = {
  ...COMMON_FLAGS,
  prefix: { type: "boolean" },
  "from-key": { type: "boolean" },
  limit: { type: "string" },
  rev: { type: "string" },
  consistency: { type: "string" },
  "keys-only": { type: "boolean" },
  "count-only": { type: "boolean" },
  "sort-by": { type: "string" },
  order: { type: "string" },
} as const;

type Values = ReturnType<typeof parse<typeof FLAGS>>["values"];

/** The RangeRequest the flags ask for; usage errors name the flag. */
export function rangeRequest(positionals: string[], values: Values): etcdserverpb.RangeRequest.$Properties {
  if (positionals.length < 1 || positionals.length > 2) {
    throw new UsageError(`expected KEY [RANGE_END], got ${positionals.length} arguments`, usage);
  }
  const range = keyRange(positionals[0], { rangeEnd: positionals[1], prefix: values.prefix, fromKey: values["from-key"] });
  if (typeof range === "string") throw new UsageError(range, usage);
  const target = values["sort-by"] === undefined
    ? undefined
    : SORT_TARGETS[parseChoice("--sort-by", values["sort-by"], Object.keys(SORT_TARGETS) as (keyof typeof SORT_TARGETS)[], usage)];
  const order = values.order === undefined
    ? undefined
    : SORT_ORDERS[parseChoice("--order", values.order, ["asc", "desc"] as const, usage)];
  const consistency = values.consistency === undefined ? "l" : parseChoice("--consistency", values.consistency, ["l", "s"] as const, usage);
  return {
    ...range,
    limit: values.limit === undefined ? 0 : parseInteger("--limit", values.limit, usage),
    revision: values.rev === undefined ? 0 : parseInteger("--rev", values.rev, usage),
    serializable: consistency === "s",
    keysOnly: values["keys-only"] === true,
    countOnly: values["count-only"] === true,
    sortTarget: target ?? SortTarget.KEY,
    // etcd sorts ascending when a target is given without an order; say so explicitly.
    sortOrder: order ?? (target !== undefined ? SortOrder.ASCEND : SortOrder.NONE),
  };
}

export const getCommand: Command = {
  name: "get",
  summary: "read a key or a range of keys (etcd KV.Range)",
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, FLAGS, usage, true);
    const req = rangeRequest(positionals, values);
    return withClient(values, usage, async ({ client, json, out }) => {
      const res = await client.call("range", req);
      if (json) out(toJson(rangeJson(res)));
      else if (req.countOnly) out(String(res.count ?? 0));
      else {
        const lines = kvLines(res.kvs, req.keysOnly === true);
        if (lines.length > 0) out(lines.join("\n"));
      }
      return 0;
    });
  },
};
