// Which cluster a member belongs to, so that two clusters made alike are never one. The id is fixed once, when the data directory
// is made, and read from its marker ever after:
//   bootstrap (initial_state = "new", empty directory): derived from [cluster] name, token and
//     every initial member's id and peer addresses, so every initial member computes the same
//     id without talking, and two clusters made by two `trireme init` runs (two random tokens)
//     never share one even with the same name, ids and ports;
//   a member added later (initial_state = "existing"): learnt from the running cluster
//     (learn-cluster-id.ts), never from its config; one started as "new" by mistake is refused
//     when its peers already run a cluster that lists it;
//   a restored backup: a new id, derived from the bootstrap id and the backup's position.
// A directory's marker also keeps the name and token hash it was made with: a config of
// another cluster is refused at start, before anything is opened or sent.
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Config, PeerConfig } from "../config/types.ts";
import { checkIdentity, hexId, readMarker, StorageError, type ClusterIdentity } from "../storage/index.ts";
import { clusterIdOf } from "../transport/index.ts";
import { learnClusterId, refuseIfAdded, type LearnOptions } from "./learn-cluster-id.ts";
import type { Logger } from "../log/log.ts";

/** An id from a digest: 53 bits, so it is an exact JS number on the wire and in JSON; never 0. */
function idOf(digest: Buffer): number {
  return Number(digest.readBigUInt64BE(0) >> 11n) || 1;
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** The id a cluster gets at bootstrap: every initial member derives it alike from its config.
 *  The peers are sorted, so their order in config.toml does not matter; the client address is
 *  left out, as etcd's member ids leave out client URLs. */
export function bootstrapClusterId(name: string, token: string, peers: readonly PeerConfig[]): number {
  const members = [...peers].sort((a, b) => a.id - b.id).map((p) => [p.id, p.control_address, p.data_address, p.bulk_address]);
  return idOf(sha256("trireme-cluster-v1\n" + JSON.stringify({ name, token, members })));
}

export function clusterIdentity(config: Config): ClusterIdentity {
  return { name: config.cluster.name, tokenHash: sha256("trireme-token-v1\n" + config.cluster.token).toString("hex").slice(0, 16) };
}

/** Where a backup was taken: restoring it makes a new cluster, whose id depends on it. */
export interface BackupOrigin {
  clusterId: number;
  index: number;
  term: number;
}

/** The id of the cluster restored from a backup: every member restoring the same file with its
 *  config of one cluster gets the same id, never the backed-up cluster's own. */
export function restoredClusterId(bootstrapId: number, origin: BackupOrigin): number {
  let id = idOf(sha256("trireme-restore-v1\n" + JSON.stringify({ bootstrapId, origin })));
  if (id === origin.clusterId) id = idOf(sha256(`trireme-restore-v1 again\n${id}`));
  return id;
}

/** The marker of the newest `diverged-*` copy in `dir`, if any. */
function divergedMarker(dir: string): ReturnType<typeof readMarker> {
  if (!existsSync(dir)) return undefined;
  const copies = readdirSync(dir).filter((n) => n.startsWith("diverged-")).sort().reverse();
  for (const c of copies) {
    const m = readMarker(join(dir, c));
    if (m !== undefined) return m;
  }
  return undefined;
}

export interface StartIdentity {
  clusterId: number;
  identity: ClusterIdentity;
}

/**
 * The cluster id this member starts with, and the identity its marker must hold: the marker's id
 * when the data directory has one (after checking the config is of that cluster), else a new
 * one (bootstrap), else the running cluster's (a member added with `member add`).
 */
export async function startIdentity(config: Config, log: Logger, learn: LearnOptions = {}): Promise<StartIdentity> {
  const dir = config.node.data_dir;
  const identity = clusterIdentity(config);
  const bootstrapId = bootstrapClusterId(config.cluster.name, config.cluster.token, config.cluster.peers);
  // A member rebuilt after a divergence (divergence.ts) starts empty beside its moved-aside data:
  // it rejoins its own cluster, whose id its config may no longer give (a restored cluster, peers
  // edited since the bootstrap, an id from before identities were kept).
  const marker = readMarker(dir) ?? divergedMarker(dir);
  if (marker !== undefined) {
    if (marker.identity === undefined) {
      // Written before identities were kept, when the id was the name's hash: that still checks it.
      const legacy = clusterIdOf(config.cluster.name);
      if (marker.clusterId !== legacy) {
        throw new StorageError(
          "foreign-cluster",
          dir,
          `this data directory belongs to cluster ${hexId(marker.clusterId)}, but the config's [cluster] name ${JSON.stringify(config.cluster.name)} ` +
            `is of cluster ${hexId(legacy)}: start it with the config of its own cluster`,
        );
      }
    } else {
      checkIdentity(dir, marker, identity, bootstrapId);
    }
    return { clusterId: marker.clusterId, identity };
  }
  if (config.cluster.initial_state === "existing") return { clusterId: await learnClusterId(config, log, learn), identity };
  await refuseIfAdded(config, bootstrapId, learn.callTimeoutMs);
  return { clusterId: bootstrapId, identity };
}
