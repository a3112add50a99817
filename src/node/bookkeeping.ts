// What the member's bookkeeping learns from each Ready and each tick: the waiting clients,
// the lessor and the membership changes hear of leader changes, appends, snapshot installs,
// applied batches and confirmed reads (the loop's hooks), and their deadlines run on the clock.
import type { Logger } from "../log/log.ts";
import type { Metrics } from "../metrics/index.ts";
import { Role, type Entry, type Message, type RaftStatus, type ReadState, type SnapshotMeta, type SoftState } from "../raft/types.ts";
import type { ClientRequests } from "./client-requests.ts";
import type { KvApplied } from "./kv-state-machine.ts";
import type { MembershipChanges } from "./membership.ts";
import type { NodeLeases } from "./node-leases.ts";
import type { NodeEvents } from "./node-options.ts";
import type { ReadyHooks } from "./ready-loop.ts";
import type { RemovalWatch } from "./removal-watch.ts";
import type { SnapshotTransfers } from "./snapshot-transfers.ts";
import type { SpaceGuard } from "./space-guard.ts";

export interface BookkeepingParts {
  status(): RaftStatus;
  appliedIndex(): number;
  clients: ClientRequests;
  leases: NodeLeases;
  changes: MembershipChanges;
  removal: RemovalWatch;
  space: SpaceGuard;
  transfers: SnapshotTransfers;
  /** Dial and admit the members the configuration now holds. */
  refreshPeers(): void;
  /** This member learnt that it was removed: it stops for good. */
  removed(how: string): void;
  log: Logger;
  events: NodeEvents | undefined;
  metrics: Metrics | undefined;
}

export class MemberBookkeeping implements ReadyHooks<KvApplied> {
  /** The leader and role the core last reported. */
  soft: SoftState = { leader: 0, role: Role.Follower };

  constructor(private readonly p: BookkeepingParts) {}

  softState(s: SoftState): void {
    const prev = this.soft;
    this.soft = s;
    this.p.leases.leadership(s.role === Role.Leader);
    if (s.leader !== prev.leader) {
      const term = this.p.status().term;
      this.p.log.info(s.leader === 0 ? "leader lost" : "leader changed", {
        leader: s.leader.toString(16),
        previous: prev.leader.toString(16),
        term,
        role: s.role,
      });
      this.p.events?.leaderChanged?.(s.leader, term);
      this.p.metrics?.leaderChanged();
      this.p.clients.leaderChanged(s.leader);
    }
  }

  appended(entries: Entry[]): void {
    // Before sending: the leader must reach (and admit) a member its ConfChange just added.
    if (this.p.changes.appended(entries)) this.p.refreshPeers();
  }

  snapshotInstalled(meta: SnapshotMeta): void {
    this.p.refreshPeers();
    this.p.clients.snapshotInstalled(meta.index, this.p.appliedIndex());
    this.p.changes.skipThrough(meta.index);
  }

  /** What the clients and the lessor learn from a batch kv.db applied. */
  applied(entries: Entry[], { batch, results, answers }: KvApplied): void {
    this.p.clients.applied(batch, answers, this.p.appliedIndex());
    this.p.leases.applied(batch, results);
    this.p.events?.applied?.(entries.length);
    const outcome = this.p.changes.applied(entries);
    if (outcome.confChanged) this.p.refreshPeers();
    if (outcome.removedAt !== undefined) this.p.removed(`it applied its own removal at log index ${outcome.removedAt}`);
  }

  readsConfirmed(states: ReadState[]): void {
    this.p.clients.readStates(states, [], this.p.appliedIndex());
  }

  readsDropped(ids: number[]): void {
    this.p.clients.readStates([], ids, this.p.appliedIndex());
  }

  sendSnapshot(m: Message): void {
    void this.p.transfers.send(m);
  }

  snapshotFailed(err: Error): void {
    this.p.log.error("snapshot failed", { error: err.message });
  }

  /** After the core's ticks: departed peers, the removal watch, client and lease deadlines,
   *  the space check. */
  tick(now: number): void {
    if (this.p.changes.departedDue(now)) this.p.refreshPeers();
    const st = () => this.p.status();
    this.p.removal.tick(now, this.soft.leader !== 0, () => st().conf.voters.length > 0, () => st().commit);
    this.p.clients.tick(now);
    this.p.leases.tick(now);
    this.p.space.check();
  }
}
