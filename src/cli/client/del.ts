// `trireme del KEY [RANGE_END]`: KV.DeleteRange.
import { parse, UsageError, type Command } from "../usage.ts";
import { COMMON_FLAGS, COMMON_HELP, withClient } from "./common.ts";
import { deleteJson, kvLines, toJson } from "./format.ts";
import { keyRange } from "./keys.ts";

const usage = `Usage: trireme del KEY [RANGE_END] [flags]

Deletes KEY, or the keys in [KEY, RANGE_END), and prints how many were deleted.

Flags:
  --prefix          every key that starts with KEY
  --from-key        every key >= KEY
  --prev-kv         also print the deleted keys and values

${COMMON_HELP}`;

export const delCommand: Command = {
  name: "del",
  summary: "delete a key or a range of keys (etcd KV.DeleteRange)",
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      ...COMMON_FLAGS,
      prefix: { type: "boolean" },
      "from-key": { type: "boolean" },
      "prev-kv": { type: "boolean" },
    }, usage, true);
    if (positionals.length < 1 || positionals.length > 2) {
      throw new UsageError(`expected KEY [RANGE_END], got ${positionals.length} arguments`, usage);
    }
    const range = keyRange(positionals[0], { rangeEnd: positionals[1], prefix: values.prefix, fromKey: values["from-key"] });
    if (typeof range === "string") throw new UsageError(range, usage);
    return withClient(values, usage, async ({ client, json, out }) => {
      const res = await client.call("deleteRange", { ...range, prevKv: values["prev-kv"] === true });
      if (json) out(toJson(deleteJson(res)));
      else out([String(res.deleted ?? 0), ...kvLines(res.prevKvs)].join("\n"));
      return 0;
    });
  },
};
