// The leader side: proposals (entries and conf changes), counting a quorum for commit, the
// followers' answers, leadership transfer, and the membership the leader replicates to. The
// per-follower Progress machinery itself is in replication.ts and progress.ts.

import { confChangeProblem, encodeConfChange } from "./confchange.ts";
import { emptyMessage } from "./message.ts";
import { majorityValue } from "./quorum.ts";
import { ackReadRound, releaseAwaitingCommit } from "./reads.ts";
import type { RaftState } from "./state.ts";
import { EntryType, MessageType, Role, type ConfChange, type Entry, type Message, type NodeId, type ProposeResult } from "./types.ts";

function proposalRefusal(r: RaftState): ProposeResult | undefined {
  if (r.role !== Role.Leader) return { ok: false, error: { code: "not-leader", leader: r.leader } };
  if (r.leadTransferee !== 0) return { ok: false, error: { code: "transferring", to: r.leadTransferee } };
  return undefined;
}

export function propose(r: RaftState, data: Uint8Array[]): ProposeResult {
  const refused = proposalRefusal(r);
  if (refused) return refused;
  let bytes = 0;
  for (const d of data) bytes += d.byteLength;
  if (r.uncommittedBytes > 0 && r.uncommittedBytes + bytes > r.cfg.maxUncommittedBytes) {
    return { ok: false, error: { code: "too-many-uncommitted-bytes", limit: r.cfg.maxUncommittedBytes } };
  }
  const first = r.log.lastIndex() + 1;
  appendOwn(r, data.map((d) => ({ type: EntryType.Normal, data: d })));
  return { ok: true, firstIndex: first, lastIndex: r.log.lastIndex(), term: r.term };
}

/** One server at a time (thesis §4.1): refused while a change is pending, i.e. appended and not yet
 *  handed out committed, and until the leader committed an entry of its term. */
export function proposeConfChange(r: RaftState, cc: ConfChange): ProposeResult {
  const refused = proposalRefusal(r);
  if (refused) return refused;
  if (r.pendingConfIndex > r.log.appliedOut || !r.committedOwnTerm()) {
    return { ok: false, error: { code: "conf-change-pending", index: r.pendingConfIndex } };
  }
  const problem = confChangeProblem(r.conf, cc);
  if (problem) return { ok: false, error: { code: "invalid-conf-change", reason: problem } };
  appendOwn(r, [{ type: EntryType.ConfChange, data: encodeConfChange(cc) }]);
  const index = r.log.lastIndex();
  r.pendingConfIndex = index;
  return { ok: true, firstIndex: index, lastIndex: index, term: r.term };
}

/** Appends to the leader's own log in its term and schedules the appends to every follower. */
export function appendOwn(r: RaftState, items: { type: EntryType; data: Uint8Array }[]): void {
  let index = r.log.lastIndex();
  const entries: Entry[] = items.map((it) => ({ term: r.term, index: ++index, type: it.type, data: it.data }));
  r.log.append(entries);
  for (const e of entries) r.uncommittedBytes += e.data.byteLength;
  r.repl.scheduleAll(false);
  syncMembership(r);
}

/** Commits the highest index a quorum of voters stores (the leader counting its own log per the
 *  persistence strategy); true when the commit index advanced. */
export function maybeCommit(r: RaftState): boolean {
  if (r.role !== Role.Leader) return false;
  const index = majorityValue(r.conf.voters, (id) =>
    id === r.id ? r.countedIndex() : r.repl.match(id));
  // Only an entry of the current term commits by counting (§5.4.2, Figure 8).
  if (index <= r.log.committed || r.log.term(index) !== r.term) return false;
  const hadOwnTerm = r.committedOwnTerm();
  for (const e of r.log.slice(r.log.committed + 1, index)) r.uncommittedBytes -= e.data.byteLength;
  r.uncommittedBytes = Math.max(0, r.uncommittedBytes);
  r.log.commitTo(index);
  r.repl.scheduleAll(true);
  if (!hadOwnTerm) releaseAwaitingCommit(r);
  return true;
}

export function handleAppendResponse(r: RaftState, m: Message): void {
  if (!r.repl.onAppendResponse(m)) return;
  maybeCommit(r);
  if (m.from === r.leadTransferee && r.repl.match(m.from) === r.log.lastIndex()) sendTimeoutNow(r, m.from);
}

export function handleHeartbeatResponse(r: RaftState, m: Message): void {
  r.repl.onHeartbeatResponse(m);
  ackReadRound(r, m);
}

// ---------------------------------------------------------------- leadership transfer (thesis §3.10)

/** Hands leadership to voter `to`: proposals stop, `to` is caught up, then told to campaign at once
 *  (TimeoutNow). A follower forwards the request to its leader. */
export function transferLeader(r: RaftState, to: NodeId): void {
  if (r.role !== Role.Leader) {
    if (r.leader !== 0 && r.leader !== r.id) {
      r.send({ ...emptyMessage(MessageType.TransferLeader, r.id, r.leader, r.term), context: to });
    }
    return;
  }
  if (to === r.id || to === r.leadTransferee || !r.conf.voters.includes(to)) return;
  const pr = r.repl.progress.get(to);
  if (!pr) return;
  r.leadTransferee = to;
  r.electionElapsed = 0; // the transfer is aborted after one election timeout
  if (pr.match === r.log.lastIndex()) sendTimeoutNow(r, to);
  else r.repl.schedule(to, true);
}

function sendTimeoutNow(r: RaftState, to: NodeId): void {
  r.timeoutNowSent = true;
  r.send(emptyMessage(MessageType.TimeoutNow, r.id, to, r.term));
}

// ---------------------------------------------------------------- membership (one server at a time)

/** Re-reads the membership in effect from the log (a conf change takes effect when appended and is
 *  undone when truncated); the leader then tracks the new members. */
export function syncMembership(r: RaftState): void {
  if (r.membership.sync(r.log)) onMembershipChanged(r);
}

function onMembershipChanged(r: RaftState): void {
  if (r.role !== Role.Leader) return;
  const members = new Set([...r.conf.voters, ...r.conf.learners]);
  for (const id of members) if (r.repl.add(id, true)) r.repl.schedule(id, true);
  r.repl.retain(replicatedMembers(r));
  if (r.leadTransferee !== 0 && !r.conf.voters.includes(r.leadTransferee)) r.leadTransferee = 0;
  maybeCommit(r); // the new quorum may already hold more
}

/** The removal is committed and the append carrying that commit index has gone out (ready()
 *  flushes sends before applying): stop replicating to the removed member. */
export function forgetRemovedMembers(r: RaftState): void {
  r.repl.retain(replicatedMembers(r));
}

/** Members the leader replicates to: the current ones, and members removed by a change that
 *  is not committed yet, so that a removed member receives its removal and learns it committed
 *  (it then stops, the way etcd's removed members do) instead of being cut off at append. */
function replicatedMembers(r: RaftState): Set<NodeId> {
  const committed = r.membership.at(Math.max(r.log.committed, r.log.snapshot.index));
  return new Set([...r.conf.voters, ...r.conf.learners, ...committed.voters, ...committed.learners]);
}
