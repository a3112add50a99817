// `trireme compact REV`: KV.Compact.
import { parse, UsageError, type Command } from "../usage.ts";
import { COMMON_FLAGS, COMMON_HELP, parseInteger, withClient } from "./common.ts";
import { compactJson, toJson } from "./format.ts";

const usage = `Usage: trireme compact REV [--physical] [flags]

Discards the history before revision REV: reads at an older revision fail afterwards with
"mvcc: required revision has been compacted".

Flags:
  --physical        wait until the compaction has been applied to storage

${COMMON_HELP}`;

export const compactCommand: Command = {
  name: "compact",
  summary: "discard the key history before a revision (etcd KV.Compact)",
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...COMMON_FLAGS, physical: { type: "boolean" } }, usage, true);
    if (positionals.length !== 1) throw new UsageError(`expected REV, got ${positionals.length} arguments`, usage);
    const revision = parseInteger("REV", positionals[0], usage, 1);
    return withClient(values, usage, async ({ client, json, out }) => {
      const res = await client.call("compact", { revision, physical: values.physical === true });
      out(json ? toJson(compactJson(res)) : `compacted revision ${revision}`);
      return 0;
    });
  },
};
