// A MetricsSource whose sample the test sets directly, and a reader for Prometheus text.
import type { MetricsSource, NodeSample } from "../../src/metrics/index.ts";

export function baseSample(): NodeSample {
  return {
    term: 3,
    leaderId: 1,
    isLeader: true,
    commitIndex: 120,
    appliedIndex: 118,
    lastIndex: 121,
    durableIndex: 121,
    flushLagEntries: 0,
    flushLagSeconds: 0,
    proposalsPending: 0,
    kvKeys: 10,
    kvIndexKeys: 12,
    kvIndexBytes: 4096,
    dbSizeBytes: 65536,
    dbSizeInUseBytes: 49152,
    kvRevision: 42,
    leases: 2,
    watchStreams: 3,
    watchers: 5,
    snapshotTransfers: [],
    started: true,
  };
}

export class FakeSource implements MetricsSource {
  calls = 0;
  constructor(public s: NodeSample) {}
  sample(): NodeSample {
    this.calls++;
    return this.s;
  }
}

/** The value of one exact series (`name` or `name{labels}`) in exposition text, or undefined. */
export function seriesValue(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1).split(" ")[0]);
  }
  return undefined;
}
