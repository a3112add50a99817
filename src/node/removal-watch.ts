// A member removed while it was down (or cut off) never receives its removal: the others
// refuse its traffic and it stays leaderless forever. After a long time without a leader it
// asks the cluster's leader, over the client API, whether it is still a member, and stops if
// not (etcd's removed members learn it from their peers the same way).
import type { PeerConfig } from "../config/types.ts";
import type { AddressBook } from "./address-book.ts";
import { ClusterService, MaintenanceService } from "../api/services.ts";
import type { MemberClient } from "./member-client.ts";

/** What the leader says: its id, its commit index, and the members it lists. */
export interface LeaderView {
  leaderId: number;
  memberIds: number[];
  /** The leader's commit index (Status.raftIndex). */
  commitIndex: number;
}

export interface RemovalWatchOptions {
  id: number;
  /** How long without a leader before asking (and between two questions). */
  leaderlessMs: number;
  askLeader(): Promise<LeaderView | undefined>;
  onRemoved(view: LeaderView): void;
}

/** Whether `view` proves this member was removed. A leader that has not committed past what this
 *  member has seen committed may be a deposed leader that never learnt of this member's addition
 *  (it steps down after an election timeout under check-quorum, but may still answer before
 *  that): its list proves nothing. A removal of this member is committed after everything it saw. */
export function provesRemoval(view: LeaderView, id: number, ownCommit: number): boolean {
  return view.leaderId !== id && !view.memberIds.includes(id) && view.commitIndex > ownCommit;
}

export class RemovalWatch {
  private leaderlessSince: number | undefined;
  private asking = false;
  private nextAsk = 0;
  private done = false;

  constructor(private readonly o: RemovalWatchOptions) {}

  /** The node's watch: asks after 5 election timeouts without a leader, any member it knows of. */
  static forMember(id: number, clusterId: number, members: AddressBook, electionTimeoutMs: number, onRemoved: (how: string) => void, client: MemberClient): RemovalWatch {
    return new RemovalWatch({
      id,
      leaderlessMs: 5 * electionTimeoutMs,
      askLeader: () => askClusterLeader(members.all().filter((p) => p.id !== id), clusterId, 1000, client),
      onRemoved: (v) => onRemoved(`the leader, member ${v.leaderId.toString(16)}, no longer lists it (it was removed while away)`),
    });
  }

  /** Called on every tick; `knowsMembership` is false for a member still waiting to join;
   *  `ownCommit` is this member's commit index. */
  tick(now: number, hasLeader: boolean, knowsMembership: () => boolean, ownCommit: () => number): void {
    if (hasLeader || this.done) {
      this.leaderlessSince = undefined;
      return;
    }
    this.leaderlessSince ??= now;
    if (this.asking || now - this.leaderlessSince < this.o.leaderlessMs || now < this.nextAsk || !knowsMembership()) return;
    this.asking = true;
    this.nextAsk = now + this.o.leaderlessMs;
    this.o
      .askLeader()
      .then((view) => {
        if (view === undefined || this.done || !provesRemoval(view, this.o.id, ownCommit())) return;
        this.done = true;
        this.o.onRemoved(view);
      })
      .catch(() => {})
      .finally(() => (this.asking = false));
  }

  stop(): void {
    this.done = true;
  }
}

/** Finds the member that leads (its Status names itself as leader) and reads its member list.
 *  A member of another cluster (an address reused) is not asked further. */
export async function askClusterLeader(peers: readonly PeerConfig[], clusterId: number, timeoutMs: number, client: MemberClient): Promise<LeaderView | undefined> {
  for (const p of peers) {
    try {
      const status = await client.call(p.client_address, MaintenanceService.Status, {}, timeoutMs);
      const self = Number(status.header?.memberId ?? 0);
      if (Number(status.header?.clusterId ?? 0) !== clusterId) continue;
      if (self === 0 || Number(status.leader ?? 0) !== self) continue;
      const list = await client.call(p.client_address, ClusterService.MemberList, {}, timeoutMs);
      return { leaderId: self, memberIds: (list.members ?? []).map((m) => Number(m.ID ?? 0)), commitIndex: Number(status.raftIndex ?? 0) };
    } catch {
      // down or refusing: ask the next one
    }
  }
  return undefined;
}
