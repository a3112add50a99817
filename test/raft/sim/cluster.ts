// A deterministic simulated cluster: each node is a real Raft core driven by the node's real Ready
// loop (src/node/ready-loop.ts) on simulated parts: a log and hard-state store with the storage
// strategy's crash behaviour (storage.ts), the network (network.ts), a hash-chain state machine
// and a snapshot store. This file is those parts and the checks on what passes through them.
// Faults and the client workload live in workload.ts; the invariants in checker.ts.

import {
  ConfChangeType,
  EntryType,
  MessageType,
  Role,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type RaftConfig,
  type ReadState,
  type RestoredState,
  type SnapshotMeta,
  type SoftState,
} from "../../../src/raft/types.ts";
import type { LogPort, ReadyLoop, SnapshotTaken } from "../../../src/node/ready-loop.ts";
import { Checker, MemFirstLoss } from "./checker.ts";
import { Durability } from "./durability.ts";
import type { CoreModule, RaftCore } from "./core.ts";
import { EventQueue } from "./event-queue.ts";
import { Network, describeMessage } from "./network.ts";
import type { SimParams } from "./params.ts";
import { Prng } from "./prng.ts";
import { StateMachine, changeConf, cloneConf, payloadId, sameConf, type SmImage } from "./state-machine.ts";
import { NodeStorage } from "./storage.ts";

export interface Counters {
  elections: number;
  leaderChanges: number;
  commits: number;
  writesProposed: number;
  writesAcked: number;
  proposalsRefused: number;
  readsStarted: number;
  readsServed: number;
  readsDropped: number;
  /** Reads a leader served from its lease (at once, no heartbeat round). */
  leaseReads: number;
  confChangesProposed: number;
  confChangesApplied: number;
  transfersRequested: number;
  transfersCompleted: number;
  snapshotsTaken: number;
  snapshotsSent: number;
  snapshotsFailed: number;
  snapshotsInstalled: number;
  crashes: number;
  restarts: number;
  partitions: number;
  truncations: number;
  memFirstLossWindows: number;
  unreachableReports: number;
  /** Durable state machine: restarts whose log held other entries below the applied index. */
  staleLogRestarts: number;
  /** Durable state machine: restarts that adopted it as a snapshot (it was ahead of the log). */
  stateMachineAhead: number;
}

export function emptyCounters(): Counters {
  return {
    elections: 0,
    leaderChanges: 0,
    commits: 0,
    writesProposed: 0,
    writesAcked: 0,
    proposalsRefused: 0,
    readsStarted: 0,
    readsServed: 0,
    readsDropped: 0,
    leaseReads: 0,
    confChangesProposed: 0,
    confChangesApplied: 0,
    transfersRequested: 0,
    transfersCompleted: 0,
    snapshotsTaken: 0,
    snapshotsSent: 0,
    snapshotsFailed: 0,
    snapshotsInstalled: 0,
    crashes: 0,
    restarts: 0,
    partitions: 0,
    truncations: 0,
    memFirstLossWindows: 0,
    unreachableReports: 0,
    staleLogRestarts: 0,
    stateMachineAhead: 0,
  };
}

export interface WriteRecord {
  id: number;
  node: NodeId;
  incarnation: number;
  index: number;
  term: number;
  acked: boolean;
}

export interface ReadRecord {
  node: NodeId;
  incarnation: number;
  start: number;
  /** The read must return at least this index (the floor of completed operations at its start). */
  required: number;
}


export class SimNode {
  alive = false;
  /** Stopped for good (removed from the cluster). */
  shutdown = false;
  incarnation = 0;
  /** Virtual time of the last crash (-1: never). */
  lastCrash = -1;
  raft: RaftCore | null = null;
  /** The shell's Ready loop around `raft` (one per incarnation). */
  loop: ReadyLoop<void> | null = null;
  readonly sm = new StateMachine();
  conf: ConfState;
  role: Role = Role.Follower;
  term = 0;
  /** Images received from a leader's snapshot stream, waiting for the core to ask for the install. */
  readonly incomingImages = new Map<number, SmImage>();
  waitingReads: Array<{ requestId: number; index: number }> = [];

  constructor(
    readonly id: NodeId,
    readonly storage: NodeStorage,
    readonly rng: Prng,
    conf: ConfState,
  ) {
    this.conf = cloneConf(conf);
  }

  get isLeader(): boolean {
    return this.alive && this.role === Role.Leader;
  }
}

export class Cluster {
  readonly queue = new EventQueue();
  readonly rng: Prng;
  readonly net: Network;
  readonly checker: Checker = new Checker();
  readonly durability: Durability = new Durability(this);
  readonly counters = emptyCounters();
  readonly nodes = new Map<NodeId, SimNode>();
  readonly writes = new Map<number, WriteRecord>();
  readonly reads = new Map<number, ReadRecord>();
  /** Conf of the highest-index conf change anyone applied: the membership the cluster agreed on. */
  committedConf: ConfState;
  /** The bootstrap membership at index 0, which every member starts from. */
  readonly genesisConf: ConfState;
  private committedConfIndex = 0;
  /** The committed membership after each conf change, by index (the genesis one before the first). */
  private readonly confHistory: Array<{ index: number; conf: ConfState }> = [];
  private lastLeader: NodeId = 0;
  nextNodeId: number;
  /** The nemesis' hooks: called when a node becomes leader, and when a node grants its vote. */
  onLeaderElected: ((n: SimNode) => void) | null = null;
  onVoteGranted: ((n: SimNode) => void) | null = null;
  /** Called when a leader applies an entry of an earlier term (committed through its own). */
  onOldTermApplied: ((n: SimNode) => void) | null = null;
  /** Called when a durable state machine applies an entry its log has not made durable. */
  onAppliedAheadOfLog: ((n: SimNode, e: Entry) => void) | null = null;
  /** A read on a leader of several voters whose drain runs now: confirmed in it, before any
   *  message could travel, it was served from the leader's lease. */
  readAtOnce = 0;
  /** Transfers waiting to see their target elected. */
  readonly pendingTransfers = new Map<NodeId, number>();

  constructor(
    readonly params: SimParams,
    readonly core: CoreModule,
    readonly trace: ((line: string) => void) | null,
  ) {
    this.rng = new Prng(params.seed);
    this.net = new Network(this.rng.fork(), this.queue, params.network, (m) => this.deliver(m), trace ? (l) => this.log(l) : null);
    const voters: NodeId[] = [];
    for (let i = 1; i <= params.voters; i++) voters.push(i);
    this.nextNodeId = params.voters + 1;
    this.committedConf = { voters, learners: [] };
    this.genesisConf = { voters: [...voters], learners: [] };
    for (const id of voters) this.addNode(id, { voters, learners: [] });
  }

  log(line: string): void {
    if (this.trace) this.trace(`t=${this.queue.now} (tick ${Math.floor(this.queue.now / this.params.tickInterval)}) ${line}`);
  }

  // ---- node lifecycle -------------------------------------------------------------------------

  /** Creates and starts a node. New members start with an empty membership and learn it from the leader. */
  addNode(id: NodeId, conf: ConfState): SimNode {
    const bootMeta: SnapshotMeta = { index: 0, term: 0, conf: cloneConf(conf) };
    const bootImage = new StateMachine().image(conf);
    const nodeRng = this.rng.fork();
    let node: SimNode | undefined;
    const storage = new NodeStorage(
      id,
      { strategy: this.params.strategy, flush: this.params.flush, minFsync: this.params.minFsync, maxFsync: this.params.maxFsync },
      this.queue,
      nodeRng.fork(),
      { meta: bootMeta, image: bootImage },
      (index) => {
        if (node !== undefined && node.alive && node.loop !== null) {
          const loop = node.loop;
          this.guard(node, () => loop.reportDurable(index));
          this.drain(node);
        }
      },
      this.trace ? (l) => this.log(l) : null,
    );
    node = new SimNode(id, storage, nodeRng, conf);
    this.nodes.set(id, node);
    this.start(node);
    return node;
  }

  private raftConfig(n: SimNode): RaftConfig {
    const p = this.params;
    const rng = n.rng;
    return {
      id: n.id,
      heartbeatTicks: p.heartbeatTicks,
      electionTicks: p.electionTicks,
      preVote: p.preVote,
      checkQuorum: p.checkQuorum,
      leaseRead: p.leaseRead,
      countPolicy: p.strategy === "disk" ? "durable" : "appended",
      maxEntriesPerAppend: p.maxEntriesPerAppend,
      maxBytesPerAppend: p.maxBytesPerAppend,
      maxInflightAppends: p.maxInflightAppends,
      maxInflightBytes: p.maxInflightBytes,
      maxUncommittedBytes: p.maxUncommittedBytes,
      random: () => rng.next(),
    };
  }

  private start(n: SimNode): void {
    const restored = this.params.durableStateMachine ? this.restoreDurable(n) : n.storage.restored();
    if (!this.params.durableStateMachine) {
      n.sm.restore(n.storage.snapshot.image);
      n.conf = cloneConf(restored.snapshot.conf);
    }
    n.term = restored.hardState.term;
    n.role = Role.Follower;
    n.waitingReads = [];
    n.incomingImages.clear();
    n.alive = true;
    const incarnation = n.incarnation;
    this.guard(n, () => {
      const raft = new this.core.Raft(this.raftConfig(n), restored);
      n.raft = raft;
      n.loop = this.shell(n, raft);
    });
    this.log(`start n${n.id} term=${restored.hardState.term} vote=${restored.hardState.vote} snap=${restored.snapshot.index} durable=${restored.durableIndex}`);
    // Node clocks tick at the same rate with different phases.
    const tick = (): void => {
      if (!n.alive || n.incarnation !== incarnation || n.raft === null) return;
      const raft = n.raft;
      this.guard(n, () => {
        // The node's ticker delivers the ticks before a due one late, in a batch (src/node/ticker.ts):
        // that is only sound if those ticks really change nothing a peer or the shell could see.
        const quiet = raft.ticksUntilDue() > 1 && !raft.hasReady();
        const before = quiet ? raft.status() : undefined;
        raft.tick();
        if (before !== undefined) {
          const after = raft.status();
          if (raft.hasReady() || after.role !== before.role || after.term !== before.term) {
            this.checker.fail("lazy ticks", `n${n.id}: a tick ticksUntilDue() called quiet changed something (role ${before.role}→${after.role}, term ${before.term}→${after.term}, ready ${raft.hasReady()})`);
          }
        }
      });
      this.drain(n);
      this.queue.after(this.params.tickInterval, tick);
    };
    this.queue.after(this.rng.int(1, this.params.tickInterval), tick);
  }

  /** A restart with a state machine durable at apply, as the node's (src/node/restore.ts): one
   *  behind the snapshot is restored from it; one ahead of the log (a MemFirst tail lost in the
   *  crash) is adopted as a snapshot whose membership is the log's, every conf change in it
   *  included; otherwise the core starts at the state machine's applied index. */
  private restoreDurable(n: SimNode): RestoredState {
    const st = n.storage;
    let restored = st.restored();
    if (n.sm.index < restored.snapshot.index) n.sm.restore(st.snapshot.image);
    const confUpTo = (upTo: number): ConfState => {
      const conf = cloneConf(restored.snapshot.conf);
      for (const e of restored.entries) if (e.index <= upTo && e.type === EntryType.ConfChange) changeConf(conf, this.core.decodeConfChange(e.data));
      return conf;
    };
    // The log on disk must not hold other entries than the state machine applied: restore.ts
    // cannot tell (it only adopts a state machine ahead of the log) and would hand the core a log
    // that contradicts its applied index. The Ready loop applies nothing past a suffix truncation
    // until the truncation is on disk.
    const stale = restored.entries.find((e) => e.index <= n.sm.index && this.checker.committed.get(e.index)?.term !== e.term);
    if (stale !== undefined) {
      this.counters.staleLogRestarts++;
      this.checker.fail("log agrees with the state machine", `n${n.id} restarts with ${stale.index}/t${stale.term} in its log, below the index ${n.sm.index} its state machine applied`);
    }
    const last = restored.entries.length > 0 ? restored.entries[restored.entries.length - 1].index : restored.snapshot.index;
    if (n.sm.index > last) {
      const conf = confUpTo(last);
      this.counters.stateMachineAhead++;
      this.log(`n${n.id} state machine at ${n.sm.index} is ahead of its log (last ${last}): adopted as a snapshot`);
      const meta: SnapshotMeta = { index: n.sm.index, term: n.sm.term, conf };
      this.checkSnapshotConf(n, meta);
      st.takeSnapshot(meta, n.sm.image(conf));
      st.compactPrefix(meta.index);
      restored = st.restored();
    }
    n.conf = confUpTo(n.sm.index);
    return { ...restored, applied: Math.max(restored.snapshot.index, n.sm.index) };
  }

  /** A snapshot's membership is the committed one at its index. */
  private checkSnapshotConf(n: SimNode, meta: SnapshotMeta): void {
    let committed = this.genesisConf;
    for (const h of this.confHistory) if (h.index <= meta.index) committed = h.conf;
    if (!sameConf(meta.conf, committed)) {
      this.checker.fail(
        "snapshot membership",
        `n${n.id}: snapshot @${meta.index} has voters ${meta.conf.voters} learners ${meta.conf.learners}, the committed membership there is voters ${committed.voters} learners ${committed.learners}`,
      );
    }
  }

  crash(n: SimNode): void {
    if (!n.alive) return;
    this.log(`CRASH n${n.id} (role ${n.role}, term ${n.term}, last ${n.storage.lastIndex}, durable ${n.storage.durableIndex})`);
    const known = this.durability.committedNotApplied();
    n.alive = false;
    n.raft = null;
    n.loop = null;
    n.incarnation++;
    n.lastCrash = this.queue.now;
    n.role = Role.Follower;
    n.storage.crash();
    this.counters.crashes++;
    const lost = this.durability.lossCheck(known, n);
    if (lost !== null) {
      if (this.params.strategy === "disk" || !lost.explained) this.checker.fail("durability", `after n${n.id} crashed: ${lost.detail}`);
      this.counters.memFirstLossWindows++;
      throw new MemFirstLoss(`crash of n${n.id}: ${lost.detail}`);
    }
  }

  restart(n: SimNode): void {
    if (n.alive || n.shutdown) return;
    this.counters.restarts++;
    this.start(n);
    this.drain(n);
  }

  /** Stops a removed member for good. */
  stopForGood(n: SimNode): void {
    if (n.shutdown) return;
    this.log(`SHUTDOWN n${n.id} (removed from the cluster)`);
    n.shutdown = true;
    n.alive = false;
    n.raft = null;
    n.loop = null;
    n.incarnation++;
  }

  /** Runs `f` against the core, turning an exception into a violation that names the node. */
  guard<T>(n: SimNode, f: () => T): T {
    try {
      return f();
    } catch (err) {
      this.raise(n, err);
    }
  }

  /** An error out of the core or the shell, as the violation it is. */
  private raise(n: SimNode, err: unknown): never {
    if (err instanceof Error && (err.name === "SimViolation" || err.name === "MemFirstLoss")) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    if (err instanceof Error && err.name === "ShellInvariantError") {
      this.checker.fail((err as Error & { invariant: string }).invariant, `node ${n.id}: ${msg}`);
    }
    this.checker.fail("core exception", `node ${n.id}: ${msg}`);
  }

  // ---- the shell: the node's Ready loop on this node's simulated parts ------------------------

  drain(n: SimNode): void {
    this.checker.now = this.queue.now;
    const loop = n.loop;
    if (n.alive && loop !== null) loop.drain();
  }

  private shell(n: SimNode, raft: RaftCore): ReadyLoop<void> {
    const st = n.storage;
    const log: LogPort = {
      append: (entries: Entry[]) => this.append(n, entries),
      get durableIndex() {
        return st.agreedDurableIndex;
      },
      lastIndex: () => st.lastIndex,
      compactPrefix: (upTo) => st.compactPrefix(upTo),
      sync: () => st.sync(),
    };
    return new this.core.ReadyLoop<void>({
      core: raft,
      log,
      hardState: {
        save: (hs) => {
          if (hs.term < st.hardState.term) {
            this.checker.fail("shell contract", `node ${n.id}: hard state term went back from ${st.hardState.term} to ${hs.term}`);
          }
          n.term = hs.term;
          return st.saveHardState(hs);
        },
      },
      transport: { send: (messages) => messages.forEach((m) => this.send(n, m)) },
      stateMachine: {
        get appliedIndex() {
          return n.sm.index;
        },
        apply: (entries) => {
          for (const e of entries) {
            this.apply(n, e);
            if (!n.alive) return;
          }
        },
        installSnapshot: (meta) => this.installSnapshot(n, meta),
        takeSnapshot: () => this.takeSnapshot(n),
      },
      hooks: {
        softState: (s) => this.softState(n, raft, s),
        applied: () => this.serveReads(n),
        readsConfirmed: (states) => this.readsConfirmed(n, states),
        readsDropped: (ids) => {
          for (const id of ids) {
            if (this.reads.delete(id)) this.counters.readsDropped++;
            if (this.trace) this.log(`READ ${id} on n${n.id} dropped by the core (role ${n.role})`);
          }
        },
        sendSnapshot: (m) => {
          if (this.trace) this.log(`send ${describeMessage(m)}`);
          this.streamSnapshot(n, m);
        },
      },
      acknowledgeDurableOnly: this.params.strategy === "disk",
      snapshots: { everyEntries: this.params.snapshotEvery, everyBytes: this.params.snapshotBytes, keepEntries: this.params.snapshotKeep },
      stopped: () => !n.alive || n.raft !== raft,
      onError: (err) => this.raise(n, err),
      maxReadysPerDrain: 1000,
    });
  }

  private append(n: SimNode, entries: Entry[]): void {
    const err = n.storage.append(entries);
    if (err !== null) this.checker.fail("shell contract", `node ${n.id}: Ready.entries: ${err}`);
    this.checker.onAppend(n.id, entries, (i) => n.storage.termAt(i - 1, false));
    if (this.trace) this.log(`n${n.id} append [${entries[0].index}..${entries[entries.length - 1].index}] t${entries[entries.length - 1].term}`);
  }

  private softState(n: SimNode, raft: RaftCore, s: SoftState): void {
    const was = n.role;
    n.role = s.role;
    n.term = raft.status().term;
    if (n.role === Role.Leader && was !== Role.Leader) this.onBecameLeader(n);
    else if (n.role !== was && this.trace) this.log(`n${n.id} becomes ${n.role} (term ${n.term}, leader ${s.leader})`);
  }

  private readsConfirmed(n: SimNode, states: ReadState[]): void {
    for (const rs of states) {
      const rec = this.reads.get(rs.requestId);
      if (rec === undefined || rec.node !== n.id) this.checker.fail("shell contract", `node ${n.id}: read state for unknown request ${rs.requestId}`);
      if (rec.incarnation !== n.incarnation) continue;
      if (rs.requestId === this.readAtOnce) this.counters.leaseReads++;
      if (rs.requestId === this.readAtOnce && this.checker.maxLeaderTerm > n.term) {
        // A lease holds only while a quorum of voters refuses to elect another leader.
        this.checker.fail("lease read", `read ${rs.requestId} served from the lease of n${n.id} (term ${n.term}) after a leader of term ${this.checker.maxLeaderTerm} was elected`);
      }
      if (rs.index < rec.required) {
        this.checker.fail(
          "linearizable read",
          `read ${rs.requestId} on n${n.id} started at t=${rec.start} after index ${rec.required} was observed by a completed operation, but got read index ${rs.index}`,
        );
      }
      n.waitingReads.push({ requestId: rs.requestId, index: rs.index });
    }
    this.serveReads(n);
  }

  private onBecameLeader(n: SimNode): void {
    this.counters.elections++;
    this.checker.onLeader(n.id, n.incarnation, n.term);
    const snap = n.storage.snapshot;
    this.checker.checkLeaderCompleteness(n.id, n.term, snap.meta.index, snap.image.hash, (i) => n.storage.termAt(i, false));
    if (this.lastLeader !== n.id) this.counters.leaderChanges++;
    this.lastLeader = n.id;
    const t = this.pendingTransfers.get(n.id);
    if (t !== undefined) {
      this.pendingTransfers.delete(n.id);
      this.counters.transfersCompleted++;
    }
    this.log(`ELECTED n${n.id} leader of term ${n.term} (last ${n.storage.lastIndex})`);
    if (this.onLeaderElected !== null) this.onLeaderElected(n);
  }

  private installSnapshot(n: SimNode, meta: SnapshotMeta): void {
    const img = n.incomingImages.get(meta.index);
    if (img === undefined) {
      this.checker.fail("shell contract", `node ${n.id}: Ready.snapshot at index ${meta.index} but no such snapshot was streamed to it`);
    }
    this.checker.onInstallImage(n.id, img);
    n.storage.installSnapshot(meta, img);
    n.sm.restore(img);
    n.conf = cloneConf(meta.conf);
    n.incomingImages.clear();
    this.counters.snapshotsInstalled++;
    this.log(`n${n.id} INSTALL snapshot @${meta.index}/t${meta.term}`);
  }

  private send(n: SimNode, m: Message): void {
    if (this.trace) this.log(`send ${describeMessage(m)}`);
    if (m.type === MessageType.AppResp && !m.reject && this.params.strategy === "disk") this.durability.checkDurableAck(n, m);
    if (m.type === MessageType.Heartbeat && this.params.strategy === "disk") this.durability.checkHeartbeatCommit(m);
    if (m.type === MessageType.VoteResp && !m.reject && this.onVoteGranted !== null) this.onVoteGranted(n);
    // A transport sees a dead or cut-off peer as a failed send; tell the core now and then.
    const to = this.nodes.get(m.to);
    if ((to === undefined || !to.alive || this.net.isBlocked(m.from, m.to)) && this.rng.chance(0.3)) {
      const incarnation = n.incarnation;
      this.queue.after(0, () => {
        if (!n.alive || n.incarnation !== incarnation || n.raft === null) return;
        const raft = n.raft;
        this.counters.unreachableReports++;
        this.guard(n, () => raft.reportUnreachable(m.to));
        this.drain(n);
      });
    }
    this.net.send(m);
  }

  /** The Bulk plane: the leader's shell streams the image; it arrives after a delay or the stream fails.
   *  Like the node's shell (src/node/snapshot-transfers.ts) it streams its newest snapshot, which
   *  may be newer than the one the core named, and takes one first when the core names the
   *  bootstrap state at index 0: a member that joined with no membership needs a real one. */
  private streamSnapshot(n: SimNode, asked: Message): void {
    if (asked.snapshot === undefined) this.checker.fail("shell contract", `node ${n.id}: Snap message without snapshot meta`);
    if (asked.snapshot.index === 0 && n.sm.index > 0) {
      // The shell takes it in the background, outside the Ready being handled.
      const incarnation = n.incarnation;
      this.queue.after(0, () => {
        if (!n.alive || n.incarnation !== incarnation || n.loop === null) return;
        n.loop.snapshotNow(0);
        this.streamNewest(n, asked);
      });
      return;
    }
    this.streamNewest(n, asked);
  }

  private streamNewest(n: SimNode, asked: Message & { snapshot?: SnapshotMeta }): void {
    if (asked.snapshot === undefined) return;
    const newest = n.storage.snapshot.meta;
    if (newest.index < asked.snapshot.index) {
      this.checker.fail("shell contract", `node ${n.id}: Snap message for snapshot @${asked.snapshot.index}, newer than the shell's newest @${newest.index}`);
    }
    const m: Message = { ...asked, snapshot: { index: newest.index, term: newest.term, conf: cloneConf(newest.conf) } };
    const meta = m.snapshot!;
    const img = n.storage.images.get(meta.index);
    if (img === undefined) {
      this.checker.fail("shell contract", `node ${n.id}: Snap message for snapshot @${meta.index}, but the shell only has ${[...n.storage.images.keys()].join(",")}`);
    }
    this.counters.snapshotsSent++;
    const incarnation = n.incarnation;
    this.queue.after(this.net.delay("bulk") * 3, () => {
      const to = this.nodes.get(m.to);
      const toRaft = to !== undefined && to.alive ? to.raft : null;
      const ok = to !== undefined && toRaft !== null && !this.net.isBlocked(m.from, m.to) && !this.rng.chance(this.params.snapshotFailure);
      if (ok) {
        this.log(`snapshot stream n${m.from}->n${m.to} @${meta.index} delivered`);
        to.incomingImages.set(meta.index, img);
        const raft = toRaft;
        this.guard(to, () => raft.step(m));
        this.drain(to);
      } else {
        this.counters.snapshotsFailed++;
        this.log(`snapshot stream n${m.from}->n${m.to} @${meta.index} FAILED`);
      }
      if (n.alive && n.incarnation === incarnation && n.raft !== null) {
        const raft = n.raft;
        this.guard(n, () => raft.reportSnapshot(m.to, ok));
        this.drain(n);
      }
    });
  }

  private deliver(m: Message): void {
    const to = this.nodes.get(m.to);
    if (to === undefined || !to.alive || to.raft === null) return;
    const raft = to.raft;
    this.guard(to, () => raft.step(m));
    this.drain(to);
  }

  private apply(n: SimNode, e: Entry): void {
    if (e.index !== n.sm.index + 1) {
      this.checker.fail("shell contract", `node ${n.id}: committed entry ${e.index} handed out after applied ${n.sm.index}`);
    }
    if (n.storage.termAt(e.index, false) !== e.term) {
      this.checker.fail("apply only what the log holds", `node ${n.id}: applied ${e.index}/t${e.term}, its log store holds t${n.storage.termAt(e.index, false)} there`);
    }
    n.sm.apply(e);
    if (this.params.durableStateMachine && e.index > n.storage.agreedDurableIndex && this.onAppliedAheadOfLog !== null) this.onAppliedAheadOfLog(n, e);
    if (e.term < n.term && n.role === Role.Leader && this.onOldTermApplied !== null) this.onOldTermApplied(n);
    const first = this.checker.onApply(n.id, e, n.sm.hash, n.term);
    if (first) {
      this.counters.commits++;
      this.durability.checkQuorumHolds(n, e, "committed entry");
      if (this.trace) this.log(`COMMIT ${e.index}/t${e.term} (first applied by n${n.id})`);
    }
    if (e.type === EntryType.ConfChange) {
      const cc = this.core.decodeConfChange(e.data);
      const c = n.conf;
      changeConf(c, cc);
      if (e.index > this.committedConfIndex) {
        this.committedConfIndex = e.index;
        this.committedConf = cloneConf(c);
        this.confHistory.push({ index: e.index, conf: cloneConf(c) });
        this.counters.confChangesApplied++;
        this.log(`CONF ${["add-voter", "add-learner", "remove"][cc.type]} n${cc.nodeId} applied @${e.index}: voters ${c.voters} learners ${c.learners}`);
      }
      if (cc.type === ConfChangeType.RemoveNode) {
        const removed = this.nodes.get(cc.nodeId);
        if (removed !== undefined && !removed.shutdown) {
          if (removed === n) {
            // The node applied its own removal: its shell stops it after this Ready.
            this.queue.after(0, () => this.stopForGood(removed));
          } else {
            this.queue.after(this.rng.int(10, 200), () => this.stopForGood(removed));
          }
        }
      }
    } else if (e.data.length > 0) {
      const id = payloadId(e.data);
      const w = id === null ? undefined : this.writes.get(id);
      if (w !== undefined && !w.acked && w.node === n.id && w.incarnation === n.incarnation && w.index === e.index && w.term === e.term) {
        w.acked = true;
        this.counters.writesAcked++;
        this.durability.checkQuorumHolds(n, e, "write acknowledged to a client");
        if (e.index > this.checker.readFloor) this.checker.readFloor = e.index;
      }
    }
  }

  private serveReads(n: SimNode): void {
    if (n.waitingReads.length === 0) return;
    const keep: Array<{ requestId: number; index: number }> = [];
    for (const r of n.waitingReads) {
      if (n.sm.index < r.index) {
        keep.push(r);
        continue;
      }
      this.reads.delete(r.requestId);
      this.counters.readsServed++;
      if (n.sm.index > this.checker.readFloor) this.checker.readFloor = n.sm.index;
      if (this.trace) this.log(`READ ${r.requestId} on n${n.id} served at index ${n.sm.index} (read index ${r.index})`);
    }
    n.waitingReads = keep;
  }

  private takeSnapshot(n: SimNode): SnapshotTaken | undefined {
    if (n.sm.index <= n.storage.snapshot.meta.index) return undefined;
    const meta: SnapshotMeta = { index: n.sm.index, term: n.sm.term, conf: cloneConf(n.conf) };
    this.checkSnapshotConf(n, meta);
    n.storage.takeSnapshot(meta, n.sm.image(n.conf));
    this.counters.snapshotsTaken++;
    this.log(`n${n.id} snapshot+compact @${meta.index}`);
    return { index: meta.index };
  }

  // ---- helpers for the workload ---------------------------------------------------------------

  /** The live leader with the highest term, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) if (n.isLeader && (best === undefined || n.term > best.term)) best = n;
    return best;
  }

  liveNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.alive);
  }
}
