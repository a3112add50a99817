// The leader's replication machinery: one Progress per follower and learner, the appends scheduled
// since the last Ready (flushed together, so a Ready's proposals travel as one App per follower),
// and the progress state changes driven by the followers' answers.

import { copyConf } from "./confchange.ts";
import { invariant } from "./invariant.ts";
import type { RaftLog } from "./log.ts";
import { emptyMessage } from "./message.ts";
import { Progress } from "./progress.ts";
import { MessageType, type Message, type NodeId, type ProgressStatus, type RaftConfig } from "./types.ts";

export class Replicator {
  readonly progress = new Map<NodeId, Progress>();
  /** Followers to send to at the next flush; the flag asks for an App even without entries (to
   *  carry the commit index or probe). */
  private pendingSend = new Map<NodeId, boolean>();

  constructor(
    private readonly id: NodeId,
    private readonly cfg: RaftConfig,
    private readonly log: RaftLog,
    private readonly term: () => number,
    private readonly send: (m: Message) => void,
  ) {}

  clear(): void {
    this.progress.clear();
    this.pendingSend.clear();
  }

  /** Tracks `id` (not ourselves) from the end of our log; true when it was new. */
  add(id: NodeId, recentActive: boolean): boolean {
    if (id === this.id || this.progress.has(id)) return false;
    const pr = new Progress(this.log.lastIndex() + 1, this.cfg.maxInflightAppends, this.cfg.maxInflightBytes);
    pr.recentActive = recentActive;
    this.progress.set(id, pr);
    return true;
  }

  /** Stops tracking every peer not in `members`. */
  retain(members: ReadonlySet<NodeId>): void {
    for (const id of [...this.progress.keys()]) {
      if (!members.has(id)) {
        this.progress.delete(id);
        this.pendingSend.delete(id);
      }
    }
  }

  match(id: NodeId): number {
    return this.progress.get(id)?.match ?? 0;
  }

  schedule(to: NodeId, sendIfEmpty: boolean): void {
    if (!this.progress.has(to)) return;
    this.pendingSend.set(to, (this.pendingSend.get(to) ?? false) || sendIfEmpty);
  }

  scheduleAll(sendIfEmpty: boolean): void {
    for (const id of this.progress.keys()) this.schedule(id, sendIfEmpty);
  }

  /** Sends what was scheduled: as few Apps per follower as the per-append limits and the in-flight
   *  window allow. */
  flush(): void {
    for (const [id, sendIfEmpty] of this.pendingSend) {
      let first = true;
      while (this.sendAppend(id, first && sendIfEmpty)) first = false;
    }
    this.pendingSend.clear();
  }

  /** Sends one App (or a Snap) to `to`; true when an App went out. */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      invariant(prevIndex < this.log.snapshot.index, "progress within log", () =>
        `next ${pr.next} for ${to} beyond last index ${this.log.lastIndex()}`);
      this.sendSnapshot(to, pr);
      return false;
    }
    const entries = this.log.sliceLimited(pr.next, this.cfg.maxEntriesPerAppend, this.cfg.maxBytesPerAppend);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({
      ...emptyMessage(MessageType.App, this.id, to, this.term()),
      index: prevIndex,
      logTerm: prevTerm,
      entries,
      commit: this.log.committed,
    });
    let bytes = 0;
    for (const e of entries) bytes += e.data.byteLength;
    pr.sentEntries(entries.length > 0 ? entries[entries.length - 1].index : prevIndex, bytes);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): void {
    // A follower that has not answered since the last check is probably down: no bulk transfer.
    if (!pr.recentActive) return;
    const snapshot = this.log.snapshot;
    this.send({
      ...emptyMessage(MessageType.Snap, this.id, to, this.term()),
      snapshot: { ...snapshot, conf: copyConf(snapshot.conf) },
    });
    pr.becomeSnapshot(snapshot.index);
  }

  /** Heartbeats carry min(commit, match): never a commit index the follower may not hold, the read
   *  round `ctx`, and the send tick (echoed back, for lease reads). */
  broadcastHeartbeat(ctx: number, tick: number): void {
    for (const [id, pr] of this.progress) {
      this.send({
        ...emptyMessage(MessageType.Heartbeat, this.id, id, this.term()),
        commit: Math.min(this.log.committed, pr.match),
        context: ctx,
        index: tick,
      });
    }
  }

  /** Applies an AppResp to the follower's progress; true when its match advanced. */
  onAppendResponse(m: Message): boolean {
    const pr = this.progress.get(m.from);
    if (!pr) return false;
    pr.recentActive = true;
    if (m.reject && m.index === 0) {
      // Only a member that joined with an empty membership refuses index 0 (every log matches
      // there): it cannot build on the log's start and needs a snapshot, whatever its index.
      if (pr.state !== "snapshot") this.sendSnapshot(m.from, pr);
      return false;
    }
    if (m.reject) {
      let probe = m.rejectHint;
      if (m.rejectHintTerm > 0) probe = this.log.findConflictByTerm(m.rejectHint, m.rejectHintTerm).index;
      if (this.cfg.countPolicy === "appended" && m.index <= pr.match) {
        // Under MemFirst a follower acknowledges from memory: after a restart its log may end
        // before what it acknowledged, or hold an older flushed version of it. (Or this is an old
        // rejection.) Find the match again. Under DiskFirst acknowledged entries survive, so such
        // a rejection can only be stale and maybeDecrTo ignores it.
        pr.regress(probe);
        this.schedule(m.from, true);
      } else if (pr.maybeDecrTo(m.index, probe)) {
        this.schedule(m.from, true);
      }
      return false;
    }
    if (m.index > this.log.lastIndex()) {
      invariant(this.cfg.countPolicy === "appended", "followers acknowledge only the leader's entries", () =>
        `${m.from} acknowledged ${m.index}, leader's last index is ${this.log.lastIndex()}`);
      // MemFirst: the follower committed entries that this cluster lost (a majority crashed with
      // them unflushed). It cannot follow this log; tell it where the log ends so it rebuilds.
      this.send({ ...emptyMessage(MessageType.App, this.id, m.from, this.term()), index: this.log.lastIndex(), reject: true });
      return false;
    }
    const advanced = pr.maybeUpdate(m.index);
    // A probe answered at the match already known (a follower that restarted with its whole log)
    // also ends the probe; otherwise appends to it would wait for each heartbeat answer.
    const probeAnswered = pr.state === "probe" && pr.match === m.index;
    if (!advanced && !probeAnswered) return false;
    if (pr.state === "probe") {
      pr.becomeReplicate();
    } else if (pr.state === "snapshot") {
      if (pr.match + 1 >= this.log.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
    } else {
      pr.inflights.freeLE(m.index);
    }
    this.schedule(m.from, false);
    return advanced;
  }

  onHeartbeatResponse(m: Message): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.probeSent = false;
    pr.lastAckTick = Math.max(pr.lastAckTick, m.index);
    if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
    // Also when the follower lags on commit (e.g. it restarted and must re-verify its log).
    if (pr.match < this.log.lastIndex() || pr.state === "probe" || m.commit < this.log.committed) {
      this.schedule(m.from, true);
    }
  }

  reportUnreachable(id: NodeId): void {
    const pr = this.progress.get(id);
    if (pr && pr.state === "replicate") pr.becomeProbe();
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.progress.get(id);
    if (!pr || pr.state !== "snapshot") return;
    pr.snapshotDone(ok);
  }

  statuses(): Map<NodeId, ProgressStatus> {
    const out = new Map<NodeId, ProgressStatus>();
    for (const [id, pr] of this.progress) out.set(id, pr.status());
    return out;
  }
}
