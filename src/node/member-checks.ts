// The leader's checks before a membership change, as etcd makes them (server.go mayAddMember,
// mayRemoveMember, isLearnerReady; membership/cluster.go IsReadyToAddVotingMember): pure
// functions of the Raft status and of what the leader knows about each member.
import { quorumSize } from "../raft/quorum.ts";
import type { NodeId, RaftStatus } from "../raft/types.ts";

/** etcd promotes a learner whose match index is at least this share of the leader's. */
export const LEARNER_READY_FRACTION = 0.9;

/** What the leader knows of one member beyond the Raft status. */
export interface MemberHealth {
  /** The member has a name in the cluster's records (etcd: a member is started once it has
   *  published its name; trireme's genesis members have theirs from the config, a promoted
   *  learner gets its own recorded with the promotion). */
  named(id: NodeId): boolean;
  /** This member's channel to it is up now (etcd: the peer's stream is active). */
  connected(id: NodeId): boolean;
}

/** Whether a learner with match index `learnerMatch` may be promoted (etcd's isLearnerReady). */
export function learnerReady(learnerMatch: number, leaderMatch: number): boolean {
  return learnerMatch >= leaderMatch * LEARNER_READY_FRACTION;
}

/** Whether voter `id` has started: it is this member, has a name in the cluster's records, or
 *  has been heard from (it acknowledged this leader's appends, or its channel is up). A voter
 *  added with `member add` (no name) that never ran is the one that is not. */
export function started(status: RaftStatus, health: MemberHealth, id: NodeId): boolean {
  return id === status.id || health.named(id) || (status.progress.get(id)?.match ?? 0) > 0 || health.connected(id);
}

/** etcd's "not enough started members" check for a removal: the voters left must still hold a
 *  quorum of started members, i.e. members that acknowledged something from this leader (a
 *  member added but never started would otherwise count towards a quorum it cannot make). */
export function removalKeepsQuorum(status: RaftStatus, id: NodeId): boolean {
  const voters = status.conf.voters.filter((v) => v !== id);
  if (voters.length === status.conf.voters.length) return true; // a learner
  const started = voters.filter((v) => v === status.id || (status.progress.get(v)?.match ?? 0) > 0);
  return started.length >= quorumSize(voters.length);
}

/** etcd's IsReadyToAddVotingMember: the voters that have started must be a quorum of the voters
 *  once a new (not yet started) one is added — except when a single member gets its second
 *  (etcd allows it for restoring a cluster). Refused: "not enough started members". */
export function additionKeepsQuorum(status: RaftStatus, health: MemberHealth): boolean {
  const voters = status.conf.voters;
  const n = voters.filter((v) => started(status, health, v)).length;
  const after = voters.length + 1;
  if (n === 1 && after === 2) return true;
  return n >= quorumSize(after);
}

/** etcd's second check before adding a voter (isConnectedFullySince, etcd 3.4 to 3.5.29 and
 *  3.6.10): this leader is connected to every voter. A voter added earlier that has not started
 *  yet fails it, so a second unstarted voter is refused. Refused: "unhealthy cluster". (etcd
 *  checks it before adding a learner too; trireme does not: docs/decisions.md.)
 *  (etcd 3.5.30 / 3.6.11 relaxed it to a quorum of the voters after the add: docs/decisions.md.) */
export function votersConnected(status: RaftStatus, health: MemberHealth): boolean {
  return status.conf.voters.every((v) => v === status.id || health.connected(v));
}
