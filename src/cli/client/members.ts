// `trireme members`: Cluster.MemberList, like `etcdctl member list -w table`.
import { parse, UsageError, type Command } from "../usage.ts";
import { COMMON_FLAGS, COMMON_HELP, withClient } from "./common.ts";
import { hexId, membersJson, table, toJson } from "./format.ts";

const usage = `Usage: trireme members [flags]

Lists the cluster's members as one endpoint sees them: id (hex), name, peer URLs, client
URLs, and whether each is a learner.

${COMMON_HELP}`;

export const membersCommand: Command = {
  name: "members",
  summary: "list the cluster's members (etcd Cluster.MemberList)",
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, COMMON_FLAGS, usage, true);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, usage);
    return withClient(values, usage, async ({ client, json, out }) => {
      const res = await client.call("memberList", {});
      if (json) out(toJson(membersJson(res)));
      else {
        const rows = (res.members ?? []).map((m) => [
          hexId(m.ID),
          m.name ?? "",
          (m.peerURLs ?? []).join(","),
          (m.clientURLs ?? []).join(","),
          String(m.isLearner === true),
        ]);
        out(table(["ID", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"], rows));
      }
      return 0;
    });
  },
};
