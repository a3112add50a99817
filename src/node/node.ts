// One running trireme member, as its composition root: it builds the core and the parts around
// it on what start-up.ts opened, and wires them — ticks and peer messages into the core, each
// Ready through ready-loop.ts, the loop's and the clock's news to bookkeeping.ts, client calls
// to client-requests.ts (this class is the API's KvBackend), the stop to lifecycle.ts. The core
// decides; the shell only does what a Ready says, in its order.
import type { HeaderInfo, KvBackend, MemberInfo, StatusInfo } from "../api/backend.ts";
import type { ClientServer } from "../api/server.ts";
import { memberCredentials } from "../api/auth-guard.ts";
import { setMemberCredentials } from "../grpc/pool.ts";
import type { MvccStore } from "../kv/mvcc.ts";
import type { InternalRequest, WriteResponse } from "../kv/types.ts";
import type { MetricsSource, NodeSample } from "../metrics/index.ts";
import { Raft } from "../raft/raft.ts";
import { Role, type HardState, type Message } from "../raft/types.ts";
import type { DataDir } from "../storage/index.ts";
import { memberTls } from "../tls/options.ts";
import type { Transport, TransportIdentity } from "../transport/index.ts";
import { AddressBook } from "./address-book.ts";
import { AlarmType, NodeAlarms } from "./alarms.ts";
import { MemberBookkeeping } from "./bookkeeping.ts";
import { ClientRequests } from "./client-requests.ts";
import { startClientPort } from "./client-port.ts";
import { CorruptionChecker } from "./corrupt-check.ts";
import { KvStateMachine, type KvApplied } from "./kv-state-machine.ts";
import { MemberLifecycle } from "./lifecycle.ts";
import { MemberClient } from "./member-client.ts";
import { MembershipChanges } from "./membership.ts";
import { nodeSample } from "./node-sample.ts";
import { NodeLeases } from "./node-leases.ts";
import { PeerMessages } from "./peer-messages.ts";
import { ReadyLoop } from "./ready-loop.ts";
import { RemovalWatch } from "./removal-watch.ts";
import { Scrubber } from "./scrub.ts";
import { SnapshotTransfers } from "./snapshot-transfers.ts";
import type { SnapshotContext, SnapshotManager } from "./snapshots.ts";
import { SpaceGuard } from "./space-guard.ts";
import type { NodeOptions } from "./node-options.ts";
import { logStarted, openMember, peerTransport, type OpenedMember } from "./start-up.ts";
import { Ticker } from "./ticker.ts";

export type { NodeEvents, NodeOptions } from "./node-options.ts";

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
  private client: ClientServer | undefined;
  /** What the clients, the lessor and the membership learn from the loop and the clock. */
  private readonly bookkeeping: MemberBookkeeping;
  private scheduled = false;
  private readonly loop: ReadyLoop<KvApplied>;
  /** Accepting, stopping, stopped by a fatal error (lifecycle.ts). */
  private readonly life: MemberLifecycle;
  private readonly transfers: SnapshotTransfers;
  /** Calls to the other members' client ports: membership changes, removal watch, HashKV. */
  private readonly memberClient: MemberClient;
  /** `[tls.*]` as the listeners and diallers take it (src/tls/options.ts). */
  private readonly tls: ReturnType<typeof memberTls>;
  private readonly snapshotContext: SnapshotContext = {
    confAt: (index) => this.raft.confAt(index),
    metadata: () => this.membership.encode(),
  };

  private readonly data: DataDir;
  readonly store: MvccStore;
  private readonly membership: AddressBook;
  private readonly snapshots: SnapshotManager;

  private constructor(private readonly opts: NodeOptions, opened: OpenedMember) {
    const { config } = opts;
    const { data, store, restored } = opened;
    this.life = new MemberLifecycle({
      id: config.node.id,
      dataDir: config.node.data_dir,
      clientAddress: config.node.client_address,
      memFirst: config.raft.persistence.strategy === "MemFirst",
      log: opts.log,
      ...(opts.metrics ? { diverged: () => opts.metrics?.divergence() } : {}),
      ...(opts.onFatal ? { onFatal: opts.onFatal } : {}),
    }, () => {
      const { clients, removal, corruption, client, ticker, changes, memberClient, transport, loop, space } = this;
      return { clients, removal, corruption, clientServer: client, ticker, changes, memberClient, transport, loop, space, data, store };
    });
    const membership = (this.membership = opened.members);
    this.data = data;
    this.store = store;
    this.snapshots = opened.snapshots;
    this.clusterId = data.marker.clusterId; // fixed when the directory was made (cluster-id.ts)
    this.id = config.node.id;
    this.tls = memberTls(config.tls, opts.log.log);
    this.memberClient = new MemberClient(this.tls.clientDial);
    membership.schemes = { peer: this.tls.peerScheme, client: this.tls.clientScheme };
    this.raft = new Raft(opened.raftConfig, restored.state);
    const timeoutMs = 5000 + 2 * config.raft.election_timeout_ms; // etcd's request timeout
    const metrics = opts.metrics;
    this.clients = new ClientRequests({
      id: this.id,
      clusterId: this.clusterId,
      status: () => this.raft.status(),
      propose: (data) => this.raft.propose(data),
      readIndex: (requestId) => this.raft.readIndex(requestId),
      transferLeader: (to) => (this.guard(() => this.raft.transferLeader(to)), this.schedule()),
      soft: () => this.bookkeeping.soft,
      appliedIndex: () => store.appliedIndex,
      alarms: () => store.alarms(),
      spaceRefusal: (req) => this.space.refusal(req),
      fatal: () => this.life.fatal,
      accepting: () => this.life.accepting,
      knows: (id) => membership.get(id) !== undefined,
      memberInfo: (conf) => membership.info(conf),
      connected: (id) => this.transport.isConnected(id, "control"),
      sendProposals: (to, p, undelivered) => this.transport.sendProposals(to, p, undelivered),
      sendLeases: (to, l, undelivered) => (this.life.stopping ? undelivered?.() : this.transport.sendLeases(to, l, undelivered)),
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
      leader: () => this.bookkeeping.soft.leader,
      knows: (id) => this.membership.get(id) !== undefined,
      confirmLeadership: () => this.clients.readBarrier(),
      write: (req) => this.write(req),
      accepting: () => this.life.accepting,
    });
    this.alarms = new NodeAlarms({ id: this.id, store, write: (req) => this.write(req), accepting: () => this.life.accepting, log: opts.log.log });
    this.corruption = new CorruptionChecker({
      id: this.id,
      peers: () => membership.all().filter((p) => p.id !== this.id).map((p) => ({ id: p.id, clientAddress: p.client_address })),
      hashKv: (rev) => store.hashKv(rev),
      isLeader: () => this.bookkeeping.soft.role === Role.Leader,
      raiseCorrupt: (member, reason) => this.alarms.raise(AlarmType.CORRUPT, member, reason),
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
      accepting: () => this.life.accepting,
      connected: (id) => this.transport?.isConnected(id, "control") ?? false,
      log: (level, msg, fields) => opts.log.log(level, msg, fields),
      client: this.memberClient,
    }, membership);
    this.changes.appended(restored.state.entries); // a later truncation over these is noticed
    this.removal = RemovalWatch.forMember(this.id, this.clusterId, membership, config.raft.election_timeout_ms, (how) => this.life.removed(how), this.memberClient);
    this.transfers = new SnapshotTransfers({
      transport: () => this.transport,
      snapshotContext: this.snapshotContext,
      reportSnapshot: (peer, ok) => (this.raft.reportSnapshot(peer, ok), this.schedule()),
      stopping: () => this.life.stopping,
    }, opened.snapshots, opts.log, opts.metrics);
    this.bookkeeping = new MemberBookkeeping({
      status: () => this.raft.status(),
      appliedIndex: () => store.appliedIndex,
      clients: this.clients,
      leases: this.leases,
      changes: this.changes,
      removal: this.removal,
      space: this.space,
      transfers: this.transfers,
      refreshPeers: () => this.refreshPeers(),
      removed: (how) => this.life.removed(how),
      log: opts.log,
      events: opts.events,
      metrics,
    });
    // Ticks that change only counters come late, together (ticker.ts), unless a client waits.
    this.ticker = new Ticker(config.raft.tick_ms, (n) => this.onTick(n), config.raft.lease_read ? Infinity : 2, metrics && ((ms) => metrics.loopLag(ms / 1000)), () => (this.clients.waiting ? 1 : this.raft.ticksUntilDue()));
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
      stopping: () => this.life.stopping,
    });
    return new ReadyLoop<KvApplied>({
      core: this.raft,
      log: this.data.log,
      hardState: this.data.hardState,
      transport: new PeerMessages(() => this.transport, () => this.life.stopping),
      stateMachine,
      acknowledgeDurableOnly: config.raft.persistence.strategy === "DiskFirst",
      snapshots: { everyEntries: config.raft.snapshot_entries, everyBytes: config.raft.snapshot_bytes, keepEntries: config.raft.snapshot_catchup_entries },
      stopped: () => this.life.stopping,
      onError: (err) => this.life.die(err),
      hooks: this.bookkeeping,
    }, appliedSinceSnapshot);
  }

  static async start(opts: NodeOptions): Promise<TriremeNode> {
    const { config } = opts;
    const opened = await openMember(opts);
    try {
      const node = new TriremeNode(opts, opened);
      // With auth on, calls to the other members' client ports go as a member (auth-guard.ts).
      setMemberCredentials(config.node.client_address, memberCredentials(opened.store));
      opened.onStoreFailure((err) => node.life.die(err));
      if (config.corruption.initial_corrupt_check) await node.corruption.initialCheck().catch((err: unknown) => (node.corruption.close(), node.memberClient.close(), Promise.reject(err)));
      // A port in use (say the client port) must not leave the planes already bound listening.
      await node.listen().catch(async (err: unknown) => {
        await node.stop().catch(() => {});
        throw err;
      });
      node.space.started();
      return node;
    } catch (err) {
      await opened.close();
      throw err;
    }
  }

  private async listen(): Promise<void> {
    const { config, metrics } = this.opts;
    this.data.log.onDurable((index, term) => {
      // With the store's term at that index: a write that a later Ready truncated (a snapshot
      // install or a conflicting append still in flight) must not count as durable.
      this.guard(() => this.loop.reportDurable(index, term));
      this.schedule();
    });
    this.data.onError((err) => this.life.die(err));
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
        onProposals: (from, p) => void (this.life.stopping || this.clients.peerProposals(from, p)),
        onLeases: (from, l) => void (this.life.stopping || this.clients.peerLeases(from, l)),
        onUnreachable: (peer) => {
          this.clients.unreachable(peer);
          this.raft.reportUnreachable(peer);
          this.schedule();
        },
      },
    };
    const transport = this.opts.transport ?? peerTransport(config, this.tls, this.opts.log, this.opts.transportObserver ?? metrics?.transport);
    this.transport = transport(identity);
    await this.transport.start();
    this.refreshPeers();
    this.client = await startClientPort(config, this, this.tls, metrics);
    this.ticker.start();
    this.corruption.start(config.corruption.corrupt_check_time * 1000);
    this.life.started = true;
    logStarted(config, this.tls, this.opts.log, this.raft.status());
    this.schedule();
  }

  // ------------------------------------------------------------------ inputs

  private onMessage(m: Message): void {
    if (this.life.stopping) return;
    this.ticker.catchUp();
    this.guard(() => this.raft.step(m));
    this.schedule();
  }

  /** The core throws when it meets what it must not accept (e.g. a conflict below its commit
   *  index): the node stops loudly and cleanly instead of running on with a half-stepped core. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.life.die(err as Error);
    }
  }

  private onTick(n: number): void {
    this.guard(() => {
      for (let i = 0; i < n; i++) this.raft.tick();
    });
    this.bookkeeping.tick(performance.now());
    this.schedule();
  }

  /** Coalesces everything that happens in one event-loop turn into one pass over the core. */
  private schedule(): void {
    if (this.scheduled || this.life.stopping) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.ticker.catchUp();
      this.clients.flush();
      this.loop.drain();
      this.ticker.rearm();
    });
  }

  /** Dial and admit the members (and, on a leader, those whose removal is not committed yet). */
  private refreshPeers(): void {
    const st = this.raft.status();
    this.clients.confChanged(st.conf);
    this.transport.setPeers(this.membership.peerAddresses(this.id, this.changes.peersNow(st, this.raft.confAt(st.commit))));
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
    return nodeSample({
      status: this.raft.status(),
      log: this.data.log,
      store: this.store,
      proposalsPending: this.clients.proposalsPending,
      watchCounts: this.client?.watchCounts(),
      snapshotTransfers: this.transfers.list(),
      space: this.space.sample(),
      started: this.life.started && !this.life.stopping,
    });
  }

  /** This incarnation's term and vote (carried over when the member rebuilds after a divergence). */
  hardState(): HardState {
    const st = this.raft.status();
    return { term: st.term, vote: st.vote };
  }

  // ------------------------------------------------------------------ shutdown

  /** A leader hands over first, then the member stops accepting, lets requests in flight
   *  finish briefly, flushes the log, closes planes (lifecycle.ts). */
  stop(): Promise<void> {
    return this.life.stop();
  }
}
