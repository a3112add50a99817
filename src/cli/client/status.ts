// `trireme status`: Maintenance.Status of every endpoint, like `etcdctl endpoint status`.
import type { etcdserverpb } from "../../gen/etcd.js";
import { parse, UsageError, type Command } from "../usage.ts";
import { COMMON_FLAGS, COMMON_HELP, withClient } from "./common.ts";
import { hexId, humanBytes, statusJson, table, toJson } from "./format.ts";

const usage = `Usage: trireme status [flags]

Asks every endpoint in --endpoints for its status and prints one row per member: endpoint,
member id (hex), version, database size, whether it is the leader or a learner, raft term,
commit index, applied index and errors. An endpoint that does not answer is reported on
stderr, and the exit status is then 1.

${COMMON_HELP}`;

const HEADERS = ["ENDPOINT", "ID", "VERSION", "DB SIZE", "IS LEADER", "IS LEARNER", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "ERRORS"];

function row(endpoint: string, s: etcdserverpb.StatusResponse.$Properties): string[] {
  const id = s.header?.memberId ?? 0;
  return [
    endpoint,
    hexId(id),
    s.version ?? "",
    humanBytes(s.dbSize ?? 0),
    String(id !== 0 && s.leader === id),
    String(s.isLearner === true),
    String(s.raftTerm ?? 0),
    String(s.raftIndex ?? 0),
    String(s.raftAppliedIndex ?? 0),
    (s.errors ?? []).join(", "),
  ];
}

export const statusCommand: Command = {
  name: "status",
  summary: "status of every endpoint (etcd Maintenance.Status)",
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, COMMON_FLAGS, usage, true);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, usage);
    return withClient(values, usage, async ({ client, json, out }) => {
      // Every member is asked at once: one slow member should not add its delay to the others'.
      const answers = await Promise.all(client.endpoints.map((ep) => client.callEndpoint(ep, "status", {})));
      const ok: { endpoint: string; res: etcdserverpb.StatusResponse.$Properties }[] = [];
      answers.forEach((a, i) => {
        if (a.ok) ok.push({ endpoint: client.endpoints[i], res: a.res });
        else console.error(`Failed to get the status of endpoint ${a.failure.endpoint} (${a.failure.details})`);
      });
      if (json) out(toJson(ok.map((s) => statusJson(s.endpoint, s.res))));
      else if (ok.length > 0) out(table(HEADERS, ok.map((s) => row(s.endpoint, s.res))));
      return ok.length === answers.length ? 0 : 1;
    });
  },
};
