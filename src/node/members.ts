// Who is in the cluster, with the addresses needed to reach each member. The Raft core tracks
// ids only (ConfState); names and URLs travel in snapshots as opaque metadata.
import type { MemberInfo } from "../api/backend.ts";
import type { PeerConfig } from "../config/types.ts";
import type { ConfState } from "../raft/types.ts";
import type { PeerAddress } from "../transport/index.ts";

export class Members {
  private readonly byId = new Map<number, PeerConfig>();

  constructor(peers: PeerConfig[]) {
    for (const p of peers) this.byId.set(p.id, { ...p });
  }

  get(id: number): PeerConfig | undefined {
    return this.byId.get(id);
  }

  all(): PeerConfig[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  /** Peer addresses of every member but `self` (what the transport dials). */
  peerAddresses(self: number): PeerAddress[] {
    return this.all()
      .filter((p) => p.id !== self)
      .map((p) => ({ id: p.id, control: p.control_address, data: p.data_address, bulk: p.bulk_address }));
  }

  info(conf: ConfState): MemberInfo[] {
    const learners = new Set(conf.learners);
    const inConf = new Set([...conf.voters, ...conf.learners]);
    return this.all()
      .filter((p) => inConf.size === 0 || inConf.has(p.id))
      .map((p) => ({
        id: p.id,
        name: p.name,
        peerURLs: [`http://${p.control_address}`],
        clientURLs: [`http://${p.client_address}`],
        isLearner: learners.has(p.id),
      }));
  }

  encode(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.all()));
  }

  /** Merges member metadata from a snapshot (members added after this node's config was written). */
  merge(metadata: Uint8Array): void {
    if (metadata.length === 0) return;
    const list = JSON.parse(new TextDecoder().decode(metadata)) as PeerConfig[];
    for (const p of list) if (!this.byId.has(p.id)) this.byId.set(p.id, p);
  }
}
