// Everything a simulation run varies, derived from its seed (plus the few choices the caller pins:
// strategy and cluster size). Times are virtual time units; one tick is `tickInterval` units.

import type { NetworkProfile } from "./network.ts";
import { Prng } from "./prng.ts";
import type { FlushPolicy } from "./storage.ts";

export type Strategy = "disk" | "mem";

export interface SimParams {
  seed: number;
  strategy: Strategy;
  /** Voters at bootstrap (3..7). */
  voters: number;
  /** Upper bound on members (voters + learners) alive at once. */
  maxNodes: number;
  tickInterval: number;
  electionTicks: number;
  heartbeatTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  leaseRead: boolean;
  maxEntriesPerAppend: number;
  maxBytesPerAppend: number;
  maxInflightAppends: number;
  maxInflightBytes: number;
  maxUncommittedBytes: number;
  network: NetworkProfile;
  flush: FlushPolicy;
  minFsync: number;
  maxFsync: number;
  snapshotEvery: number;
  /** The Ready loop's byte budget: also snapshot once applied entries hold this many bytes (0: off). */
  snapshotBytes: number;
  /** Entries the loop keeps behind a snapshot (the node's snapshot_catchup_entries). */
  snapshotKeep: number;
  snapshotFailure: number;
  /** The state machine is durable at every apply, as the node's kv.db is (else only through its
   *  snapshots): a restart keeps its applied index, which a MemFirst crash can leave ahead of the log. */
  durableStateMachine: boolean;
  /** Length of the faulty phase; the liveness phase follows. */
  safetyTime: number;
  /** Ticks the liveness phase may take to elect a leader and commit on every live member. */
  livenessTicks: number;
  proposeEvery: [number, number];
  readEvery: [number, number];
  confChangeEvery: [number, number];
  transferEvery: [number, number];
  nemesisEvery: [number, number];
  /** Chance that a newly elected leader crashes or is cut off within a few ticks. */
  leaderKillChance: number;
  /** Chance that a leader crashes right after it first applies an entry of an earlier term. */
  indirectCommitCrash: number;
  downTime: [number, number];
}

export interface ParamOverrides {
  strategy: Strategy;
  voters?: number;
  safetyTicks?: number;
}

export function paramsFor(seed: number, o: ParamOverrides): SimParams {
  const r = new Prng(seed ^ 0x5eed);
  const tickInterval = 10;
  const electionTicks = r.int(8, 12);
  const heartbeatTicks = r.int(1, 3);
  const lossy = r.chance(0.5);
  const checkQuorum = r.chance(0.8);
  const safetyTicks = o.safetyTicks ?? 150;
  // Draw every value even when it is overridden, so an override never shifts the other choices.
  const drawnVoters = r.int(3, 5);
  const params: SimParams = {
    seed,
    strategy: o.strategy,
    voters: o.voters ?? drawnVoters,
    maxNodes: 7,
    tickInterval,
    electionTicks,
    heartbeatTicks,
    preVote: r.chance(0.8),
    checkQuorum,
    leaseRead: checkQuorum && r.chance(0.5),
    // One entry per append splits a new leader's no-op from the old entries before it (Figure 8).
    maxEntriesPerAppend: r.chance(0.35) ? 1 : r.int(2, 64),
    maxBytesPerAppend: r.pick([256, 1024, 64 * 1024]),
    maxInflightAppends: r.chance(0.3) ? 1 : r.int(2, 8),
    maxInflightBytes: r.pick([512, 4096, 1 << 20]),
    maxUncommittedBytes: r.pick([2048, 16 * 1024, 1 << 20]),
    network: {
      control: { drop: lossy ? r.next() * 0.08 : 0, duplicate: lossy ? r.next() * 0.05 : 0, minDelay: 1, maxDelay: r.int(5, 25) },
      data: { drop: lossy ? r.next() * 0.08 : 0, duplicate: lossy ? r.next() * 0.05 : 0, minDelay: 1, maxDelay: r.int(5, 30) },
      bulk: { drop: 0, duplicate: 0, minDelay: 10, maxDelay: r.int(20, 120) },
    },
    flush: r.chance(0.3) ? { kind: "immediate" } : { kind: "batch", threshold: r.int(2, 32), interval: r.int(5, 60) },
    minFsync: 1,
    maxFsync: r.int(2, 40),
    snapshotEvery: r.int(6, 40),
    snapshotBytes: 0,
    snapshotKeep: 0,
    snapshotFailure: r.next() * 0.3,
    durableStateMachine: false,
    safetyTime: safetyTicks * tickInterval,
    livenessTicks: 60 * electionTicks,
    proposeEvery: [2, r.int(10, 40)],
    readEvery: [5, r.int(20, 60)],
    confChangeEvery: [r.int(150, 300), r.int(400, 900)],
    transferEvery: [r.int(200, 400), r.int(500, 1200)],
    nemesisEvery: [r.int(60, 150), r.int(200, 500)],
    leaderKillChance: r.pick([0.1, 0.3, 0.5]),
    indirectCommitCrash: r.pick([0, 0.4, 0.8]),
    downTime: [r.int(20, 80), r.int(100, 600)],
  };
  // A quarter of the seeds (by seed, so no draw above moves): entries of about 28 bytes reach
  // this budget at about half the entry count.
  if (seed % 4 === 0) params.snapshotBytes = 12 * params.snapshotEvery;
  // A third keep a few entries behind each snapshot and a third a whole interval, so a follower
  // slightly behind catches up from the log, as with the node's snapshot_catchup_entries.
  params.snapshotKeep = [0, 4, params.snapshotEvery][seed % 3];
  // Drawn last, so no choice above moves.
  params.durableStateMachine = r.chance(0.5);
  return params;
}
