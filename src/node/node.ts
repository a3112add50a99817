// One running trireme member: the Raft core driven by a tick timer, its Ready turned into log
// writes, peer sends and applies, and the etcd v3 API served on top (this class is the API's
// KvBackend, answered by client-requests.ts). The core decides; this shell only does what a
// Ready says, in its order.
import type { HeaderInfo, KvBackend, MemberInfo, StatusInfo } from "../api/backend.ts";
import { startClientServer, type ClientServer } from "../api/server.ts";
import { authOptions } from "../api/auth-service.ts";
import { memberCredentials } from "../api/auth-guard.ts";
import { setMemberCredentials } from "../grpc/pool.ts";
import type { Config } from "../config/types.ts";
import { Errors } from "../kv/errors.ts";
import { MvccStore } from "../kv/mvcc.ts";
import type { InternalRequest, WriteResponse } from "../kv/types.ts";
import { Raft } from "../raft/raft.ts";
import type { Metrics, MetricsSource, NodeSample } from "../metrics/index.ts";
import { Role, type Entry, type HardState, type Message, type RaftConfig, type SoftState } from "../raft/types.ts";
import { openDataDir, type DataDir } from "../storage/index.ts";
import { memberBackoff, PeerTransport, type Transport, type TransportIdentity, type TransportObserver } from "../transport/index.ts";
import { startIdentity } from "./cluster-id.ts";
import { asDivergence } from "./divergence.ts";
import { AlarmType, NodeAlarms } from "./alarms.ts";
import { DiskFullError, isDiskFull } from "./disk-space.ts";
import { SpaceGuard } from "./space-guard.ts";
import { NodeLeases } from "./node-leases.ts";
import { openCheckedStore } from "./repair.ts";
import { AlarmType as CorruptAlarm } from "./alarms.ts";
import { CorruptionChecker } from "./corrupt-check.ts";
import { Scrubber } from "./scrub.ts";
import type { Logger } from "../log/log.ts";
import { checkNotRemoved, genesisConf, markRemoved, refuseIfRemovedInLog } from "./member-files.ts";
import { AddressBook } from "./address-book.ts";
import { MembershipChanges } from "./membership.ts";
import { RemovalWatch } from "./removal-watch.ts";
import { memberTls } from "../tls/options.ts";
import { restoreState } from "./restore.ts";
import { SnapshotManager, type SnapshotContext, type TakenSnapshot } from "./snapshots.ts";
import { SnapshotTransfers } from "./snapshot-transfers.ts";
import { raftConfigOf } from "./raft-config.ts";
import { Ticker } from "./ticker.ts";
import { ClientRequests } from "./client-requests.ts";
import { MemberClient } from "./member-client.ts";
import { ReadyLoop } from "./ready-loop.ts";
import { KvStateMachine, type KvApplied } from "./kv-state-machine.ts";

export interface NodeEvents {
  leaderChanged?(leader: number, term: number): void;
  snapshotTaken?(s: TakenSnapshot): void;
  applied?(entries: number): void;
}

export interface NodeOptions {
  config: Config;
  log: Logger;
  /** Fed with transport, storage, leader and snapshot events; reads the node through sample(). */
  metrics?: Metrics;
  transportObserver?: TransportObserver;
  /** Builds the transport to the peers; default: gRPC on the [node] control, data and bulk
   *  addresses. Tests give an InProcessNetwork's transports to run members without peer ports. */
  transport?: (identity: TransportIdentity) => Transport;
  events?: NodeEvents;
  /** After a fatal error the node has stopped (files flushed and closed); default: exit 1. */
  onFatal?: (err: Error) => void;
  /** Hard state of this member's previous incarnation (a rebuild after a divergence): a vote or
   *  term it reported saved must survive the data directory being moved aside. */
  carryHardState?: HardState;
  /** The previous incarnation stopped on a full disk (disk-space.ts): raise NOSPACE once started
   *  and treat space as low until the reserve can be written again. */
  afterDiskFull?: boolean;
}

export class TriremeNode implements KvBackend, MetricsSource {
  readonly clusterId: number;
  readonly id: number;
  private readonly raft: Raft;
  /** Client writes, reads, lease questions and leadership requests (client-requests.ts). */
  private readonly clients: ClientRequests;
  /** Lease deadlines on the leader, and the API's LeaseBackend (node-leases.ts). */
  readonly leases: NodeLeases;
  /** Raises and clears alarms through Raft (alarms.ts): the quota, a full disk, corruption checks. */
  readonly alarms: NodeAlarms;
  /** etcd's initial and periodic HashKV comparisons with the peers (corrupt-check.ts). */
  private readonly corruption: CorruptionChecker;
  /** The space quota, the reserve and NOSPACE (space-guard.ts). */
  private readonly space: SpaceGuard;
  private readonly changes: MembershipChanges;
  private readonly removal: RemovalWatch;
  private readonly ticker: Ticker;
  private transport!: Transport;
  private client!: ClientServer;
  private soft: SoftState = { leader: 0, role: Role.Follower };
  private scheduled = false;
  private stopping = false;
  private fatal: Error | undefined;
  private readonly loop: ReadyLoop<KvApplied>;
  /** New client requests are refused once false; the loop keeps running until `stopping`. */
  private accepting = true;
  private started = false;
  private handingOff = false;
  private readonly transfers: SnapshotTransfers;
  /** Calls to the other members' client ports: membership changes, removal watch, HashKV. */
  private readonly memberClient: MemberClient;
  /** `[tls.*]` as the listeners and diallers take it (src/tls/options.ts). */
  private readonly tls: ReturnType<typeof memberTls>;
  private readonly snapshotContext: SnapshotContext = {
    confAt: (index) => this.raft.confAt(index),
    metadata: () => this.membership.encode(),
  };

  private constructor(
    private readonly opts: NodeOptions,
    private readonly data: DataDir,
    readonly store: MvccStore,
    private readonly membership: AddressBook,
    private readonly snapshots: SnapshotManager,
    raftConfig: RaftConfig,
    restored: Awaited<ReturnType<typeof restoreState>>,
  ) {
    const { config } = opts;
    this.clusterId = data.marker.clusterId; // fixed when the directory was made (cluster-id.ts)
    this.id = config.node.id;
    this.tls = memberTls(config.tls, opts.log.log);
    this.memberClient = new MemberClient(this.tls.clientDial);
    membership.schemes = { peer: this.tls.peerScheme, client: this.tls.clientScheme };
    this.raft = new Raft(raftConfig, restored.state);
    const timeoutMs = 5000 + 2 * config.raft.election_timeout_ms; // etcd's request timeout
    const metrics = opts.metrics;
    this.clients = new ClientRequests({
      id: this.id,
      clusterId: this.clusterId,
      status: () => this.raft.status(),
      propose: (data) => this.raft.propose(data),
      readIndex: (requestId) => this.raft.readIndex(requestId),
      transferLeader: (to) => (this.guard(() => this.raft.transferLeader(to)), this.schedule()),
      soft: () => this.soft,
      appliedIndex: () => store.appliedIndex,
      alarms: () => store.alarms(),
      spaceRefusal: (req) => this.space.refusal(req),
      fatal: () => this.fatal,
      accepting: () => this.accepting,
      knows: (id) => membership.get(id) !== undefined,
      memberInfo: (conf) => membership.info(conf),
      connected: (id) => this.transport.isConnected(id, "control"),
      sendProposals: (to, p, undelivered) => this.transport.sendProposals(to, p, undelivered),
      sendLeases: (to, l, undelivered) => (this.stopping ? undelivered?.() : this.transport.sendLeases(to, l, undelivered)),
      answerLeases: (queries) => this.leases.answerPeer(queries),
      schedule: () => this.schedule(),
      ...(metrics ? { proposalFailed: () => metrics.proposalFailed() } : {}),
      log: opts.log.log,
      requestTimeoutMs: timeoutMs,
      electionTimeoutMs: config.raft.election_timeout_ms,
      maxRequestBytes: config.limits.max_request_bytes,
    });
    this.leases = new NodeLeases({
      id: this.id,
      store,
      askLeader: (leader, leaseId, renew, deadline) => this.clients.askLeader(leader, leaseId, renew, deadline),
      electionTimeoutMs: config.raft.election_timeout_ms,
      requestTimeoutMs: timeoutMs,
      leader: () => this.soft.leader,
      knows: (id) => this.membership.get(id) !== undefined,
      confirmLeadership: () => this.clients.readBarrier(),
      write: (req) => this.write(req),
      accepting: () => this.accepting,
    });
    this.alarms = new NodeAlarms({ id: this.id, store, write: (req) => this.write(req), accepting: () => this.accepting, log: opts.log.log });
    this.corruption = new CorruptionChecker({
      id: this.id,
      peers: () => membership.all().filter((p) => p.id !== this.id).map((p) => ({ id: p.id, clientAddress: p.client_address })),
      hashKv: (rev) => store.hashKv(rev),
      isLeader: () => this.soft.role === Role.Leader,
      raiseCorrupt: (member, reason) => this.alarms.raise(CorruptAlarm.CORRUPT, member, reason),
      log: opts.log.log,
      timeoutMs: Math.min(timeoutMs, 3000),
      client: this.memberClient,
      scrub: new Scrubber({ dataDir: config.node.data_dir, snapshots: data.snapshots, log: opts.log.log }),
    });
    this.space = new SpaceGuard({
      dataDir: config.node.data_dir,
      quotaBackendBytes: config.limits.quota_backend_bytes,
      spaceReserveMib: config.limits.space_reserve_mib,
      afterDiskFull: opts.afterDiskFull === true,
      dbSize: () => store.dbSize().size,
      noSpaceRaised: () => this.alarms.has(AlarmType.NOSPACE, this.id),
      raiseNoSpace: (why) => this.alarms.raise(AlarmType.NOSPACE, this.id, why),
      canCompact: () => !this.loop.snapshotInProgress && this.raft.status().firstIndex <= this.store.appliedIndex,
      compactAll: () => this.loop.snapshotNow(0),
      electionTimeoutMs: config.raft.election_timeout_ms,
      log: opts.log,
    });
    this.changes = new MembershipChanges({
      id: this.id,
      requestTimeoutMs: timeoutMs,
      departingGraceMs: 2 * config.raft.election_timeout_ms,
      status: () => this.raft.status(),
      confAt: (index) => this.raft.confAt(index),
      proposeConfChange: (cc) => this.raft.proposeConfChange(cc),
      schedule: () => this.schedule(),
      accepting: () => this.accepting,
      connected: (id) => this.transport?.isConnected(id, "control") ?? false,
      log: (level, msg, fields) => opts.log.log(level, msg, fields),
      client: this.memberClient,
    }, membership);
    this.changes.appended(restored.state.entries); // a later truncation over these is noticed
    this.removal = RemovalWatch.forMember(this.id, this.clusterId, membership, config.raft.election_timeout_ms, (how) => this.removed(how), this.memberClient);
    this.transfers = new SnapshotTransfers({
      transport: () => this.transport,
      snapshotContext: this.snapshotContext,
      reportSnapshot: (peer, ok) => (this.raft.reportSnapshot(peer, ok), this.schedule()),
      stopping: () => this.stopping,
    }, snapshots, opts.log, opts.metrics);
    this.ticker = new Ticker(config.raft.tick_ms, (n) => this.onTick(n), config.raft.lease_read ? Infinity : 2);
    this.loop = this.readyLoop(restored.state.applied - restored.state.snapshot.index);
  }

  /** The Ready cycle on this member's parts; the bookkeeping of writes, reads, leases and
   *  membership hangs on its hooks. */
  private readyLoop(appliedSinceSnapshot: number): ReadyLoop<KvApplied> {
    const { config } = this.opts;
    const stateMachine = new KvStateMachine({
      store: this.store,
      snapshots: this.snapshots,
      membership: this.membership,
      space: this.space,
      snapshotContext: this.snapshotContext,
      taken: (taken) => {
        this.opts.events?.snapshotTaken?.(taken);
        this.opts.metrics?.snapshotTaken(taken.seconds, taken.bytes);
      },
      stopping: () => this.stopping,
    });
    return new ReadyLoop<KvApplied>({
      core: this.raft,
      log: this.data.log,
      hardState: this.data.hardState,
      transport: { send: (messages) => this.transport.send(messages) },
      stateMachine,
      acknowledgeDurableOnly: config.raft.persistence.strategy === "DiskFirst",
      snapshots: { everyEntries: config.raft.snapshot_entries, everyBytes: config.raft.snapshot_bytes, keepEntries: config.raft.snapshot_catchup_entries },
      stopped: () => this.stopping,
      onError: (err) => this.die(err),
      hooks: {
        softState: (s) => this.onSoftState(s),
        appended: (entries) => {
          // Before sending: the leader must reach (and admit) a member its ConfChange just added.
          if (this.changes.appended(entries)) this.refreshPeers();
        },
        snapshotInstalled: (meta) => {
          this.refreshPeers();
          this.clients.snapshotInstalled(meta.index, this.store.appliedIndex);
          this.changes.skipThrough(meta.index);
        },
        applied: (entries, a) => this.applied(entries, a),
        readsConfirmed: (states) => this.clients.readStates(states, [], this.store.appliedIndex),
        readsDropped: (ids) => this.clients.readStates([], ids, this.store.appliedIndex),
        sendSnapshot: (m) => void this.transfers.send(m),
        snapshotFailed: (err) => this.opts.log.error("snapshot failed", { error: err.message }),
      },
    }, appliedSinceSnapshot);
  }

  static async start(opts: NodeOptions): Promise<TriremeNode> {
    const { config, log } = opts;
    checkNotRemoved(config.node.data_dir);
    const { clusterId, identity } = await startIdentity(config, log);
    const data = await openDataDir({
      dir: config.node.data_dir,
      clusterId,
      identity,
      nodeId: config.node.id,
      persistence: config.raft.persistence,
      logger: log.log,
    });
    let store: MvccStore | undefined;
    try {
      const carry = opts.carryHardState;
      if (carry && carry.term > data.hardState.load().term) await data.hardState.save(carry);
      // A failed commit of applied batches (a full disk) leaves kv.db behind what was answered.
      let failed = (err: Error): void => log.error("kv store failed", { error: err.message });
      const metrics = opts.metrics;
      store = openCheckedStore(config.node.data_dir, {
        onFailure: (err) => failed(err),
        ...(metrics ? { onCommit: (seconds: number) => metrics.backendCommit(seconds) } : {}),
      });
      const members = new AddressBook(config.cluster.peers);
      const snapshots = new SnapshotManager(data.snapshots, store, config.node.data_dir, config.raft.snapshot_keep, log);
      const fresh = data.latestSnapshot === undefined && data.log.lastIndex() === 0; // a carried-over term may exist
      const restored = await restoreState(data, store, snapshots, members, log, genesisConf(config.node.data_dir, config, fresh));
      refuseIfRemovedInLog(config.node.data_dir, config.node.id, restored.state);
      const raftConfig = raftConfigOf(config);
      const node = new TriremeNode(opts, data, store, members, snapshots, raftConfig, restored);
      // With auth on, calls to the other members' client ports go as a member (auth-guard.ts).
      setMemberCredentials(config.node.client_address, memberCredentials(store));
      failed = (err) => node.die(err);
      if (config.corruption.initial_corrupt_check) await node.corruption.initialCheck().catch((err: unknown) => (node.corruption.close(), node.memberClient.close(), Promise.reject(err)));
      // A port in use (say the client port) must not leave the planes already bound listening.
      await node.listen().catch(async (err: unknown) => {
        await node.stop().catch(() => {});
        throw err;
      });
      node.space.started();
      return node;
    } catch (err) {
      store?.close();
      await data.close().catch(() => {});
      throw err;
    }
  }

  /** The default transport: gRPC on the member's control, data and bulk addresses. */
  private peerTransport(identity: TransportIdentity): Transport {
    const { config, log } = this.opts;
    const observer = this.opts.transportObserver ?? this.opts.metrics?.transport;
    return new PeerTransport({
      ...identity,
      listen: { control: config.node.control_address, data: config.node.data_address, bulk: config.node.bulk_address },
      network: config.network,
      backoff: memberBackoff(config.raft.heartbeat_interval_ms),
      log: log.log,
      ...(this.tls.peerDial ? { tls: { listener: (name: string) => this.tls.peerListenerFor(name), dial: this.tls.peerDial } } : {}),
      ...(observer ? { observer } : {}),
    });
  }

  private async listen(): Promise<void> {
    const { config, log } = this.opts;
    this.data.log.onDurable((index, term) => {
      // With the store's term at that index: a write that a later Ready truncated (a snapshot
      // install or a conflicting append still in flight) must not count as durable.
      this.guard(() => this.loop.reportDurable(index, term));
      this.schedule();
    });
    this.data.onError((err) => this.die(err));
    const metrics = this.opts.metrics;
    if (metrics) {
      this.data.log.onCommit((ms, entries) => {
        metrics.fsync(ms / 1000);
        metrics.flushBatch(entries);
      });
      metrics.setSource(this);
    }
    const identity: TransportIdentity = {
      clusterId: this.clusterId,
      nodeId: this.id,
      handlers: {
        onMessage: (m) => this.onMessage(m),
        openSnapshotSink: async (m) => this.transfers.receive(m),
        onSnapshotReceived: (m) => this.onMessage(m),
        onProposals: (from, p) => void (this.stopping || this.clients.peerProposals(from, p)),
        onLeases: (from, l) => void (this.stopping || this.clients.peerLeases(from, l)),
        onUnreachable: (peer) => {
          this.clients.unreachable(peer);
          this.raft.reportUnreachable(peer);
          this.schedule();
        },
      },
    };
    this.transport = (this.opts.transport ?? ((id) => this.peerTransport(id)))(identity);
    await this.transport.start();
    this.refreshPeers();
    this.client = await startClientServer({
      address: config.node.client_address,
      auth: authOptions(config.auth),
      backend: this,
      limits: config.limits,
      // etcd ends a leader-requiring watch after an election timeout without a leader.
      watch: { leaderCheckMs: config.raft.election_timeout_ms },
      metricsText: metricsText(this.opts.metrics),
      ...(this.tls.clientPort ? { tls: this.tls.clientPort } : {}),
      onCallHandled: this.opts.metrics ? (path, kind, code, seconds) => this.opts.metrics!.grpcHandled(path, kind, code, seconds) : undefined,
      onCallStarted: this.opts.metrics ? (path, kind) => this.opts.metrics!.grpcStarted(path, kind) : undefined,
      onMessageBytes: this.opts.metrics ? (direction, n) => this.opts.metrics!.clientGrpcBytes(direction, n) : undefined,
    });
    this.ticker.start();
    this.corruption.start(config.corruption.corrupt_check_time * 1000);
    this.started = true;
    const st = this.raft.status();
    log.info("member started", {
      id: this.id.toString(16),
      name: config.node.name,
      cluster: config.cluster.name,
      client: config.node.client_address,
      tls: `client ${this.tls.clientScheme === "https" ? (config.tls.client.client_cert_auth ? "mutual" : "on") : "off"}, peer ${this.tls.peerScheme === "https" ? "mutual" : "off"}`,
      strategy: config.raft.persistence.strategy,
      term: st.term,
      commit: st.commit,
      lastIndex: st.lastIndex,
      voters: st.conf.voters,
    });
    this.schedule();
  }

  // ------------------------------------------------------------------ inputs

  private onMessage(m: Message): void {
    if (this.stopping) return;
    this.guard(() => this.raft.step(m));
    this.schedule();
  }

  /** The core throws when it meets what it must not accept (e.g. a conflict below its commit
   *  index): the node stops loudly and cleanly instead of running on with a half-stepped core. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.die(err as Error);
    }
  }

  private onTick(n: number): void {
    this.guard(() => {
      for (let i = 0; i < n; i++) this.raft.tick();
    });
    const now = performance.now();
    if (this.changes.departedDue(now)) this.refreshPeers();
    this.removal.tick(now, this.soft.leader !== 0, () => this.raft.status().conf.voters.length > 0, () => this.raft.status().commit);
    this.clients.tick(now);
    this.leases.tick(now);
    this.space.check();
    this.schedule();
  }

  /** Coalesces everything that happens in one event-loop turn into one pass over the core. */
  private schedule(): void {
    if (this.scheduled || this.stopping) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.clients.flush();
      this.loop.drain();
    });
  }

  private onSoftState(s: SoftState): void {
    const prev = this.soft;
    this.soft = s;
    this.leases.leadership(s.role === Role.Leader);
    if (s.leader !== prev.leader) {
      const term = this.raft.status().term;
      this.opts.log.info(s.leader === 0 ? "leader lost" : "leader changed", {
        leader: s.leader.toString(16),
        previous: prev.leader.toString(16),
        term,
        role: s.role,
      });
      this.opts.events?.leaderChanged?.(s.leader, term);
      this.opts.metrics?.leaderChanged();
      this.clients.leaderChanged(s.leader);
    }
  }

  /** What the clients and the lessor learn from a batch kv.db applied. */
  private applied(entries: Entry[], { batch, results, answers }: KvApplied): void {
    this.clients.applied(batch, answers, this.store.appliedIndex);
    this.leases.applied(batch, results);
    this.opts.events?.applied?.(entries.length);
    const outcome = this.changes.applied(entries);
    if (outcome.confChanged) this.refreshPeers();
    if (outcome.removedAt !== undefined) this.removed(`it applied its own removal at log index ${outcome.removedAt}`);
  }

  /** Dial and admit the members (and, on a leader, those whose removal is not committed yet). */
  private refreshPeers(): void {
    const st = this.raft.status();
    this.clients.confChanged(st.conf);
    this.transport.setPeers(this.membership.peerAddresses(this.id, this.changes.peersNow(st, this.raft.confAt(st.commit))));
  }

  /** This member is no longer in the cluster: it stops for good, as etcd's removed members do. */
  private removed(how: string): void {
    if (this.stopping) return;
    this.opts.log.error(`removed from the cluster: ${how}; this member stops`, { id: this.id.toString(16) });
    const failed = markRemoved(this.opts.config.node.data_dir, this.id, how);
    if (failed) this.opts.log.warn("cannot record the removal in the data directory", { error: failed.message });
    this.die(new Error(`removed from the cluster (member ${this.id.toString(16)}): ${how}`));
  }

  /** A write failed for want of space: the member stops cleanly and trireme start, which then
   *  releases the reserve (after the stop, whose checkpoints would eat it), starts it again. */
  private diskFull(cause: Error): DiskFullError {
    return new DiskFullError(this.opts.config.node.data_dir, cause);
  }

  private die(cause: Error): void {
    if (this.fatal) return;
    const divergence = asDivergence(cause, this.opts.config.raft.persistence.strategy === "MemFirst");
    if (divergence) this.opts.metrics?.divergence();
    const err = divergence ?? (isDiskFull(cause) ? this.diskFull(cause) : cause);
    this.fatal = err;
    this.opts.log.error("stopping after a fatal error", { error: err.message, stack: err.stack });
    // Nothing more may be stepped into a core that failed; stop() only flushes and closes.
    this.stopping = true;
    const onFatal = this.opts.onFatal ?? (() => process.exit(1));
    void this.stop().finally(() => onFatal(err));
  }

  // ------------------------------------------------------------------ KvBackend

  readonly write = (req: InternalRequest): Promise<WriteResponse> => this.clients.write(req);
  readonly readBarrier = (): Promise<void> => this.clients.readBarrier();
  readonly header = (): HeaderInfo => this.clients.header();
  readonly status = (): StatusInfo => this.clients.status();
  readonly members = (): MemberInfo[] => this.clients.members();
  readonly isLearner = (): boolean => this.clients.isLearner();
  readonly moveLeader = (target: number): Promise<void> => this.clients.moveLeader(target);

  // Membership changes (membership.ts).
  readonly memberAdd = (peerURLs: string[], isLearner: boolean) => this.changes.add(peerURLs, isLearner);
  readonly memberRemove = (id: number) => this.changes.remove(id);
  readonly memberUpdate = (id: number, peerURLs: string[]) => this.changes.update(id, peerURLs);
  readonly memberPromote = (id: number) => this.changes.promote(id);

  // ------------------------------------------------------------------ introspection

  /** One consistent view for /metrics and /health (MetricsSource). */
  sample(): NodeSample {
    const st = this.raft.status();
    const log = this.data.log;
    const lag = log.flushLag();
    return {
      term: st.term,
      leaderId: st.leader,
      isLeader: st.role === Role.Leader,
      commitIndex: st.commit,
      appliedIndex: this.store.appliedIndex,
      // The core's log (memory included); the store may not have been handed the newest entries yet.
      lastIndex: st.lastIndex,
      durableIndex: log.durableIndex,
      flushLagEntries: Math.max(0, st.lastIndex - log.durableIndex),
      flushLagSeconds: lag.oldestUnflushedAgeMs / 1000,
      proposalsPending: this.clients.proposalsPending,
      ...counts(this.store.counts(), this.client?.watchCounts()),
      kvRevision: this.store.revision,
      ...dbSizes(this.store.dbSize()),
      ...indexSizes(this.store.indexStats()),
      snapshotTransfers: this.transfers.list(),
      quota: {
        ...this.space.sample(),
        noSpaceAlarms: this.store.alarms().filter((a) => a.alarm === AlarmType.NOSPACE).length,
        corruptAlarms: this.store.alarms().filter((a) => a.alarm === AlarmType.CORRUPT).length,
      },
      started: this.started && !this.stopping,
    };
  }

  /** This incarnation's term and vote (carried over when the member rebuilds after a divergence). */
  hardState(): HardState {
    const st = this.raft.status();
    return { term: st.term, vote: st.vote };
  }

  // ------------------------------------------------------------------ shutdown

  /** A leader hands over first (move-leader.ts), then stops accepting, lets requests in flight
   *  finish briefly, flushes the log, closes planes. */
  async stop(): Promise<void> {
    if (!this.accepting || this.handingOff) return;
    this.handingOff = true;
    if (!this.stopping) await this.clients.handOff();
    this.accepting = false;
    setMemberCredentials(this.opts.config.node.client_address, undefined);
    this.clients.closing();
    this.removal.stop();
    this.corruption.close();
    // Requests in flight may still finish during the grace period: the core keeps running.
    await this.client?.close(1000);
    this.stopping = true;
    this.ticker.stop();
    this.clients.failAll(Errors.stopped);
    this.changes.close();
    this.memberClient.close();
    await this.transport?.close();
    // Wait for a Ready in progress, so the last log writes are handed to the store before close.
    while (this.loop.draining) await new Promise((r) => setTimeout(r, 5));
    await new Promise<void>((done) => {
      const taking = this.loop.whenSnapshotDone();
      if (taking) taking.then(done, () => done());
      else done();
    });
    this.space.close();
    // On a full disk the log's last flush may fail: kv.db must still close (and release its
    // write lock) for the member to start again in this process.
    try {
      await this.data.close();
    } finally {
      this.store.close();
    }
    this.opts.log.info("member stopped", { id: this.id.toString(16) });
  }
}

function counts(store: { keys: number; leases: number }, watch = { streams: 0, watchers: 0 }) {
  return { kvKeys: store.keys, leases: store.leases, watchStreams: watch.streams, watchers: watch.watchers };
}

/** etcd serves /metrics on its client port too; the same registry as `[metrics] address`. */
function metricsText(metrics: Metrics | undefined): (() => Promise<{ contentType: string; body: string }>) | undefined {
  if (metrics === undefined) return undefined;
  return async () => ({ contentType: metrics.contentType, body: await metrics.text() });
}

const dbSizes = (d: { size: number; inUse: number }) => ({ dbSizeBytes: d.size, dbSizeInUseBytes: d.inUse });
const indexSizes = (i: { keys: number; bytes: number }) => ({ kvIndexKeys: i.keys, kvIndexBytes: i.bytes });
