// /health and /ready decisions, kept apart from HTTP so they are plain functions of a sample.
import type { NodeSample } from "./source.ts";

export interface HealthPolicy {
  /** Healthy only while commitIndex - appliedIndex is at most this many entries. */
  maxApplyLagEntries: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = { maxApplyLagEntries: 1000 };

export type HealthVerdict = { healthy: true } | { healthy: false; reason: string };

/** etcd's rule, adapted: a node is healthy when it knows a leader and is not far behind it. */
export function judgeHealth(s: NodeSample | undefined, policy: HealthPolicy): HealthVerdict {
  if (s === undefined) return { healthy: false, reason: "node not wired to metrics yet" };
  if (!s.started) return { healthy: false, reason: "node is still starting" };
  if (s.leaderId === 0) return { healthy: false, reason: `no leader in term ${s.term}` };
  const lag = s.commitIndex - s.appliedIndex;
  if (lag > policy.maxApplyLagEntries) {
    return {
      healthy: false,
      reason: `applied index ${s.appliedIndex} is ${lag} entries behind commit index ${s.commitIndex} (bound ${policy.maxApplyLagEntries})`,
    };
  }
  return { healthy: true };
}

/** Readiness latches: once the node has started and caught up it stays ready; /health is the
 *  signal that flips with leader loss or apply lag. */
export class Readiness {
  private ready = false;

  constructor(private readonly policy: HealthPolicy) {}

  check(s: NodeSample | undefined): HealthVerdict {
    if (this.ready) return { healthy: true };
    const v = judgeHealth(s, this.policy);
    if (v.healthy) this.ready = true;
    return v;
  }
}
