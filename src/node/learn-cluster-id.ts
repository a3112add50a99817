// A member added with `member add` (initial_state = "existing", empty data directory) learns its
// cluster's id from the running cluster, as etcd's joining members do (GetClusterFromRemotePeers):
// it asks the members its config lists, over their client ports, and takes the id of a member
// whose member list already holds it, the leader's first. Its config cannot say: the id was made
// when the cluster was, from members this member's config need not even list.
import type { Config } from "../config/types.ts";
import { ClusterService, MaintenanceService } from "../api/services.ts";
import { MemberClient } from "./member-client.ts";
import { memberTls } from "../tls/options.ts";
import { hexId } from "../storage/index.ts";
import type { Logger } from "../log/log.ts";

export interface LearnOptions {
  /** How long to keep asking before giving up (default: 10 s, or 10 election timeouts if longer). */
  deadlineMs?: number;
  /** Per question (default 1 s). */
  callTimeoutMs?: number;
}

/** What one member answered. */
interface Answer {
  memberId: number;
  address: string;
  clusterId: number;
  isLeader: boolean;
  listsUs: boolean;
}

export class JoinError extends Error {}

export async function learnClusterId(config: Config, log: Logger, o: LearnOptions = {}): Promise<number> {
  const self = config.node.id;
  const peers = config.cluster.peers.filter((p) => p.id !== self);
  if (peers.length === 0) {
    throw new JoinError(
      `cluster.initial_state = "existing" but cluster.peers lists no other member: a joining member learns its cluster's id from the running members, so list them`,
    );
  }
  const deadline = Date.now() + (o.deadlineMs ?? Math.max(10_000, 10 * config.raft.election_timeout_ms));
  const callTimeoutMs = o.callTimeoutMs ?? 1000;
  let last: Round = { answers: [], errors: [] };
  for (let round = 0; ; round++) {
    last = await askAll(config, peers.map((p) => p.client_address), self, callTimeoutMs);
    const ours = last.answers.filter((a) => a.listsUs).sort((a, b) => Number(b.isLeader) - Number(a.isLeader));
    const chosen = ours[0];
    if (chosen !== undefined) {
      log.info("learnt the cluster id from a running member", { clusterId: chosen.clusterId, from: chosen.memberId.toString(16), address: chosen.address, leader: chosen.isLeader });
      return chosen.clusterId;
    }
    if (Date.now() >= deadline) break;
    if (round === 0) log.info("asking the running members for the cluster id (this member was added with member add)", { peers: peers.map((p) => p.client_address) });
    await new Promise((r) => setTimeout(r, 250));
  }
  if (last.answers.length > 0) {
    const seen = last.answers.map((a) => `member ${a.memberId.toString(16)} at ${a.address} (cluster ${hexId(a.clusterId)})`).join(", ");
    throw new JoinError(
      `member ${self.toString(16)} is not in the member list of the cluster its peers belong to (asked ${seen}): ` +
        "add it first with `etcdctl member add`, then start it with an empty data directory",
    );
  }
  throw new JoinError(
    `cannot learn the cluster id: no member listed in cluster.peers answered (${last.errors.join("; ")}). ` +
      `A member started with cluster.initial_state = "existing" joins a running cluster: start it once the cluster runs`,
  );
}

/**
 * A member started with initial_state = "new" on an empty directory, whose peers already run a
 * cluster of another id that lists it, was added with `member add`: bootstrapping would make it
 * the only member of a cluster of its own, refused by every peer. Refused here instead with what
 * to do (etcd's isMemberBootstrapped check asks its peers the same way). One quick round: peers
 * that are not up yet are a cluster being bootstrapped together.
 */
export async function refuseIfAdded(config: Config, bootstrapId: number, callTimeoutMs = 500): Promise<void> {
  const self = config.node.id;
  const addresses = config.cluster.peers.filter((p) => p.id !== self).map((p) => p.client_address);
  if (addresses.length === 0) return;
  const { answers } = await askAll(config, addresses, self, callTimeoutMs);
  const running = answers.find((a) => a.listsUs && a.clusterId !== bootstrapId);
  if (running === undefined) return;
  throw new JoinError(
    `member ${self.toString(16)} is in the member list of running cluster ${hexId(running.clusterId)} (asked member ${running.memberId.toString(16)} at ${running.address}): ` +
      `it was added with \`member add\` but started with [cluster] initial_state = "new". ` +
      `Stop it, empty its data directory and start it again with initial_state = "existing"`,
  );
}

interface Round {
  answers: Answer[];
  errors: string[];
}

async function askAll(config: Config, addresses: readonly string[], self: number, callTimeoutMs: number): Promise<Round> {
  // Another member's client port may serve TLS: dial it with this member's credentials.
  const client = new MemberClient(memberTls(config.tls, () => {}).clientDial);
  try {
    const results = await Promise.all(addresses.map((a) => ask(client, a, self, callTimeoutMs).then((r) => r, (err: Error) => `${a}: ${err.message}`)));
    return { answers: results.filter((r): r is Answer => typeof r !== "string"), errors: results.filter((r): r is string => typeof r === "string") };
  } finally {
    client.close();
  }
}

async function ask(client: MemberClient, address: string, self: number, timeoutMs: number): Promise<Answer> {
  const status = await client.call(address, MaintenanceService.Status, {}, timeoutMs);
  const list = await client.call(address, ClusterService.MemberList, {}, timeoutMs);
  const memberId = Number(status.header?.memberId ?? 0);
  return {
    memberId,
    address,
    clusterId: Number(status.header?.clusterId ?? 0),
    isLeader: memberId !== 0 && Number(status.leader ?? 0) === memberId,
    listsUs: (list.members ?? []).some((m) => Number(m.ID ?? 0) === self),
  };
}
