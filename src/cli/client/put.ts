// `trireme put KEY VALUE`: KV.Put.
import { parse, UsageError, type Command } from "../usage.ts";
import { COMMON_FLAGS, COMMON_HELP, readInput, withClient } from "./common.ts";
import { kvLines, putJson, toJson } from "./format.ts";
import { encode } from "./keys.ts";

const usage = `Usage: trireme put KEY VALUE [--prev-kv] [flags]

Stores VALUE under KEY as one new revision and prints OK. VALUE "-" reads the value from
stdin, every byte of it (a trailing newline is kept). A VALUE that starts with "-" goes
after "--", and flags before it: trireme put --prev-kv k -- -1.

Flags:
  --prev-kv         also print the key and value as they were before this put

${COMMON_HELP}`;

export const putCommand: Command = {
  name: "put",
  summary: "store a value under a key (etcd KV.Put)",
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...COMMON_FLAGS, "prev-kv": { type: "boolean" } }, usage, true);
    if (positionals.length !== 2) {
      throw new UsageError(`expected KEY VALUE, got ${positionals.length} argument${positionals.length === 1 ? "" : "s"}`, usage);
    }
    const [key, valueArg] = positionals;
    return withClient(values, usage, async ({ client, json, out }) => {
      const value = valueArg === "-" ? await readInput("-") : encode(valueArg);
      const res = await client.call("put", { key: encode(key), value, prevKv: values["prev-kv"] === true });
      if (json) out(toJson(putJson(res)));
      else out(["OK", ...(res.prevKv ? kvLines([res.prevKv]) : [])].join("\n"));
      return 0;
    });
  },
};
