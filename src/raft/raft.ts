// The Raft state machine (etcd-io/raft's design, our code): input through tick/step/propose/...,
// output through ready()/advance() (in RaftBase, raft-base.ts). Pure and deterministic: no I/O, no
// clock, randomness injected.

import { confChangeProblem, copyConf, encodeConfChange } from "./confchange.ts";
import { invariant } from "./invariant.ts";
import { emptyMessage } from "./message.ts";
import { hasQuorum, tallyVotes } from "./quorum.ts";
import { RaftBase } from "./raft-base.ts";
import {
  EntryType,
  MessageType,
  Role,
  type ConfChange,
  type ConfState,
  type Message,
  type NodeId,
  type ProposeResult,
} from "./types.ts";

/** Vote.context value of a campaign forced by TimeoutNow: it overrides leader stickiness. */
export const CAMPAIGN_TRANSFER = 1;

type CampaignKind = "pre-vote" | "election" | "transfer";

export class Raft extends RaftBase {
  // ---------------------------------------------------------------- inputs

  tick(): void {
    this.ticks++;
    if (this.role === Role.Leader) this.tickLeader();
    else this.tickElection();
  }

  step(m: Message): void {
    if (m.to !== this.id) return;
    if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const forced = m.type === MessageType.Vote && m.context === CAMPAIGN_TRANSFER;
        const inLease = this.leader !== 0 && this.electionElapsed < this.cfg.electionTicks;
        // Leader stickiness: a node that heard from a live leader recently does not help unseat it.
        if (!forced && inLease && (this.cfg.checkQuorum || m.type === MessageType.PreVote)) return;
      }
      if (m.type === MessageType.PreVote || (m.type === MessageType.PreVoteResp && !m.reject)) {
        // Pre-vote never changes terms; a granted pre-vote answer carries the future term.
      } else {
        const fromLeader = m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap;
        this.becomeFollower(m.term, fromLeader ? m.from : 0);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === MessageType.App || m.type === MessageType.Heartbeat)) {
        // A stale leader (e.g. after a partition) learns our term and steps down instead of
        // being ignored forever.
        this.send(emptyMessage(MessageType.AppResp, this.id, m.from, this.term));
      } else if (m.type === MessageType.PreVote) {
        this.send({ ...emptyMessage(MessageType.PreVoteResp, this.id, m.from, this.term), reject: true });
      }
      return;
    }

    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case Role.Leader:
        this.stepLeader(m);
        break;
      case Role.Candidate:
      case Role.PreCandidate:
        this.stepCandidate(m);
        break;
      case Role.Follower:
        this.stepFollower(m);
        break;
    }
  }

  propose(data: Uint8Array[]): ProposeResult {
    const refused = this.proposalRefusal();
    if (refused) return refused;
    let bytes = 0;
    for (const d of data) bytes += d.byteLength;
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > this.cfg.maxUncommittedBytes) {
      return { ok: false, error: { code: "too-many-uncommitted-bytes", limit: this.cfg.maxUncommittedBytes } };
    }
    const first = this.log.lastIndex() + 1;
    this.appendOwn(data.map((d) => ({ type: EntryType.Normal, data: d })));
    return { ok: true, firstIndex: first, lastIndex: this.log.lastIndex(), term: this.term };
  }

  proposeConfChange(cc: ConfChange): ProposeResult {
    const refused = this.proposalRefusal();
    if (refused) return refused;
    if (this.pendingConfIndex > this.log.appliedOut || !this.committedOwnTerm()) {
      return { ok: false, error: { code: "conf-change-pending", index: this.pendingConfIndex } };
    }
    const problem = confChangeProblem(this.conf, cc);
    if (problem) return { ok: false, error: { code: "invalid-conf-change", reason: problem } };
    this.appendOwn([{ type: EntryType.ConfChange, data: encodeConfChange(cc) }]);
    const index = this.log.lastIndex();
    this.pendingConfIndex = index;
    return { ok: true, firstIndex: index, lastIndex: index, term: this.term };
  }

  readIndex(requestId: number): void {
    if (this.role === Role.Leader) {
      this.leaderRead({ from: this.id, requestId });
    } else if (this.leader !== 0) {
      this.forwardedReads.add(requestId);
      this.send({ ...emptyMessage(MessageType.ReadIndex, this.id, this.leader, this.term), context: requestId });
    } else {
      this.droppedReads.push(requestId);
    }
  }

  transferLeader(to: NodeId): void {
    if (this.role !== Role.Leader) {
      if (this.leader !== 0 && this.leader !== this.id) {
        this.send({ ...emptyMessage(MessageType.TransferLeader, this.id, this.leader, this.term), context: to });
      }
      return;
    }
    if (to === this.id || to === this.leadTransferee || !this.conf.voters.includes(to)) return;
    const pr = this.repl.progress.get(to);
    if (!pr) return;
    this.leadTransferee = to;
    this.electionElapsed = 0; // the transfer is aborted after one election timeout
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.repl.schedule(to, true);
  }

  /** The log store made entries up to `index` durable. Pass the entry's `term` when the store may
   *  report a write that a later Ready truncated: a report whose term no longer matches is ignored. */
  reportDurable(index: number, term?: number): void {
    if (term !== undefined && this.log.term(index) !== term) return;
    const durable = Math.min(index, this.log.handedOut);
    if (durable <= this.log.durable) return;
    this.log.durable = durable;
    this.flushPendingAck();
    if (this.role === Role.Leader && this.cfg.countPolicy === "durable") this.maybeCommit();
  }

  reportUnreachable(id: NodeId): void {
    if (this.role === Role.Leader) this.repl.reportUnreachable(id);
  }

  /** The bulk transfer of the snapshot to `id` finished (ok) or failed. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    if (this.role === Role.Leader) this.repl.reportSnapshot(id, ok);
  }

  /** The membership in effect at `index` (at or above the snapshot index): what a snapshot the
   *  shell takes of its state machine at `index` must record. */
  confAt(index: number): ConfState {
    return this.membership.at(index);
  }

  compact(index: number): void {
    if (index <= this.log.snapshot.index) return;
    if (index > this.log.applied) {
      throw new Error(`compact(${index}): only applied entries can be compacted (applied index is ${this.log.applied})`);
    }
    const conf = this.membership.at(index);
    this.membership.compactTo(index);
    this.log.compact({ index, term: this.log.term(index) as number, conf });
  }

  // ---------------------------------------------------------------- elections

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.cfg.preVote ? "pre-vote" : "election");
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        const active = new Set<NodeId>([this.id]);
        for (const [id, pr] of this.repl.progress) if (pr.recentActive) active.add(id);
        if (!hasQuorum(this.conf.voters, active)) {
          this.becomeFollower(this.term, 0);
          return;
        }
        for (const pr of this.repl.progress.values()) pr.recentActive = false;
      }
      this.leadTransferee = 0; // a transfer that did not finish within an election timeout is aborted
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.repl.broadcastHeartbeat(this.reads.latestCtx(), this.ticks);
    }
  }

  private campaign(kind: CampaignKind): void {
    if (!this.promotable() || this.belowVoteFloor()) return;
    let voteTerm: number;
    let type: MessageType;
    if (kind === "pre-vote") {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
      type = MessageType.PreVote;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
      type = MessageType.Vote;
    }
    if (this.poll(this.id, true)) return;
    for (const id of this.conf.voters) {
      if (id === this.id) continue;
      this.send({
        ...emptyMessage(type, this.id, id, voteTerm),
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        context: kind === "transfer" ? CAMPAIGN_TRANSFER : 0,
      });
    }
  }

  /** Records a vote; returns true when the campaign ended (won or lost). */
  private poll(from: NodeId, granted: boolean): boolean {
    this.votes.set(from, granted);
    const result = tallyVotes(this.conf.voters, this.votes);
    if (result === "won") {
      if (this.role === Role.PreCandidate) this.campaign("election");
      else this.becomeLeader();
      return true;
    }
    if (result === "lost") {
      this.becomeFollower(this.term, 0);
      return true;
    }
    return false;
  }

  private handleVoteRequest(m: Message): void {
    const pre = m.type === MessageType.PreVote;
    const respType = pre ? MessageType.PreVoteResp : MessageType.VoteResp;
    const canVote =
      (this.vote === m.from || (this.vote === 0 && this.leader === 0) || (pre && m.term > this.term)) && !this.belowVoteFloor();
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      this.send(emptyMessage(respType, this.id, m.from, m.term));
      if (!pre) {
        invariant(this.vote === 0 || this.vote === m.from, "one vote per term", () =>
          `term ${this.term}: voted ${this.vote}, asked by ${m.from}`);
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ ...emptyMessage(respType, this.id, m.from, this.term), reject: true });
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.App:
      case MessageType.Heartbeat:
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.setLeader(m.from);
        if (m.type === MessageType.App) this.handleAppend(m);
        else if (m.type === MessageType.Heartbeat) this.handleHeartbeat(m);
        else this.handleSnapshot(m);
        break;
      case MessageType.TimeoutNow:
        this.campaign("transfer");
        break;
      case MessageType.TransferLeader:
        if (this.leader !== 0) this.send({ ...m, from: this.id, to: this.leader, term: this.term });
        break;
      case MessageType.ReadIndex:
        this.send({ ...emptyMessage(MessageType.ReadIndexResp, this.id, m.from, this.term), context: m.context, reject: true });
        break;
      case MessageType.ReadIndexResp:
        this.handleReadIndexResp(m);
        break;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case MessageType.App:
      case MessageType.Heartbeat:
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        break;
      case MessageType.PreVoteResp:
        if (this.role === Role.PreCandidate) this.poll(m.from, !m.reject);
        break;
      case MessageType.VoteResp:
        if (this.role === Role.Candidate) this.poll(m.from, !m.reject);
        break;
      case MessageType.ReadIndex:
        this.send({ ...emptyMessage(MessageType.ReadIndexResp, this.id, m.from, this.term), context: m.context, reject: true });
        break;
      case MessageType.ReadIndexResp:
        this.handleReadIndexResp(m);
        break;
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.App:
      case MessageType.Heartbeat:
      case MessageType.Snap:
        invariant(false, "at most one leader per term", () => `${this.id} and ${m.from} both lead term ${this.term}`);
        break;
      case MessageType.AppResp:
        this.handleAppendResponse(m);
        break;
      case MessageType.HeartbeatResp:
        this.handleHeartbeatResponse(m);
        break;
      case MessageType.ReadIndex:
        this.leaderRead({ from: m.from, requestId: m.context });
        break;
      case MessageType.TransferLeader:
        this.transferLeader(m.context);
        break;
    }
  }

  // ---------------------------------------------------------------- follower side

  private handleAppend(m: Message): void {
    invariant(this.role !== Role.Leader, "a leader never truncates its own log", () => `append from ${m.from}`);
    if (m.reject) {
      // The leader says its log ends at m.index, below what we acknowledged: under MemFirst the
      // cluster lost entries we committed. Fail loudly; the shell rebuilds from the leader.
      invariant(m.index >= this.log.committed, "committed entries never truncated", () =>
        `leader ${m.from} (term ${m.term}) has a log ending at ${m.index}, below our commit index ${this.log.committed}`);
      return;
    }
    if (this.awaitingSnapshot()) {
      // Refusing index 0, which every other log matches, tells the leader to send a snapshot.
      this.send({ ...emptyMessage(MessageType.AppResp, this.id, m.from, this.term), index: 0, reject: true });
      return;
    }
    if (m.index < this.log.committed) {
      // A stale append of this term's leader; its entries must agree with what we committed
      // (leader completeness), anything else is a divergence (e.g. MemFirst lost a majority's tail).
      this.log.assertAgreesUpToCommit(m.index, m.logTerm, m.entries);
      this.acknowledge(m.from, this.log.committed);
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.entries);
    if (lastNew !== undefined) {
      this.leaderMatched = Math.max(this.leaderMatched, lastNew);
      this.syncMembership();
      this.log.commitTo(Math.min(m.commit, lastNew));
      this.acknowledge(m.from, lastNew);
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({
      ...emptyMessage(MessageType.AppResp, this.id, m.from, this.term),
      index: m.index,
      reject: true,
      rejectHint: hint.index,
      rejectHintTerm: hint.term,
    });
  }

  /** Acknowledges entries up to `index` (known to match the leader's log) — under DiskFirst only as
   *  far as they are durable, the rest once reportDurable() gets there: the leader relies on a
   *  DiskFirst follower never losing what it acknowledged (it ignores older rejections). */
  private acknowledge(to: NodeId, index: number): void {
    if (this.cfg.countPolicy === "appended" || index <= this.log.durable) {
      this.send({ ...emptyMessage(MessageType.AppResp, this.id, to, this.term), index });
      return;
    }
    const p = this.pendingAck;
    if (p && p.to === to && p.term === this.term) p.index = Math.max(p.index, index);
    else this.pendingAck = { to, term: this.term, index, sent: this.log.durable };
    this.flushPendingAck();
  }

  private flushPendingAck(): void {
    const p = this.pendingAck;
    if (!p || p.term !== this.term) return;
    const index = Math.min(p.index, this.log.durable);
    if (index <= p.sent) return;
    this.send({ ...emptyMessage(MessageType.AppResp, this.id, p.to, this.term), index });
    p.sent = index;
    if (index >= p.index) this.pendingAck = undefined;
  }

  private handleHeartbeat(m: Message): void {
    // The leader clamps to what we acknowledged, but we may have restarted since (MemFirst: with a
    // stale flushed tail), so only what this leader's appends proved since counts. Our answer
    // carries our commit index so a leader can send an append to a follower that lags on it.
    this.log.commitTo(Math.min(m.commit, this.leaderMatched));
    this.send({
      ...emptyMessage(MessageType.HeartbeatResp, this.id, m.from, this.term),
      context: m.context,
      index: m.index,
      commit: this.log.committed,
    });
  }

  private handleSnapshot(m: Message): void {
    const snap = m.snapshot;
    if (!snap) return;
    if (snap.index <= this.log.committed) {
      this.acknowledge(m.from, this.log.committed);
      return;
    }
    if (this.log.matchTerm(snap.index, snap.term)) {
      // We hold the snapshot's last entry, so our log up to there is the leader's: fast-forward the
      // commit instead of discarding entries after it that we may have acknowledged.
      this.leaderMatched = Math.max(this.leaderMatched, snap.index);
      this.log.commitTo(snap.index);
      this.acknowledge(m.from, snap.index);
      return;
    }
    this.log.installSnapshot({ index: snap.index, term: snap.term, conf: copyConf(snap.conf) });
    this.membership.reset(this.log.snapshot);
    this.onMembershipChanged();
    this.pendingInstall = this.log.snapshot;
    this.leaderMatched = snap.index;
    if (this.pendingAck && this.pendingAck.index <= snap.index) this.pendingAck = undefined;
    this.send({ ...emptyMessage(MessageType.AppResp, this.id, m.from, this.term), index: snap.index });
  }

  private handleReadIndexResp(m: Message): void {
    if (!this.forwardedReads.delete(m.context)) return;
    if (m.reject) this.droppedReads.push(m.context);
    else this.readStates.push({ requestId: m.context, index: m.index });
  }

  // ---------------------------------------------------------------- leader side

  private proposalRefusal(): ProposeResult | undefined {
    if (this.role !== Role.Leader) return { ok: false, error: { code: "not-leader", leader: this.leader } };
    if (this.leadTransferee !== 0) return { ok: false, error: { code: "transferring", to: this.leadTransferee } };
    return undefined;
  }

  private handleAppendResponse(m: Message): void {
    if (!this.repl.onAppendResponse(m)) return;
    this.maybeCommit();
    if (m.from === this.leadTransferee && this.repl.match(m.from) === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message): void {
    this.repl.onHeartbeatResponse(m);
    if (m.context !== 0) {
      const released = this.reads.ack(m.context, m.from, (acks) => hasQuorum(this.conf.voters, acks));
      for (const r of released) this.serveRead(r.req, r.index);
    }
  }
}
