// One consistent view of a running member for /metrics and /health (the MetricsSource's
// sample): the core's indexes, the log's flush lag, kv.db's counts and sizes, the client
// port's watches, snapshot transfers and the space quota.
import type { MvccStore } from "../kv/mvcc.ts";
import type { NodeSample, SnapshotTransfer } from "../metrics/index.ts";
import { Role, type RaftStatus } from "../raft/types.ts";
import type { LogStore } from "../storage/index.ts";
import { AlarmType } from "./alarms.ts";

export interface SampledParts {
  status: RaftStatus;
  log: LogStore;
  store: MvccStore;
  proposalsPending: number;
  /** The client port's watch streams; absent before it listens. */
  watchCounts: { streams: number; watchers: number } | undefined;
  snapshotTransfers: SnapshotTransfer[];
  /** The space quota (space-guard.ts). */
  space: { limitBytes: number; usedBytes: number };
  started: boolean;
}

export function nodeSample(p: SampledParts): NodeSample {
  const { status: st, log, store } = p;
  const lag = log.flushLag();
  const watch = p.watchCounts ?? { streams: 0, watchers: 0 };
  const stored = store.counts();
  const db = store.dbSize();
  const index = store.indexStats();
  const alarms = store.alarms();
  return {
    term: st.term,
    leaderId: st.leader,
    isLeader: st.role === Role.Leader,
    commitIndex: st.commit,
    appliedIndex: store.appliedIndex,
    // The core's log (memory included); the store may not have been handed the newest entries yet.
    lastIndex: st.lastIndex,
    durableIndex: log.durableIndex,
    flushLagEntries: Math.max(0, st.lastIndex - log.durableIndex),
    flushLagSeconds: lag.oldestUnflushedAgeMs / 1000,
    proposalsPending: p.proposalsPending,
    kvKeys: stored.keys,
    leases: stored.leases,
    watchStreams: watch.streams,
    watchers: watch.watchers,
    kvRevision: store.revision,
    dbSizeBytes: db.size,
    dbSizeInUseBytes: db.inUse,
    kvIndexKeys: index.keys,
    kvIndexBytes: index.bytes,
    snapshotTransfers: p.snapshotTransfers,
    quota: {
      ...p.space,
      noSpaceAlarms: alarms.filter((a) => a.alarm === AlarmType.NOSPACE).length,
      corruptAlarms: alarms.filter((a) => a.alarm === AlarmType.CORRUPT).length,
    },
    started: p.started,
  };
}
