// The output side: what a Ready hands out, what advance() confirms, and the shell's durability
// reports. The contract (order of persist, send, apply) is in README.md, "The Ready contract".
//
// ready() hands out everything pending; until advance() is called, hasReady() is false and a
// second ready() throws. Inputs (step, tick, propose, reportDurable, ...) stay legal in between;
// what they produce waits for the next Ready.

import { copyConf, decodeConfChange } from "./confchange.ts";
import { becomeFollower } from "./elections.ts";
import { flushPendingAck } from "./follower.ts";
import { invariant } from "./invariant.ts";
import { forgetRemovedMembers, maybeCommit } from "./leader.ts";
import { startReadRound } from "./reads.ts";
import type { RaftState } from "./state.ts";
import { ConfChangeType, EntryType, Role, type Entry, type RaftStatus, type Ready } from "./types.ts";

export function hasReady(r: RaftState): boolean {
  if (r.outstanding) return false;
  flushSends(r);
  return (
    r.pendingInstall !== undefined ||
    softChanged(r) ||
    hardChanged(r) ||
    r.log.lastIndex() > r.log.handedOut ||
    r.msgs.length > 0 ||
    r.readStates.length > 0 ||
    r.droppedReads.length > 0 ||
    r.applyLimit() > r.log.appliedOut
  );
}

export function ready(r: RaftState): Ready {
  if (r.outstanding) {
    throw new Error("ready() called again before advance(): handle the previous Ready, then call advance()");
  }
  flushSends(r);
  const committedEntries = r.log.slice(r.log.appliedOut + 1, r.applyLimit());
  for (const e of committedEntries) {
    r.log.appliedOut = e.index;
    if (e.type === EntryType.ConfChange) applyConfEntry(r, e);
  }
  flushSends(r);
  const rd: Ready = {
    entries: r.log.slice(r.log.handedOut + 1, r.log.lastIndex()),
    messages: r.msgs,
    committedEntries,
    readStates: r.readStates,
    droppedReads: r.droppedReads,
  };
  if (r.pendingInstall) {
    rd.snapshot = r.pendingInstall;
    r.pendingInstall = undefined;
  }
  if (softChanged(r)) {
    r.prevSoft = { leader: r.leader, role: r.role };
    rd.softState = { ...r.prevSoft };
  }
  if (hardChanged(r)) {
    r.prevHard = { term: r.term, vote: r.vote };
    rd.hardState = { ...r.prevHard };
  }
  r.log.handedOut = r.log.lastIndex();
  r.msgs = [];
  r.readStates = [];
  r.droppedReads = [];
  r.outstanding = { lastEntry: r.log.handedOut, appliedOut: r.log.appliedOut };
  return rd;
}

export function advance(r: RaftState): void {
  const rd = r.outstanding;
  if (!rd) throw new Error("advance() called without a Ready: call ready() first");
  r.outstanding = undefined;
  // A truncation or snapshot install after ready() lowered handedOut: only the surviving part counts.
  r.log.stable = Math.max(r.log.stable, Math.min(rd.lastEntry, r.log.handedOut));
  invariant(rd.appliedOut >= r.log.applied, "applied never decreases", () =>
    `advance to applied ${rd.appliedOut} from ${r.log.applied}`);
  invariant(rd.appliedOut <= r.log.committed, "applied <= commit", () =>
    `applied ${rd.appliedOut}, commit ${r.log.committed}`);
  r.log.applied = rd.appliedOut;
  if (r.role === Role.Leader && r.cfg.countPolicy === "appended") maybeCommit(r);
}

/** The log store made entries up to `index` durable. A report whose `term` no longer matches is of
 *  a write a later Ready truncated: ignored. Reports above what was handed out are clamped. */
export function reportDurable(r: RaftState, index: number, term?: number): void {
  if (term !== undefined && r.log.term(index) !== term) return;
  const durable = Math.min(index, r.log.handedOut);
  if (durable <= r.log.durable) return;
  r.log.durable = durable;
  flushPendingAck(r);
  if (r.role === Role.Leader && r.cfg.countPolicy === "durable") maybeCommit(r);
}

export function status(r: RaftState): RaftStatus {
  return {
    id: r.id,
    term: r.term,
    vote: r.vote,
    role: r.role,
    leader: r.leader,
    commit: r.log.committed,
    applied: r.log.applied,
    firstIndex: r.log.firstIndex(),
    lastIndex: r.log.lastIndex(),
    durableIndex: r.log.durable,
    conf: copyConf(r.conf),
    progress: r.role === Role.Leader ? r.repl.statuses() : new Map(),
    leadTransferee: r.leadTransferee,
  };
}

/** Sends what was scheduled since the last Ready, and one heartbeat round for all reads that
 *  arrived meanwhile. */
function flushSends(r: RaftState): void {
  if (r.role !== Role.Leader) return;
  r.repl.flush();
  startReadRound(r);
}

/** A committed conf change reaches the shell: a leader that removed itself steps down now (it led
 *  the cluster without counting itself since the entry was appended). */
function applyConfEntry(r: RaftState, e: Entry): void {
  const cc = decodeConfChange(e.data);
  if (r.role === Role.Leader && cc.type === ConfChangeType.RemoveNode && cc.nodeId === r.id && !r.promotable()) {
    becomeFollower(r, r.term, 0);
  }
  if (r.role === Role.Leader && cc.type === ConfChangeType.RemoveNode) forgetRemovedMembers(r);
}

function softChanged(r: RaftState): boolean {
  return r.prevSoft.leader !== r.leader || r.prevSoft.role !== r.role;
}

function hardChanged(r: RaftState): boolean {
  return r.prevHard.term !== r.term || r.prevHard.vote !== r.vote;
}
