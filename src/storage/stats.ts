// Counters the metrics part exports. Commit durations go into Prometheus-style cumulative
// buckets so the exporter can publish them as a histogram without keeping samples.

export const COMMIT_MS_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] as const;

export interface StorageStats {
  appends: number;
  entriesAppended: number;
  truncations: number;
  compactions: number;
  /** Transactions committed by the writer; each is one fsync (synchronous=FULL). */
  fsyncs: number;
  entriesWritten: number;
  largestBatch: number;
  commitMsSum: number;
  /** counts[i] = commits that took <= COMMIT_MS_BUCKETS[i] ms; the last slot is +Inf. */
  commitMsBuckets: number[];
  /** Appends that had to wait because the MemFirst buffer was full, and the time they waited. */
  backpressureWaits: number;
  backpressureWaitMsSum: number;
  lagWarnings: number;
}

export function newStats(): StorageStats {
  return {
    appends: 0,
    entriesAppended: 0,
    truncations: 0,
    compactions: 0,
    fsyncs: 0,
    entriesWritten: 0,
    largestBatch: 0,
    commitMsSum: 0,
    commitMsBuckets: new Array<number>(COMMIT_MS_BUCKETS.length + 1).fill(0),
    backpressureWaits: 0,
    backpressureWaitMsSum: 0,
    lagWarnings: 0,
  };
}

export function observeCommit(s: StorageStats, ms: number, entries: number): void {
  s.fsyncs++;
  s.entriesWritten += entries;
  if (entries > s.largestBatch) s.largestBatch = entries;
  s.commitMsSum += ms;
  for (let i = 0; i <= COMMIT_MS_BUCKETS.length; i++) {
    if (i === COMMIT_MS_BUCKETS.length || ms <= COMMIT_MS_BUCKETS[i]!) s.commitMsBuckets[i]!++;
  }
}
