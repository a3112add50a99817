// `trireme init`: writes complete, commented config files from a deployment and a network preset.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseConfig } from "../config/load.ts";
import { parseHost, parseMembers } from "../config/members.ts";
import { presetFile } from "../config/preset-file.ts";
import {
  DEPLOYMENT_PRESETS,
  NETWORK_PRESETS,
  type DeploymentPreset,
  type Member,
  type NetworkPreset,
  type PresetOptions,
  TLS_BY_DEFAULT,
} from "../config/presets.ts";
import { DEFAULT_DAYS, writeCerts } from "./certs.ts";
import { DEFAULT_BASE_PORT, DEFAULT_HOST } from "../config/schema.ts";
import { parse, UsageError, type Command } from "./usage.ts";

const usage = `Usage: trireme init [flags]

Writes a complete, commented config.toml from two presets: a deployment (the tuning guide's
reference configurations) and a network (its keep-alive, frame-size and RPC timeout tables).
Without -o or --out-dir the file goes to stdout.

Flags:
  --preset NAME       ${DEPLOYMENT_PRESETS.join(" | ")} (default single)
  --network NAME      ${NETWORK_PRESETS.join(" | ")} (default lan)
  --peers LIST        every member of the cluster, this node included, as ID=HOST[:PORT],...
                        PORT (default ${DEFAULT_BASE_PORT}) is the member's client port; its control, data,
                        bulk and metrics ports are PORT+1, +2, +3, +4. IPv6 hosts in brackets.
                        e.g. --peers 1=10.0.0.1,2=10.0.0.2,3=10.0.0.3
                        one host: --peers 1=127.0.0.1,2=127.0.0.1:2479,3=127.0.0.1:2579
  --node-id N         this node's id (default: the first member of --peers, else 1)
  --host HOST[:PORT]  this node's host and client port when there is no --peers
                        (default ${DEFAULT_HOST}:${DEFAULT_BASE_PORT}; PORT+1..PORT+4 as above)
  --name S            this node's name (default node-<id>); not with --out-dir and --peers
  --data-dir D        data directory, relative to the file (default "data", or "data/node-<id>"
                        when there are several members, so members sharing a directory differ)
  --cluster-name S    the cluster's name (default "trireme")
  --cluster-token S   cluster.token, part of the id the cluster gets at bootstrap (default: a new
                        random one; every file of one --out-dir run shares it). Writing one
                        member's file at a time, give each the token the first run printed
  --initial-state S   new | existing (default new): "existing" for a member added to a running
                        cluster with \`member add\` (--peers then lists the running members and it)
  --tls               write a cluster CA and certificates (trireme certs) into tls/ beside the
                        files and turn on [tls.client] and [tls.peer] (the default for the wan,
                        lossy and unstable networks: their traffic crosses untrusted networks)
  --no-tls            leave TLS off whatever the network
  -o, --output FILE   write this node's file to FILE
  --out-dir DIR       write DIR/node-<id>.toml for every member (for this node without --peers)
  --force             overwrite existing files (otherwise init refuses and exits 1)
  -h, --help          show this help`;

/** Where --tls puts the certificates, relative to the config files. */
const TLS_DIR = "tls";

/** What --cluster-token accepts: safe to print in the file's header and on a command line. */
const TOKEN = /^[A-Za-z0-9._-]{1,128}$/;

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}; got "${value}"`, usage);
}

export const initCommand: Command = {
  name: "init",
  summary: "write a commented config.toml from a deployment and a network preset",
  usage,
  async run(argv) {
    const { values } = parse(
      argv,
      {
        preset: { type: "string" },
        network: { type: "string" },
        peers: { type: "string" },
        "node-id": { type: "string" },
        host: { type: "string" },
        name: { type: "string" },
        "data-dir": { type: "string" },
        "cluster-name": { type: "string" },
        "cluster-token": { type: "string" },
        "initial-state": { type: "string" },
        output: { type: "string", short: "o" },
        "out-dir": { type: "string" },
        force: { type: "boolean" },
        tls: { type: "boolean" },
        "no-tls": { type: "boolean" },
      },
      usage,
    );
    const deployment = oneOf<DeploymentPreset>("preset", values.preset, DEPLOYMENT_PRESETS, "single");
    const network = oneOf<NetworkPreset>("network", values.network, NETWORK_PRESETS, "lan");
    const initialState = values["initial-state"] === undefined ? undefined : oneOf("initial-state", values["initial-state"], ["new", "existing"] as const, "new");
    if (values.output !== undefined && values["out-dir"] !== undefined) throw new UsageError("give -o FILE or --out-dir DIR, not both", usage);
    if (values.peers !== undefined && values.host !== undefined) {
      throw new UsageError("--host and --peers both given: with --peers, each member's host comes from the list", usage);
    }
    if (values.name !== undefined && values["out-dir"] !== undefined && values.peers !== undefined) {
      throw new UsageError("--name names one node; with --out-dir and --peers every member is named node-<id>", usage);
    }
    let nodeId: number | undefined;
    if (values["node-id"] !== undefined) {
      nodeId = Number(values["node-id"]);
      if (!/^\d+$/.test(values["node-id"]) || !Number.isSafeInteger(nodeId) || nodeId < 1) {
        throw new UsageError(`--node-id must be an integer ≥ 1; got "${values["node-id"]}"`, usage);
      }
    }

    let members: Member[];
    if (values.peers !== undefined) {
      const parsed = parseMembers(values.peers);
      if (typeof parsed === "string") throw new UsageError(`--peers: ${parsed}`, usage);
      members = parsed;
      nodeId ??= members[0].id;
      if (!members.some((m) => m.id === nodeId)) {
        throw new UsageError(`--node-id ${nodeId} is not in --peers (ids ${members.map((m) => m.id).join(", ")})`, usage);
      }
    } else {
      const host = values.host === undefined ? { host: DEFAULT_HOST, basePort: DEFAULT_BASE_PORT } : parseHost(values.host);
      if (typeof host === "string") throw new UsageError(`--host: ${host}`, usage);
      nodeId ??= 1;
      members = [{ id: nodeId, ...host }];
    }
    if (deployment !== "single" && members.length === 1) {
      console.error(`trireme init: note: preset ${deployment} is tuned for a cluster; pass --peers to list its members`);
    }

    const givenToken = values["cluster-token"];
    if (givenToken !== undefined && !TOKEN.test(givenToken)) {
      throw new UsageError(`--cluster-token must be 1-128 letters, digits, '.', '_' or '-'; got "${givenToken}"`, usage);
    }
    // Random so that two clusters made alike (same name, ids, addresses) still differ.
    const clusterToken = givenToken ?? randomBytes(16).toString("hex");
    // A member joining a running cluster learns the id from it: its token need not match.
    if (givenToken === undefined && members.length > 1 && values["out-dir"] === undefined && initialState !== "existing") {
      console.error(
        `trireme init: note: cluster.token is a new random value; write the other members' files with --cluster-token ${clusterToken} ` +
          "(or all at once with --out-dir), or their members will refuse each other as another cluster",
      );
    }

    if (values.tls === true && values["no-tls"] === true) throw new UsageError("--tls and --no-tls both given", usage);
    const toFiles = values.output !== undefined || values["out-dir"] !== undefined;
    let tls = values["no-tls"] !== true && (values.tls === true || TLS_BY_DEFAULT.includes(network));
    if (tls && !toFiles) {
      if (values.tls === true) throw new UsageError("--tls writes certificate files beside the config: give -o FILE or --out-dir DIR", usage);
      console.error(`trireme init: note: --network ${network} turns TLS on when init writes files (-o or --out-dir), with their certificates; this output has TLS off`);
      tls = false;
    }

    const base: Omit<PresetOptions, "nodeId" | "dataDir"> = {
      deployment,
      network,
      members,
      ...(values.name === undefined ? {} : { name: values.name }),
      ...(values["cluster-name"] === undefined ? {} : { clusterName: values["cluster-name"] }),
      clusterToken,
      ...(initialState === undefined ? {} : { initialState }),
      ...(tls ? { tlsDir: TLS_DIR } : {}),
    };
    const render = (id: number, fileName: string): string => {
      const d = values["data-dir"];
      const text = presetFile({ ...base, nodeId: id, ...(d === undefined ? {} : { dataDir: d }) });
      parseConfig(text, fileName); // what init writes must load; a ConfigError here is a bug or a bad flag value
      return text;
    };

    if (values.output === undefined && values["out-dir"] === undefined) {
      process.stdout.write(render(nodeId, "<stdout>"));
      return 0;
    }
    const targets: { id: number; file: string }[] =
      values["out-dir"] !== undefined
        ? (values.peers !== undefined ? members : members.filter((m) => m.id === nodeId)).map((m) => ({
            id: m.id,
            file: join(values["out-dir"] as string, `node-${m.id}.toml`),
          }))
        : [{ id: nodeId, file: values.output as string }];
    if (values.force !== true) {
      const existing = targets.filter((t) => existsSync(t.file)).map((t) => t.file);
      if (existing.length > 0) {
        console.error(`trireme init: ${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""}; pass --force to overwrite`);
        return 1;
      }
    }
    if (tls) {
      // The certificates first: the configs point at them, and rendering checks they load.
      const dir = join(values["out-dir"] ?? dirname(values.output as string), TLS_DIR);
      try {
        const r = await writeCerts({
          dir,
          members: members.filter((m) => targets.some((t) => t.id === m.id)),
          clusterName: values["cluster-name"] ?? "trireme",
          days: DEFAULT_DAYS,
          force: values.force === true,
        });
        console.log(`${r.reusedCa ? "reused the CA in" : "wrote a cluster CA and certificates in"} ${dir}: keep ca-key.pem off the members' hosts; ` +
          `clients use ${join(dir, "operator.pem")} (docs/security.md)`);
      } catch (err) {
        console.error(`trireme init: ${(err as Error).message}`);
        return 1;
      }
    }
    // Render everything before writing anything: all files or none.
    const texts = targets.map((t) => ({ ...t, text: render(t.id, t.file) }));
    if (values["out-dir"] !== undefined) mkdirSync(values["out-dir"], { recursive: true });
    for (const t of texts) {
      writeFileSync(t.file, t.text);
      console.log(`wrote ${t.file} (node ${t.id})`);
    }
    return 0;
  },
};
