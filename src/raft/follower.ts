// The follower side: what a node does with its leader's appends, heartbeats and snapshots (Raft
// §5.3 AppendEntries receiver, §7 InstallSnapshot receiver), and when it acknowledges them.

import { copyConf } from "./confchange.ts";
import { setLeader } from "./elections.ts";
import { invariant } from "./invariant.ts";
import { syncMembership } from "./leader.ts";
import { emptyMessage } from "./message.ts";
import type { RaftState } from "./state.ts";
import { MessageType, Role, type Message, type NodeId } from "./types.ts";

/** An App, Heartbeat or Snap of the current term's leader. */
export function handleLeaderMessage(r: RaftState, m: Message): void {
  r.electionElapsed = 0;
  setLeader(r, m.from);
  if (m.type === MessageType.App) handleAppend(r, m);
  else if (m.type === MessageType.Heartbeat) handleHeartbeat(r, m);
  else handleSnapshot(r, m);
}

function handleAppend(r: RaftState, m: Message): void {
  invariant(r.role !== Role.Leader, "a leader never truncates its own log", () => `append from ${m.from}`);
  if (m.reject) {
    // The leader says its log ends at m.index, below what we acknowledged: under MemFirst the
    // cluster lost entries we committed. Fail loudly; the shell rebuilds from the leader.
    invariant(m.index >= r.log.committed, "committed entries never truncated", () =>
      `leader ${m.from} (term ${m.term}) has a log ending at ${m.index}, below our commit index ${r.log.committed}`);
    return;
  }
  if (r.awaitingSnapshot()) {
    // Refusing index 0, which every other log matches, tells the leader to send a snapshot.
    r.send({ ...emptyMessage(MessageType.AppResp, r.id, m.from, r.term), index: 0, reject: true });
    return;
  }
  if (m.index < r.log.committed) {
    // A stale append of this term's leader; its entries must agree with what we committed
    // (leader completeness), anything else is a divergence (e.g. MemFirst lost a majority's tail).
    r.log.assertAgreesUpToCommit(m.index, m.logTerm, m.entries);
    acknowledge(r, m.from, r.log.committed);
    return;
  }
  const lastNew = r.log.maybeAppend(m.index, m.logTerm, m.entries);
  if (lastNew !== undefined) {
    r.leaderMatched = Math.max(r.leaderMatched, lastNew);
    syncMembership(r);
    r.log.commitTo(Math.min(m.commit, lastNew));
    acknowledge(r, m.from, lastNew);
    return;
  }
  const hint = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm);
  r.send({
    ...emptyMessage(MessageType.AppResp, r.id, m.from, r.term),
    index: m.index,
    reject: true,
    rejectHint: hint.index,
    rejectHintTerm: hint.term,
  });
}

/** Acknowledges entries up to `index` (known to match the leader's log) — under DiskFirst only as
 *  far as they are durable, the rest once reportDurable() gets there: the leader relies on a
 *  DiskFirst follower never losing what it acknowledged (it ignores older rejections). */
function acknowledge(r: RaftState, to: NodeId, index: number): void {
  if (r.cfg.countPolicy === "appended" || index <= r.log.durable) {
    r.send({ ...emptyMessage(MessageType.AppResp, r.id, to, r.term), index });
    return;
  }
  const p = r.pendingAck;
  if (p && p.to === to && p.term === r.term) p.index = Math.max(p.index, index);
  else r.pendingAck = { to, term: r.term, index, sent: r.log.durable };
  flushPendingAck(r);
}

/** Sends the part of a waiting acknowledgement that became durable. */
export function flushPendingAck(r: RaftState): void {
  const p = r.pendingAck;
  if (!p || p.term !== r.term) return;
  const index = Math.min(p.index, r.log.durable);
  if (index <= p.sent) return;
  r.send({ ...emptyMessage(MessageType.AppResp, r.id, p.to, r.term), index });
  p.sent = index;
  if (index >= p.index) r.pendingAck = undefined;
}

function handleHeartbeat(r: RaftState, m: Message): void {
  // The leader clamps to what we acknowledged, but we may have restarted since (MemFirst: with a
  // stale flushed tail), so only what this leader's appends proved since counts. Our answer
  // carries our commit index so a leader can send an append to a follower that lags on it.
  r.log.commitTo(Math.min(m.commit, r.leaderMatched));
  r.send({
    ...emptyMessage(MessageType.HeartbeatResp, r.id, m.from, r.term),
    context: m.context,
    index: m.index,
    commit: r.log.committed,
  });
}

function handleSnapshot(r: RaftState, m: Message): void {
  const snap = m.snapshot;
  if (!snap) return;
  if (snap.index <= r.log.committed) {
    acknowledge(r, m.from, r.log.committed);
    return;
  }
  if (r.log.matchTerm(snap.index, snap.term)) {
    // We hold the snapshot's last entry, so our log up to there is the leader's: fast-forward the
    // commit instead of discarding entries after it that we may have acknowledged.
    r.leaderMatched = Math.max(r.leaderMatched, snap.index);
    r.log.commitTo(snap.index);
    acknowledge(r, m.from, snap.index);
    return;
  }
  r.log.installSnapshot({ index: snap.index, term: snap.term, conf: copyConf(snap.conf) });
  r.membership.reset(r.log.snapshot);
  r.pendingInstall = r.log.snapshot;
  r.leaderMatched = snap.index;
  if (r.pendingAck && r.pendingAck.index <= snap.index) r.pendingAck = undefined;
  r.send({ ...emptyMessage(MessageType.AppResp, r.id, m.from, r.term), index: snap.index });
}
