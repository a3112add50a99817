// Maintenance.MoveLeader (`etcdctl move-leader ID`): asked of the leader, like etcd; the core's
// leadership transfer (TimeoutNow once the transferee has caught up), answered when the transferee
// leads, or with etcd's errors.
import { EtcdError, StatusCode } from "../kv/errors.ts";
import { Role, type NodeId, type RaftStatus } from "../raft/types.ts";

export const MoveLeaderErrors = {
  notLeader: () => new EtcdError(StatusCode.FAILED_PRECONDITION, "etcdserver: not leader"),
  badTransferee: () => new EtcdError(StatusCode.FAILED_PRECONDITION, "etcdserver: bad leader transferee"),
  tookTooLong: () => new EtcdError(StatusCode.DEADLINE_EXCEEDED, "etcdserver: request timed out, leader transfer took too long"),
};

export interface MoveLeaderHost {
  status(): RaftStatus;
  transferLeader(to: NodeId): void;
  /** Resolves once the known leader satisfies `ok`; rejects at `deadline` (performance.now()). */
  waitForLeader(ok: (leader: NodeId) => boolean, deadline: number): Promise<void>;
  /** How long a transfer may take: etcd allows an election timeout's worth of ticks, and more. */
  timeoutMs: number;
}

export async function moveLeader(host: MoveLeaderHost, target: NodeId): Promise<void> {
  const st = host.status();
  if (st.role !== Role.Leader) throw MoveLeaderErrors.notLeader();
  if (!st.conf.voters.includes(target)) throw MoveLeaderErrors.badTransferee();
  if (target === st.id) return;
  host.transferLeader(target);
  try {
    await host.waitForLeader((l) => l === target, performance.now() + host.timeoutMs);
  } catch {
    throw MoveLeaderErrors.tookTooLong();
  }
}
