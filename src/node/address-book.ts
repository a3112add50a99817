// Who is in the cluster, with the addresses needed to reach each member. The Raft core tracks
// ids only (ConfState); names and addresses travel beside it: in each ConfChange entry's
// `context` (one encoded PeerConfig) and in snapshots (the whole table, `encode`/`merge`).
// The table is an address book: it keeps removed members too (their ids are never reused),
// and every listing is filtered by a ConfState, which alone says who is a member.
import type { MemberInfo } from "../api/backend.ts";
import type { PeerConfig } from "../config/types.ts";
import type { ConfState, NodeId } from "../raft/types.ts";
import type { PeerAddress } from "../transport/index.ts";

const ADDRESS_KEYS = ["client_address", "control_address", "data_address", "bulk_address"] as const;

export class AddressBook {
  private highestSeen = 0;
  private readonly byId = new Map<number, PeerConfig>();
  /** URL schemes in member lists: "https" where the cluster runs TLS (set by the node at start). */
  schemes: { peer: "http" | "https"; client: "http" | "https" } = { peer: "http", client: "http" };

  /** `peers`: the config file's list; anything the cluster itself recorded replaces it. */
  constructor(peers: readonly PeerConfig[]) {
    for (const p of peers) this.byId.set(p.id, { ...p });
  }

  get(id: number): PeerConfig | undefined {
    return this.byId.get(id);
  }

  all(): PeerConfig[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  /** Records what the cluster says about a member (it wins over the config file). */
  upsert(p: PeerConfig): void {
    const known = this.byId.get(p.id);
    // A name learned elsewhere is kept when the cluster's record has none (a member added by URL).
    this.byId.set(p.id, { ...p, name: p.name !== "" ? p.name : (known?.name ?? "") });
  }

  /** Peer addresses of `ids` but `self` (what the transport dials and admits). */
  peerAddresses(self: number, ids: Iterable<NodeId>): PeerAddress[] {
    const out: PeerAddress[] = [];
    for (const id of new Set(ids)) {
      const p = this.byId.get(id);
      if (id === self || p === undefined) continue;
      out.push({ id, control: p.control_address, data: p.data_address, bulk: p.bulk_address });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  /** Every member of `conf` (every known one while `conf` is empty: a member waiting to join).
   *  A member without a name was added but has not started (etcdctl prints "unstarted"). */
  info(conf: ConfState): MemberInfo[] {
    const learners = new Set(conf.learners);
    const ids = conf.voters.length + conf.learners.length === 0 ? [...this.byId.keys()] : [...conf.voters, ...conf.learners];
    return [...new Set(ids)]
      .sort((a, b) => a - b)
      .map((id) => {
        const p = this.byId.get(id);
        return {
          id,
          name: p?.name ?? "",
          peerURLs: p ? [`${this.schemes.peer}://${p.control_address}`] : [],
          clientURLs: p ? [`${this.schemes.client}://${p.client_address}`] : [],
          isLearner: learners.has(id),
        };
      });
  }

  /** The id for a new member: above every id this table or `conf` ever knew, so a removed
   *  member's id is never given to another. */
  nextId(conf: ConfState): number {
    return Math.max(this.highestSeen, ...this.byId.keys(), ...conf.voters, ...conf.learners) + 1;
  }

  /** An id the cluster used (the genesis membership, a snapshot's, any ConfChange in the log,
   *  removals included): never handed out again, even once its address is forgotten (a removed
   *  member dropped from `cluster.peers` before a restart). */
  noteId(...ids: NodeId[]): void {
    for (const id of ids) if (id > this.highestSeen) this.highestSeen = id;
  }

  /** The member of `ids` (other than `except`) already using one of `p`'s addresses. */
  addressOwner(p: PeerConfig, ids: Iterable<NodeId>, except = 0): { id: number; address: string } | undefined {
    const wanted = new Set(ADDRESS_KEYS.map((k) => p[k]));
    for (const id of ids) {
      const m = this.byId.get(id);
      if (m === undefined || id === except) continue;
      for (const k of ADDRESS_KEYS) if (wanted.has(m[k])) return { id, address: m[k] };
    }
    return undefined;
  }

  encode(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.all()));
  }

  /** Merges the member table of a snapshot: the cluster's records replace the config file's. */
  merge(metadata: Uint8Array): void {
    if (metadata.length === 0) return;
    const list = JSON.parse(new TextDecoder().decode(metadata)) as unknown;
    if (!Array.isArray(list)) throw new Error("snapshot member metadata is not a list of members");
    for (const p of list) {
      const peer = asPeer(p);
      if (peer !== undefined) this.upsert(peer);
    }
  }
}

/** A ConfChange entry's context: the member's PeerConfig as JSON (empty for a removal). */
export function encodePeerContext(p: PeerConfig): Uint8Array {
  const { id, name, client_address, control_address, data_address, bulk_address } = p;
  return new TextEncoder().encode(JSON.stringify({ id, name, client_address, control_address, data_address, bulk_address }));
}

/** The PeerConfig in a ConfChange context, or undefined when there is none (or it is not one). */
export function decodePeerContext(context: Uint8Array): PeerConfig | undefined {
  if (context.length === 0) return undefined;
  try {
    return asPeer(JSON.parse(new TextDecoder().decode(context)));
  } catch {
    return undefined;
  }
}

function asPeer(v: unknown): PeerConfig | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (!Number.isSafeInteger(o.id) || (o.id as number) <= 0 || typeof o.name !== "string") return undefined;
  for (const k of ADDRESS_KEYS) if (typeof o[k] !== "string") return undefined;
  return {
    id: o.id as number,
    name: o.name,
    client_address: o.client_address as string,
    control_address: o.control_address as string,
    data_address: o.data_address as string,
    bulk_address: o.bulk_address as string,
  };
}
