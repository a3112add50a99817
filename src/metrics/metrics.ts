// The node's Prometheus registry. Two feeds: pull (gauges read a MetricsSource at scrape time, so
// the hot path pays nothing for them) and push (counters and histograms the parts call as events
// happen: transport observer, fsyncs, flush batches, leader changes, snapshots).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { TransportObserver } from "../transport/types.ts";
import { M, type MetricDefinition } from "./definitions.ts";
import { type CounterChild, type HistogramChild, TallyCounter, TallyHistogram } from "./tally.ts";
import type { MetricsSource, NodeSample, Plane } from "./source.ts";

export type SnapshotOperation = "taken" | "sent" | "received";

export interface MetricsOptions {
  /** Export process_* and nodejs_* metrics (off in tests that build many registries). */
  processMetrics?: boolean;
}

/** grpc-go's codes.Code.String(), which go-grpc-prometheus (and so etcd) puts in grpc_code. */
const GO_CODE_NAMES = ["OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied",
  "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"];

export class Metrics {
  readonly registry = new Registry();
  private source: MetricsSource | undefined;
  /** The sample every pull gauge reads during one scrape, so the exported numbers agree. */
  private scrapeSample: NodeSample | undefined;

  private readonly leaderChanges: Counter<string>;
  private readonly divergences: Counter<string>;
  private readonly fsyncDuration: Histogram<string>;
  private readonly eventLoopLag: Histogram<string>;
  private readonly etcdLeaderChanges: Counter<string>;
  private readonly etcdWalFsync: Histogram<string>;
  private readonly etcdBackendCommit: Histogram<string>;
  private readonly grpcHandledTotal: TallyCounter;
  private readonly etcdProposalsFailed: Counter<string>;
  private readonly handledChildren = new Map<string, CounterChild>();
  private readonly grpcStartedTotal: TallyCounter;
  private readonly grpcHandling: TallyHistogram;
  private readonly startedChildren = new Map<string, { started: CounterChild; handling: HistogramChild }>();
  private readonly etcdPeerSent: TallyCounter;
  private readonly etcdPeerReceived: TallyCounter;
  private readonly etcdPeerFailures: TallyCounter;
  private readonly etcdPeerRtt: TallyHistogram;
  /** Client message bytes, received and sent (one child each, looked up once). */
  private readonly clientBytes: Record<"received" | "sent", CounterChild>;
  /** etcd's peer series by peer id: `To`/`From` are the peer's id in hex, as etcd's types.ID prints it. */
  private readonly peerChildren = new Map<number, { sent: CounterChild; received: CounterChild; failures: CounterChild; rtt: HistogramChild }>();
  private readonly flushBatchEntries: Histogram<string>;
  private readonly rpcDuration: TallyHistogram;
  private readonly rpcErrors: TallyCounter;
  private readonly planeBytes: TallyCounter;
  private readonly connectionUp: Gauge<string>;
  private readonly messagesReceived: TallyCounter;
  private readonly refusedCalls: Counter<string>;
  private readonly snapshotCount: Counter<string>;
  private readonly snapshotDuration: Histogram<string>;
  private readonly snapshotBytes: Counter<string>;
  // Peer RPCs and byte counts arrive per message on the data plane: look the labelled child up
  // once per label set instead of hashing the labels on every call.
  private readonly rpcChildren = new Map<string, { duration: HistogramChild; errors: CounterChild }>();
  private readonly bytesChildren = new Map<string, CounterChild>();
  private readonly receivedChildren = new Map<string, CounterChild>();

  constructor(source?: MetricsSource, options: MetricsOptions = {}) {
    this.source = source;
    const r = this.registry;
    // prom-client's event-loop delay monitor samples on a timer of its own, and every wake-up of
    // an idle member costs CPU (~60–80 µs on Bun): at 50 ms it took a sixth of an idle member's
    // CPU. The lag that matters, how late heartbeats and election timers fire, is measured by the
    // Raft tick itself (trireme_event_loop_lag_seconds); nodejs_eventloop_lag_* sample once a second.
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: r, eventLoopMonitoringPrecision: 1000 });
      // Gauges named like counters (promtool's lint refuses them); nodejs_active_handles,
      // _requests and _resources carry the same counts by type, and their sum is the total.
      for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) r.removeSingleMetric(name);
    }

    this.pullGauge(M.raftTerm, (s) => s.term);
    this.pullGauge(M.raftIsLeader, (s) => (s.isLeader ? 1 : 0));
    this.pullGauge(M.raftHasLeader, (s) => (s.leaderId !== 0 ? 1 : 0));
    this.leaderChanges = new Counter(opts(M.raftLeaderChanges, r));
    this.divergences = new Counter(opts(M.raftDivergences, r));
    this.pullGauge(M.raftCommitIndex, (s) => s.commitIndex);
    this.pullGauge(M.raftAppliedIndex, (s) => s.appliedIndex);
    this.pullGauge(M.logLastIndex, (s) => s.lastIndex);
    this.pullGauge(M.logDurableIndex, (s) => s.durableIndex);
    this.pullGauge(M.logFlushLagEntries, (s) => s.flushLagEntries);
    this.pullGauge(M.logFlushLagSeconds, (s) => s.flushLagSeconds);
    this.fsyncDuration = new Histogram(histOpts(M.storageFsyncDuration, r));
    this.eventLoopLag = new Histogram(histOpts(M.eventLoopLag, r));
    this.flushBatchEntries = new Histogram(histOpts(M.storageFlushBatchEntries, r));
    this.rpcDuration = tallyHistogram(M.planeRpcDuration, r);
    this.rpcErrors = tallyCounter(M.planeRpcErrors, r);
    this.planeBytes = tallyCounter(M.planeBytes, r);
    this.connectionUp = new Gauge(opts(M.planeConnectionUp, r));
    this.messagesReceived = tallyCounter(M.planeMessagesReceived, r);
    this.refusedCalls = new Counter(opts(M.planeRefused, r));
    this.pullGauge(M.proposalsPending, (s) => s.proposalsPending);
    this.snapshotCount = new Counter(opts(M.snapshotCount, r));
    this.snapshotDuration = new Histogram(histOpts(M.snapshotDuration, r));
    this.snapshotBytes = new Counter(opts(M.snapshotBytes, r));
    this.transferGauge(M.snapshotTransferProgress, (done, total) => (total > 0 ? Math.min(1, done / total) : 0));
    this.transferGauge(M.snapshotTransferBytes, (done) => done);
    this.pullGauge(M.kvKeys, (s) => s.kvKeys);
    this.pullGauge(M.kvIndexKeys, (s) => s.kvIndexKeys);
    this.pullGauge(M.kvIndexBytes, (s) => s.kvIndexBytes);
    this.pullGauge(M.kvRevision, (s) => s.kvRevision);
    // etcd reports its default (2 GiB) for quota 0 and the configured value otherwise; no quota: 0.
    this.pullGauge(M.etcdQuotaBackendBytes, (s) => s.quota?.limitBytes ?? 0);
    this.pullGauge(M.quotaUsedBytes, (s) => s.quota?.usedBytes ?? 0);
    this.pullGauge(M.alarmNoSpace, (s) => s.quota?.noSpaceAlarms ?? 0);
    this.pullGauge(M.alarmCorrupt, (s) => s.quota?.corruptAlarms ?? 0);
    this.pullGauge(M.leases, (s) => s.leases);
    this.pullGauge(M.watchStreams, (s) => s.watchStreams);
    this.pullGauge(M.watchers, (s) => s.watchers);
    this.pullGauge(M.etcdHasLeader, (s) => (s.leaderId !== 0 ? 1 : 0));
    this.pullGauge(M.etcdIsLeader, (s) => (s.isLeader ? 1 : 0));
    this.etcdLeaderChanges = new Counter(opts(M.etcdLeaderChanges, r));
    this.etcdProposalsFailed = new Counter(opts(M.etcdProposalsFailed, r));
    this.pullGauge(M.etcdProposalsPending, (s) => s.proposalsPending);
    this.pullCounter(M.etcdProposalsCommitted, (s) => s.commitIndex);
    this.pullCounter(M.etcdProposalsApplied, (s) => s.appliedIndex);
    this.etcdWalFsync = new Histogram(histOpts(M.etcdWalFsync, r));
    this.etcdBackendCommit = new Histogram(histOpts(M.etcdBackendCommit, r));
    this.pullGauge(M.etcdKeys, (s) => s.kvKeys);
    this.grpcHandledTotal = tallyCounter(M.grpcHandled, r);
    this.grpcStartedTotal = tallyCounter(M.grpcStarted, r);
    this.grpcHandling = tallyHistogram(M.grpcHandling, r);
    this.etcdPeerSent = tallyCounter(M.etcdPeerSentBytes, r);
    this.etcdPeerReceived = tallyCounter(M.etcdPeerReceivedBytes, r);
    this.etcdPeerFailures = tallyCounter(M.etcdPeerSentFailures, r);
    this.etcdPeerRtt = tallyHistogram(M.etcdPeerRtt, r);
    this.clientBytes = {
      received: tallyCounter(M.etcdClientReceivedBytes, r).labels(),
      sent: tallyCounter(M.etcdClientSentBytes, r).labels(),
    };
    this.pullGauge(M.etcdDbSize, (s) => s.dbSizeBytes);
    this.pullGauge(M.etcdDbSizeInUse, (s) => s.dbSizeInUseBytes);

    // Zero-valued series so every counter shows up before its first event (dashboards and
    // alerts on rate() need the series to exist).
    for (const op of ["taken", "sent", "received"] as const) {
      this.snapshotCount.labels(op).inc(0);
      this.snapshotBytes.labels(op).inc(0);
    }
  }

  /** The node shell plugs its source in once it exists; until then pull gauges read 0. */
  setSource(source: MetricsSource): void {
    this.source = source;
  }

  /** One consistent sample of the node, or undefined before a source is set. */
  sample(): NodeSample | undefined {
    return this.scrapeSample ?? this.source?.sample();
  }

  /** The Prometheus text exposition of everything in the registry. */
  async text(): Promise<string> {
    this.scrapeSample = this.source?.sample();
    try {
      return await this.registry.metrics();
    } finally {
      this.scrapeSample = undefined;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  // ---- push: storage ----

  /** One log write transaction (one fsync) took `seconds`. */
  fsync(seconds: number): void {
    this.fsyncDuration.observe(seconds);
    this.etcdWalFsync.observe(seconds);
  }

  /** A Raft tick fired `seconds` after its deadline. */
  loopLag(seconds: number): void {
    this.eventLoopLag.observe(seconds);
  }

  /** One commit of applied batches to kv.db took `seconds`. */
  backendCommit(seconds: number): void {
    this.etcdBackendCommit.observe(seconds);
  }

  /** One log write transaction wrote `entries` entries. */
  flushBatch(entries: number): void {
    this.flushBatchEntries.observe(entries);
  }

  // ---- push: raft ----

  private startedChild(path: string, kind: string) {
    const key = `${path} ${kind}`;
    let child = this.startedChildren.get(key);
    if (child === undefined) {
      const slash = path.lastIndexOf("/");
      const labels = [kind, path.slice(1, slash), path.slice(slash + 1)];
      child = { started: this.grpcStartedTotal.labels(...labels), handling: this.grpcHandling.labels(...labels) };
      this.startedChildren.set(key, child);
    }
    return child;
  }

  /** One client message of `n` bytes decoded or encoded (etcd counts in its gRPC codec). */
  clientGrpcBytes(direction: "received" | "sent", n: number): void {
    this.clientBytes[direction].inc(n);
  }

  /** A client call reached a method (grpc_server_started_total). */
  grpcStarted(path: string, kind: string): void {
    this.startedChild(path, kind).started.inc();
  }

  /** A client call ended (go-grpc-prometheus's labels, as etcd exports them), `seconds` after it started. */
  grpcHandled(path: string, kind: string, code: number, seconds?: number): void {
    if (seconds !== undefined) this.startedChild(path, kind).handling.observe(seconds);
    const key = `${path} ${kind} ${code}`;
    let child = this.handledChildren.get(key);
    if (child === undefined) {
      const slash = path.lastIndexOf("/");
      child = this.grpcHandledTotal.labels(kind, path.slice(1, slash), path.slice(slash + 1), GO_CODE_NAMES[code] ?? String(code));
      this.handledChildren.set(key, child);
    }
    child.inc();
  }

  /** A client write that was never applied (no leader, timeout, leader changed, stopped). */
  proposalFailed(): void {
    this.etcdProposalsFailed.inc();
  }

  leaderChanged(): void {
    this.leaderChanges.inc();
    this.etcdLeaderChanges.inc();
  }

  divergence(): void {
    this.divergences.inc();
  }

  // ---- push: snapshots ----

  snapshotTaken(seconds: number, bytes: number): void {
    this.snapshot("taken", seconds, bytes);
  }

  snapshotSent(seconds: number, bytes: number): void {
    this.snapshot("sent", seconds, bytes);
  }

  snapshotReceived(seconds: number, bytes: number): void {
    this.snapshot("received", seconds, bytes);
  }

  private snapshot(op: SnapshotOperation, seconds: number, bytes: number): void {
    this.snapshotCount.labels(op).inc();
    this.snapshotDuration.labels(op).observe(seconds);
    this.snapshotBytes.labels(op).inc(bytes);
  }

  // ---- push: transport ----

  private peer(id: number) {
    let child = this.peerChildren.get(id);
    if (child === undefined) {
      const hex = id.toString(16);
      child = {
        sent: this.etcdPeerSent.labels(hex),
        received: this.etcdPeerReceived.labels(hex),
        failures: this.etcdPeerFailures.labels(hex),
        rtt: this.etcdPeerRtt.labels(hex),
      };
      child.failures.inc(0);
      this.peerChildren.set(id, child);
    }
    return child;
  }

  /** The observer to hand to the peer transport. */
  readonly transport: TransportObserver = {
    rpc: (plane, peer, method, seconds, ok) => {
      const key = `${plane}\u0000${peer}\u0000${method}`;
      let child = this.rpcChildren.get(key);
      if (child === undefined) {
        const labels = labelValues(M.planeRpcDuration, { plane, peer: String(peer), method });
        child = { duration: this.rpcDuration.labels(...labels), errors: this.rpcErrors.labels(...labels) };
        // Create the error series at 0 so an error rate is defined before the first error.
        child.errors.inc(0);
        this.rpcChildren.set(key, child);
      }
      child.duration.observe(seconds);
      if (!ok) child.errors.inc();
      // etcd's round trip is its prober's; here a control-plane batch to its acknowledgement,
      // the path every heartbeat and append takes.
      if (ok && plane === "control") this.peer(peer).rtt.observe(seconds);
      if (!ok) this.peer(peer).failures.inc();
    },
    bytes: (plane, peer, direction, n) => {
      const key = `${plane}\u0000${peer}\u0000${direction}`;
      let child = this.bytesChildren.get(key);
      if (child === undefined) {
        child = this.planeBytes.labels(...labelValues(M.planeBytes, { plane, peer: String(peer), direction }));
        this.bytesChildren.set(key, child);
      }
      child.inc(n);
      const p = this.peer(peer);
      if (direction === "out") p.sent.inc(n);
      else p.received.inc(n);
    },
    connection: (plane: Plane, peer: number, up: boolean) => {
      this.connectionUp.labels({ plane, peer: String(peer) }).set(up ? 1 : 0);
    },
    received: (plane, peer, n) => {
      const key = `${plane}\u0000${peer}`;
      let child = this.receivedChildren.get(key);
      if (child === undefined) {
        child = this.messagesReceived.labels(...labelValues(M.planeMessagesReceived, { plane, peer: String(peer) }));
        this.receivedChildren.set(key, child);
      }
      child.inc(n);
    },
    refused: (plane, reason) => {
      this.refusedCalls.labels({ plane, reason }).inc();
    },
  };

  // ---- registration helpers ----

  private pullGauge(d: MetricDefinition, read: (s: NodeSample) => number): void {
    const metrics = this;
    new Gauge({
      ...opts(d, this.registry),
      collect() {
        const s = metrics.sample();
        if (s !== undefined) this.set(read(s));
      },
    });
  }

  /** A value that only grows (an index), read at scrape time like the pull gauges. */
  private pullCounter(d: MetricDefinition, read: (s: NodeSample) => number): void {
    const metrics = this;
    new Counter({
      ...opts(d, this.registry),
      collect() {
        const s = metrics.sample();
        if (s === undefined) return;
        this.reset();
        this.inc(read(s));
      },
    });
  }

  private transferGauge(d: MetricDefinition, value: (done: number, total: number) => number): void {
    const metrics = this;
    new Gauge({
      ...opts(d, this.registry),
      collect() {
        // Finished transfers disappear instead of lingering at their last value.
        this.reset();
        for (const t of metrics.sample()?.snapshotTransfers ?? []) {
          this.labels({ peer: String(t.peer), direction: t.direction }).set(value(t.doneBytes, t.totalBytes));
        }
      },
    });
  }
}

function opts(d: MetricDefinition, registry: Registry) {
  return { name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry] };
}

/** A per-call or per-message counter: plain additions, read at scrape time (tally.ts). */
function tallyCounter(d: MetricDefinition, registry: Registry): TallyCounter {
  return new TallyCounter(d.name, d.help, d.labels, registry);
}

function tallyHistogram(d: MetricDefinition, registry: Registry): TallyHistogram {
  return new TallyHistogram(d.name, d.help, d.labels, d.buckets ?? [], registry);
}

/** Label values in the definition's order, from named values. */
function labelValues(d: MetricDefinition, named: Record<string, string>): string[] {
  return d.labels.map((n) => named[n] ?? "");
}

function histOpts(d: MetricDefinition, registry: Registry) {
  return { ...opts(d, registry), buckets: [...(d.buckets ?? [])] };
}
