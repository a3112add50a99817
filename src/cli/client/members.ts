// `trireme members [list|add|remove|promote]`: etcd's Cluster service, like `etcdctl member ...`.
import type { etcdserverpb } from "../../gen/etcd.js";
import { parse, UsageError, type Command } from "../usage.ts";
import { COMMON_FLAGS, COMMON_HELP, withClient } from "./common.ts";
import { hexId, membersJson, table, toJson } from "./format.ts";

const usage = `Usage: trireme members [list] [flags]
       trireme members add --control-address HOST:PORT [--data-address HOST:PORT
                           --bulk-address HOST:PORT] [--client-address HOST:PORT] [--learner] [flags]
       trireme members remove ID [flags]
       trireme members promote ID [flags]

list     the cluster's members as one endpoint sees them: id (hex), name (empty: added, not
         started yet), peer URLs, client URLs, and whether each is a learner.
add      adds a member (a learner with --learner; promote it once it has caught up) and
         prints its id. Without --data-address/--bulk-address/--client-address they follow
         the port convention of \`trireme init\`: client, control, data, bulk = base, +1, +2, +3.
         Start the new member with [cluster] initial_state = "existing" in its config.toml.
remove   removes the member with id ID (hex, as listed); the removed member stops.
promote  makes the learner ID a voter; refused until it is in sync with the leader.

${COMMON_HELP}`;

const FLAGS = {
  ...COMMON_FLAGS,
  "control-address": { type: "string" },
  "data-address": { type: "string" },
  "bulk-address": { type: "string" },
  "client-address": { type: "string" },
  learner: { type: "boolean" },
} as const;

const SUBCOMMANDS = ["list", "add", "remove", "promote"] as const;
type Sub = (typeof SUBCOMMANDS)[number];

/** A member id as etcdctl prints and takes it: hexadecimal. */
export function parseMemberId(text: string | undefined, usage: string): number {
  if (text === undefined) throw new UsageError("missing the member ID (hex, as `trireme members` lists it)", usage);
  if (!/^[0-9a-fA-F]{1,13}$/.test(text) || parseInt(text, 16) === 0) {
    throw new UsageError(`member ID must be a non-zero hexadecimal number as \`trireme members\` lists it; got "${text}"`, usage);
  }
  return parseInt(text, 16);
}

/** The peer URLs of MemberAdd from the address flags, in trireme's documented order:
 *  control; or control, data, bulk; or control, data, bulk, client (docs/membership.md). */
export function peerURLsFromFlags(v: { "control-address"?: string; "data-address"?: string; "bulk-address"?: string; "client-address"?: string }, usage: string): string[] {
  const control = v["control-address"];
  if (control === undefined) throw new UsageError("members add needs --control-address HOST:PORT", usage);
  const data = v["data-address"];
  const bulk = v["bulk-address"];
  const client = v["client-address"];
  if ((data === undefined) !== (bulk === undefined)) throw new UsageError("give both --data-address and --bulk-address, or neither", usage);
  if (client !== undefined && data === undefined) {
    throw new UsageError("with --client-address, give --data-address and --bulk-address too (or none of the three)", usage);
  }
  const url = (a: string) => (/^[a-z]+:\/\//i.test(a) ? a : `http://${a}`);
  return [control, data, bulk, client].filter((a): a is string => a !== undefined).map(url);
}

const memberRows = (ms: etcdserverpb.IMember[] | null | undefined) =>
  (ms ?? []).map((m) => [hexId(m.ID), m.name ?? "", (m.peerURLs ?? []).join(","), (m.clientURLs ?? []).join(","), String(m.isLearner === true)]);
const HEADERS = ["ID", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"];

export const membersCommand: Command = {
  name: "members",
  summary: "list, add, remove or promote members (etcd Cluster service)",
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, FLAGS, usage, true);
    const sub = (positionals[0] ?? "list") as Sub;
    if (!SUBCOMMANDS.includes(sub)) throw new UsageError(`unknown members subcommand "${positionals[0]}"; expected one of ${SUBCOMMANDS.join(", ")}`, usage);
    const maxArgs = sub === "remove" || sub === "promote" ? 2 : 1;
    if (positionals.length > maxArgs) throw new UsageError(`unexpected argument "${positionals[maxArgs]}"`, usage);
    const addressFlags = ["control-address", "data-address", "bulk-address", "client-address", "learner"] as const;
    const stray = sub === "add" ? undefined : addressFlags.find((f) => values[f] !== undefined);
    if (stray !== undefined) throw new UsageError(`--${stray} is only for \`members add\``, usage);
    const id = sub === "remove" || sub === "promote" ? parseMemberId(positionals[1], usage) : 0;
    const peerURLs = sub === "add" ? peerURLsFromFlags(values, usage) : [];

    return withClient(values, usage, async ({ client, json, out }) => {
      switch (sub) {
        case "list": {
          const res = await client.call("memberList", {});
          out(json ? toJson(membersJson(res)) : table(HEADERS, memberRows(res.members)));
          return 0;
        }
        case "add": {
          const res = await client.call("memberAdd", { peerURLs, isLearner: values.learner === true });
          if (json) out(toJson({ ...membersJson(res), member: (membersJson({ members: res.member ? [res.member] : [] }).members as unknown[])[0] }));
          else {
            out(`Member ${hexId(res.member?.ID)} added to cluster ${hexId(res.header?.clusterId)}${values.learner === true ? " as a learner" : ""}`);
            out(table(HEADERS, memberRows(res.members)));
          }
          return 0;
        }
        case "remove":
        case "promote": {
          const res = sub === "remove" ? await client.call("memberRemove", { ID: id }) : await client.call("memberPromote", { ID: id });
          if (json) out(toJson(membersJson(res)));
          else out(`Member ${hexId(id)} ${sub === "remove" ? "removed from" : "promoted in"} cluster ${hexId(res.header?.clusterId)}`);
          return 0;
        }
      }
    });
  },
};
