// Maintenance.MoveLeader (`etcdctl move-leader ID`): asked of the leader, like etcd; the core's
// leadership transfer (TimeoutNow once the transferee has caught up), answered when the transferee
// leads, or with etcd's errors. Also the hand-over a stopping leader makes first, as etcd does.
import { EtcdError, StatusCode } from "../kv/errors.ts";
import { Role, type NodeId, type RaftStatus } from "../raft/types.ts";
import type { LogFn } from "../log/log.ts";

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

export interface HandOffHost extends MoveLeaderHost {
  /** This member's channel to peer `id` is up now. */
  connected(id: NodeId): boolean;
  log: LogFn;
}

/** The voter a stopping leader hands over to: one it is connected to, the furthest caught up
 *  (an up-to-date one gets TimeoutNow at once: the transfer costs one round trip). */
export function handOffTarget(st: RaftStatus, connected: (id: NodeId) => boolean): NodeId | undefined {
  let best: NodeId | undefined;
  let bestMatch = -1;
  for (const id of st.conf.voters) {
    if (id === st.id || !connected(id)) continue;
    const match = st.progress.get(id)?.match ?? 0;
    if (match > bestMatch) [best, bestMatch] = [id, match];
  }
  return best;
}

/** etcd's TryTransferLeadershipOnShutdown: a leader that stops hands leadership to a voter first,
 *  so writes pause for a round trip instead of an election timeout. Waits at most `timeoutMs`
 *  (the core gives a transfer up after an election timeout); true when another member leads. */
export async function handOffLeadership(host: HandOffHost, timeoutMs: number): Promise<boolean> {
  const st = host.status();
  if (st.role !== Role.Leader || st.conf.voters.length < 2) return false;
  const to = handOffTarget(st, (id) => host.connected(id));
  if (to === undefined) {
    host.log("warn", "skipped leadership transfer on stop: no other voter is connected", { voters: st.conf.voters });
    return false;
  }
  const fields = { transferee: to.toString(16), term: st.term, match: st.progress.get(to)?.match ?? 0, lastIndex: st.lastIndex };
  const started = performance.now();
  host.log("info", "leadership transfer starting", fields);
  host.transferLeader(to);
  try {
    await host.waitForLeader((l) => l !== 0 && l !== st.id, started + timeoutMs);
    host.log("info", "leadership transfer finished", { ...fields, tookMs: Math.round(performance.now() - started) });
    return true;
  } catch {
    host.log("warn", "leadership transfer did not finish in time; stopping anyway", { ...fields, waitedMs: timeoutMs });
    return false;
  }
}
