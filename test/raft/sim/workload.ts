// The client workload and the nemesis (fault injector) of a simulation run, then the liveness
// phase. Every choice comes from the cluster's seeded PRNG.

import { ConfChangeType, EntryType, Role, type NodeId } from "../../../src/raft/types.ts";
import type { Cluster, SimNode } from "./cluster.ts";
import { makePayload } from "./state-machine.ts";

const NO_CONTEXT = new Uint8Array(0);

export class Workload {
  private nextWriteId = 1;
  private nextReadId = 1;
  private faultsOn = true;

  constructor(private readonly c: Cluster) {}

  /** Schedules the recurring client and nemesis events for the safety phase. */
  startSafetyPhase(): void {
    const p = this.c.params;
    this.every(p.proposeEvery, () => this.propose());
    this.every(p.readEvery, () => this.read());
    this.every(p.confChangeEvery, () => this.confChange());
    this.every(p.transferEvery, () => this.transfer());
    this.every(p.nemesisEvery, () => this.nemesis());
    this.bounceVoters();
    this.cutShortNewLeaders();
    this.crashAfterIndirectCommit();
    this.crashAheadOfLog();
    // Every run exercises at least one leader failure early, so each seed has an election after
    // the first one, whatever the random schedule does afterwards.
    this.c.queue.at(this.c.rng.int(200, 400), () => {
      const l = this.c.leader();
      if (l === undefined || !this.faultsOn) return;
      if (this.c.rng.chance(0.5)) this.crashAndRestart(l);
      else this.isolate(l.id, this.c.rng.int(100, 400));
    });
  }

  /** Short-lived leaders leave logs that diverge in their last terms (the paper's Figure 7/8
   *  histories): now and then a new leader crashes or is cut off shortly after its election. */
  private cutShortNewLeaders(): void {
    this.c.onLeaderElected = (n) => {
      const r = this.c.rng;
      if (!this.faultsOn || !r.chance(this.c.params.leaderKillChance)) return;
      const incarnation = n.incarnation;
      this.c.queue.after(r.int(1, 2 * this.c.params.tickInterval), () => {
        if (!this.faultsOn || !n.alive || n.incarnation !== incarnation) return;
        if (r.chance(0.5)) this.crashAndRestart(n);
        else this.isolate(n.id, r.int(50, 400));
      });
    };
  }

  /** A leader applies entries of earlier terms only once an entry of its own term committed
   *  (§5.4.2). Crashing it right then leaves its own-term entries on as few nodes as the rule
   *  allows: if it committed the old entries by counting, a node with a newer last term can win
   *  and overwrite them (Figure 8). */
  private crashAfterIndirectCommit(): void {
    const rolled = new Map<number, number>(); // node -> the term it was considered in
    this.c.onOldTermApplied = (n) => {
      const r = this.c.rng;
      if (!this.faultsOn || rolled.get(n.id) === n.term) return;
      rolled.set(n.id, n.term);
      if (!r.chance(this.c.params.indirectCommitCrash)) return;
      const incarnation = n.incarnation;
      this.c.queue.after(r.int(0, 5), () => {
        if (this.faultsOn && n.alive && n.incarnation === incarnation) this.crashAndRestart(n);
      });
    };
  }

  /** A state machine durable at apply (kv.db) may apply entries its MemFirst log has not flushed;
   *  a crash right then leaves it ahead of the log, and the restart must rebuild its membership
   *  from the log. Now and then, and often when the entry is a conf change (which the loop applies
   *  only once durable), the node crashes right there. */
  private crashAheadOfLog(): void {
    this.c.onAppliedAheadOfLog = (n, e) => {
      const r = this.c.rng;
      if (!this.faultsOn || !r.chance(e.type === EntryType.ConfChange ? 0.5 : 0.01)) return;
      const incarnation = n.incarnation;
      this.c.queue.after(0, () => {
        if (this.faultsOn && n.alive && n.incarnation === incarnation) this.crashAndRestart(n);
      });
    };
  }

  /** A voter that crashes right after granting and comes back within the election may be asked
   *  again in the same term: only a durable vote stops it from voting twice. */
  private bounceVoters(): void {
    this.c.onVoteGranted = (n) => {
      const r = this.c.rng;
      if (!this.faultsOn || !r.chance(0.05)) return;
      const incarnation = n.incarnation;
      this.c.queue.after(r.int(0, 5), () => {
        if (this.faultsOn && n.alive && n.incarnation === incarnation) this.crashAndRestart(n, r.int(1, 20));
      });
    };
  }

  private every(range: [number, number], f: () => void): void {
    const q = this.c.queue;
    const loop = (): void => {
      if (!this.faultsOn) return;
      f();
      q.after(this.c.rng.int(range[0], range[1]), loop);
    };
    q.after(this.c.rng.int(range[0], range[1]), loop);
  }

  // ---- client -----------------------------------------------------------------------------------

  /** Proposes 1-3 writes, usually on the leader, sometimes on a random node (which must refuse). */
  propose(): void {
    const c = this.c;
    const live = c.liveNodes();
    if (live.length === 0) return;
    // Mostly the newest leader; sometimes any node that believes it leads (a deposed leader that
    // has not heard yet grows a divergent suffix); sometimes a follower, which must refuse.
    const leaders = live.filter((n) => n.isLeader);
    const roll = c.rng.next();
    const target = roll < 0.65 ? c.leader() : roll < 0.85 && leaders.length > 0 ? c.rng.pick(leaders) : c.rng.pick(live);
    if (target !== undefined) this.proposeOn(target, c.rng.int(1, 3));
  }

  private proposeOn(target: SimNode, count: number): void {
    const c = this.c;
    if (target.raft === null) return;
    const ids: number[] = [];
    const data: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const id = this.nextWriteId++;
      ids.push(id);
      data.push(makePayload(id, c.rng.int(0, 40)));
    }
    const raft = target.raft;
    const res = c.guard(target, () => raft.propose(data));
    if (!res.ok) {
      c.counters.proposalsRefused++;
      // A shell in the middle of a Ready (waiting for its hard state) has not seen the step-down yet.
      if (target.isLeader && target.loop?.draining === false && res.error.code === "not-leader") {
        c.checker.fail("core exception", `leader n${target.id} refused a proposal as not-leader`);
      }
      return;
    }
    if (res.lastIndex - res.firstIndex + 1 !== count) {
      c.checker.fail("shell contract", `propose of ${count} entries returned indexes ${res.firstIndex}..${res.lastIndex}`);
    }
    for (let i = 0; i < count; i++) {
      c.writes.set(ids[i], { id: ids[i], node: target.id, incarnation: target.incarnation, index: res.firstIndex + i, term: res.term, acked: false });
    }
    c.counters.writesProposed += count;
    c.drain(target);
  }

  read(): void {
    const c = this.c;
    const live = c.liveNodes();
    if (live.length === 0) return;
    this.readOn(c.rng.chance(0.5) ? (c.leader() ?? c.rng.pick(live)) : c.rng.pick(live));
  }

  private readOn(n: SimNode): void {
    const c = this.c;
    if (n.raft === null) return;
    const requestId = this.nextReadId++;
    c.reads.set(requestId, { node: n.id, incarnation: n.incarnation, start: c.queue.now, required: c.checker.readFloor });
    c.counters.readsStarted++;
    const raft = n.raft;
    c.log(`read ${requestId} starts on n${n.id} (${n.role})`);
    c.guard(n, () => raft.readIndex(requestId));
    if (n.isLeader && n.loop?.draining === false && raft.status().conf.voters.length > 1) c.readAtOnce = requestId;
    c.drain(n);
    c.readAtOnce = 0;
  }

  /** One server at a time: add a learner, promote a learner, remove a learner or a voter (>= 3 voters stay). */
  confChange(): void {
    const c = this.c;
    const l = c.leader();
    if (l === undefined || l.raft === null) return;
    const conf = l.raft.status().conf;
    const members = conf.voters.length + conf.learners.length;
    const liveLearners = conf.learners.filter((id) => c.nodes.get(id)?.alive === true);
    let type: ConfChangeType;
    let nodeId: NodeId;
    let created: SimNode | undefined;
    if (liveLearners.length > 0 && c.rng.chance(0.8)) {
      nodeId = c.rng.pick(liveLearners);
      type = c.rng.chance(0.75) ? ConfChangeType.AddVoter : ConfChangeType.RemoveNode;
    } else if (conf.voters.length > 3 && (members >= c.params.maxNodes || c.rng.chance(0.4))) {
      nodeId = c.rng.pick(conf.voters);
      type = ConfChangeType.RemoveNode;
    } else if (members < c.params.maxNodes) {
      nodeId = c.nextNodeId++;
      type = ConfChangeType.AddLearner;
      // The operator starts the new member first, either bootstrapped with the genesis membership
      // at index 0 (it replays the log's conf changes from index 1, or gets a snapshot), or with
      // no membership at all, as trireme's initial_state = "existing" does: it must refuse the log
      // until a snapshot gives it a membership, and never campaign.
      created = c.addNode(nodeId, c.rng.chance(0.5) ? c.genesisConf : { voters: [], learners: [] });
    } else {
      return;
    }
    const raft = l.raft;
    const res = c.guard(l, () => raft.proposeConfChange({ type, nodeId, context: NO_CONTEXT }));
    c.log(`propose conf change ${["add-voter", "add-learner", "remove"][type]} n${nodeId} on n${l.id}: ${res.ok ? `@${res.firstIndex}` : res.error.code}`);
    if (res.ok) c.counters.confChangesProposed++;
    else if (created !== undefined) c.stopForGood(created);
    c.drain(l);
  }

  transfer(): void {
    const c = this.c;
    const l = c.leader();
    if (l === undefined || l.raft === null) return;
    const others = l.raft.status().conf.voters.filter((v) => v !== l.id && c.nodes.get(v)?.alive === true);
    if (others.length === 0) return;
    const to = c.rng.pick(others);
    // Half the time ask a random node, which forwards TransferLeader to the leader.
    const via = c.rng.chance(0.5) ? l : c.rng.pick(c.liveNodes());
    if (via.raft === null) return;
    c.counters.transfersRequested++;
    c.pendingTransfers.set(to, c.queue.now);
    c.log(`transfer leadership n${l.id} -> n${to} (asked n${via.id})`);
    const raft = via.raft;
    c.guard(via, () => raft.transferLeader(to));
    c.drain(via);
  }

  // ---- nemesis ----------------------------------------------------------------------------------

  private nemesis(): void {
    const c = this.c;
    const r = c.rng;
    const live = c.liveNodes();
    const roll = r.next();
    if (roll < 0.3) {
      // Keep a quorum up most of the time so runs make progress; sometimes take down more.
      const down = [...c.nodes.values()].filter((n) => !n.alive && !n.shutdown).length;
      if (live.length === 0) return;
      if (down >= Math.floor((c.committedConf.voters.length - 1) / 2) && !r.chance(0.15)) return;
      const victim = r.chance(0.4) ? (c.leader() ?? r.pick(live)) : r.pick(live);
      this.crashAndRestart(victim);
    } else if (roll < 0.5) {
      const ids = live.map((n) => n.id);
      if (ids.length < 2) return;
      const side = ids.filter(() => r.chance(0.5));
      if (side.length === 0 || side.length === ids.length) side.splice(0, side.length, ids[0]);
      const rest = ids.filter((id) => !side.includes(id));
      const links: Array<[NodeId, NodeId]> = [];
      for (const a of side) for (const b of rest) links.push([a, b], [b, a]);
      this.partition("symmetric", links, `{${side}} | {${rest}}`, r.int(50, 600));
    } else if (roll < 0.65) {
      const l = c.leader();
      if (l !== undefined) this.isolate(l.id, r.int(50, 600));
    } else if (roll < 0.8) {
      const ids = [...c.nodes.keys()];
      const a = r.pick(ids);
      const links: Array<[NodeId, NodeId]> = [];
      // One-way: either a node cannot send to anyone, or cannot hear from anyone, or one link.
      const mode = r.int(0, 2);
      for (const b of ids) {
        if (b === a) continue;
        if (mode === 0) links.push([a, b]);
        else if (mode === 1) links.push([b, a]);
      }
      if (mode === 2) links.push([a, r.pick(ids.filter((b) => b !== a))]);
      this.partition("one-way", links, `${["n" + a + " mute", "n" + a + " deaf", "link"][mode]} ${links.map(([x, y]) => `${x}>${y}`).join(",")}`, r.int(50, 600));
    } else if (roll < 0.9) {
      c.net.healAll();
      c.log(`HEAL all partitions`);
    } else {
      // A quick follower bounce (restart after 5 units): loses its unflushed tail, keeps its vote.
      const f = live.filter((n) => n.role !== Role.Leader);
      if (f.length > 0) this.crashAndRestart(r.pick(f), 5);
    }
  }

  private crashAndRestart(n: SimNode, downTime?: number): void {
    const c = this.c;
    c.crash(n);
    const [lo, hi] = c.params.downTime;
    c.queue.after(downTime ?? c.rng.int(lo, hi), () => {
      if (!n.alive && !n.shutdown) {
        c.log(`RESTART n${n.id}`);
        c.restart(n);
      }
    });
  }

  private isolate(id: NodeId, duration: number): void {
    const links: Array<[NodeId, NodeId]> = [];
    for (const other of this.c.nodes.keys()) if (other !== id) links.push([id, other], [other, id]);
    this.partition("isolate", links, `isolate n${id}`, duration);
    const n = this.c.nodes.get(id);
    if (n !== undefined && n.isLeader && this.c.params.leaseRead) this.probeLease(n);
  }

  /** A leader cut off from its followers may serve lease reads only while they still refuse to
   *  elect another: an election timeout after the last heartbeat they answered. Until it steps
   *  down, read on it every tick and write on whoever leads a newer term, so a lease that outlives
   *  that promise serves a read older than an acknowledged write. */
  private probeLease(old: SimNode): void {
    const c = this.c;
    const incarnation = old.incarnation;
    let ticks = 3 * c.params.electionTicks;
    const probe = (): void => {
      if (!this.faultsOn || !old.isLeader || old.incarnation !== incarnation || ticks-- <= 0) return;
      const newer = c.leader();
      if (newer !== undefined && newer !== old) this.proposeOn(newer, 1);
      this.readOn(old);
      c.queue.after(c.params.tickInterval, probe);
    };
    c.queue.after(c.params.tickInterval, probe);
  }

  private partition(kind: "symmetric" | "one-way" | "isolate", links: Array<[NodeId, NodeId]>, describe: string, duration: number): void {
    const c = this.c;
    const part = c.net.addPartition(kind, links, describe);
    c.counters.partitions++;
    c.log(`PARTITION ${kind} ${describe} for ${duration}`);
    c.queue.after(duration, () => {
      c.net.heal(part.id);
      c.log(`HEAL ${describe}`);
    });
  }

  // ---- liveness ---------------------------------------------------------------------------------

  /** Heals everything, then requires a leader and a fresh write applied on every live member. */
  runLivenessPhase(): void {
    const c = this.c;
    this.faultsOn = false;
    c.onLeaderElected = null;
    c.onVoteGranted = null;
    c.onOldTermApplied = null;
    c.onAppliedAheadOfLog = null;
    c.net.healAll();
    for (const plane of ["control", "data", "bulk"] as const) {
      c.net.profile[plane] = { ...c.net.profile[plane], drop: 0, duplicate: 0 };
    }
    c.log(`LIVENESS phase: heal all, restart crashed nodes`);
    for (const n of c.nodes.values()) if (!n.alive && !n.shutdown) c.restart(n);
    // A cluster may still be working off a backlog (one entry per append, a window of one, fsyncs):
    // that is progress, not a liveness failure. It fails when nothing is appended, made durable or
    // applied anywhere for `livenessTicks`, or after five times that in all.
    const unit = c.params.tickInterval;
    const started = c.queue.now;
    const hardDeadline = started + 5 * c.params.livenessTicks * unit;
    let lastProgress = c.queue.now;
    let appliedSum = -1;
    let marker: { node: SimNode; incarnation: number; index: number; term: number } | undefined;
    while (c.queue.now < hardDeadline && c.queue.now - lastProgress < c.params.livenessTicks * unit) {
      const stepUntil = c.queue.now + unit;
      while (c.queue.step(stepUntil)) {
        /* run events */
      }
      c.queue.now = stepUntil;
      // Progress is anything applied, appended or made durable anywhere.
      let sum = 0;
      for (const n of c.nodes.values()) if (n.alive) sum += n.sm.index + n.storage.lastIndex + n.storage.durableIndex;
      if (sum > appliedSum) {
        appliedSum = sum;
        lastProgress = c.queue.now;
      }
      const l = c.leader();
      if (l === undefined || l.raft === null) continue;
      if (marker === undefined || marker.node !== l || marker.incarnation !== l.incarnation || marker.term !== l.term) {
        const raft = l.raft;
        const id = this.nextWriteId++;
        const res = c.guard(l, () => raft.propose([makePayload(id, 0)]));
        if (!res.ok) continue;
        c.writes.set(id, { id, node: l.id, incarnation: l.incarnation, index: res.firstIndex, term: res.term, acked: false });
        marker = { node: l, incarnation: l.incarnation, index: res.firstIndex, term: res.term };
        c.drain(l);
        continue;
      }
      const conf = l.raft.status().conf;
      const members = [...conf.voters, ...conf.learners].map((id) => c.nodes.get(id)).filter((n) => n !== undefined && n.alive);
      const target = marker.index;
      if (members.every((n) => n !== undefined && n.sm.index >= target)) {
        c.log(`LIVENESS ok: leader n${l.id} term ${l.term}, write @${target} applied on ${members.map((n) => `n${n?.id}`)} after ${Math.round((c.queue.now - started) / unit)} ticks`);
        return;
      }
    }
    const l = c.leader();
    const state = [...c.nodes.values()]
      .filter((n) => !n.shutdown)
      .map((n) => `n${n.id}:${n.alive ? n.role : "down"}/t${n.term}/applied${n.sm.index}/last${n.storage.lastIndex}/durable${n.storage.durableIndex}`)
      .join(" ");
    c.checker.fail(
      "liveness",
      `${Math.round((c.queue.now - started) / unit)} ticks after healing (no progress for ${Math.round((c.queue.now - lastProgress) / unit)}), ${l === undefined ? "no leader" : `leader n${l.id} but the write ${marker ? `@${marker.index}` : "was never accepted"} is not applied everywhere`}: ${state}`,
    );
  }
}
