// The invariants, checked as the simulation runs (after every Ready the shell processes):
//
// - election safety: at most one leader per term, ever (and a node never becomes leader twice in a
//   term across a restart, which would mean its vote was not durable);
// - log matching: checked incrementally on every append anywhere: an (index, term) pair always names
//   the same entry and the same predecessor term, which by induction means identical prefixes;
// - leader completeness: when a node becomes leader in term T it holds every entry that was
//   committed in a term < T (above its snapshot; its snapshot must match the committed chain);
// - state-machine safety: no two nodes apply different entries at one index (entry identity and the
//   hash chain of the state machine, including images installed from snapshots);
// - durability: a write acknowledged to a client (applied by the node that accepted it) is held by
//   every quorum of that node's voters: durably under DiskFirst, in memory under MemFirst;
// - linearizable reads: a ReadIndex read that started after a write was acknowledged, or after
//   another read returned a state, returns a read index at or above that write / state.

import type { ConfState, Entry, NodeId } from "../../../src/raft/types.ts";
import { entryHash, type SmImage } from "./state-machine.ts";

export class SimViolation extends Error {
  constructor(
    readonly invariant: string,
    readonly detail: string,
    readonly time: number,
  ) {
    super(`${invariant} violated at t=${time}: ${detail}`);
    this.name = "SimViolation";
  }
}

/** A MemFirst run stops its checks here: crashes lost acknowledged entries, which MemFirst allows. */
export class MemFirstLoss extends Error {
  constructor(readonly detail: string) {
    super(`MemFirst loss window: ${detail}`);
    this.name = "MemFirstLoss";
  }
}

interface CommittedRecord {
  term: number;
  hash: number;
  /** State-machine hash chain after applying this index. */
  chain: number;
  /** Upper bound of the term in which the entry became committed (the applier's current term). */
  commitTerm: number;
  firstAppliedBy: NodeId;
}

export class Checker {
  now = 0;
  private readonly leaders = new Map<number, { id: NodeId; incarnation: number }>();
  /** Keyed by index * 2^20 + term. */
  private readonly logRecord = new Map<number, { hash: number; prevTerm: number; by: NodeId; time: number }>();
  readonly committed = new Map<number, CommittedRecord>();
  maxCommitted = 0;
  /** Highest index a completed client operation (acked write or returned read) has observed. */
  readFloor = 0;
  /** Highest term anyone was elected leader of. */
  maxLeaderTerm = 0;

  fail(invariant: string, detail: string): never {
    throw new SimViolation(invariant, detail, this.now);
  }

  onLeader(id: NodeId, incarnation: number, term: number): void {
    const prev = this.leaders.get(term);
    if (term > this.maxLeaderTerm) this.maxLeaderTerm = term;
    if (prev === undefined) {
      this.leaders.set(term, { id, incarnation });
      return;
    }
    if (prev.id !== id) this.fail("election safety", `nodes ${prev.id} and ${id} were both leader in term ${term}`);
    if (prev.incarnation !== incarnation) {
      this.fail("election safety", `node ${id} became leader of term ${term} again after a restart (was its vote durable?)`);
    }
  }

  /** `termBefore(index)` gives the node's term at index-1 after the append. */
  onAppend(id: NodeId, entries: Entry[], termBefore: (index: number) => number | undefined): void {
    for (const e of entries) {
      const key = e.index * 1048576 + e.term;
      const hash = entryHash(e);
      const prevTerm = termBefore(e.index) ?? -1;
      const rec = this.logRecord.get(key);
      if (rec === undefined) {
        this.logRecord.set(key, { hash, prevTerm, by: id, time: this.now });
        continue;
      }
      if (rec.hash !== hash) {
        this.fail("log matching", `node ${id} holds a different entry at index ${e.index} term ${e.term} than node ${rec.by}`);
      }
      if (rec.prevTerm !== -1 && prevTerm !== -1 && rec.prevTerm !== prevTerm) {
        this.fail(
          "log matching",
          `entry ${e.index}/t${e.term} follows term ${prevTerm} on node ${id} but term ${rec.prevTerm} on node ${rec.by}`,
        );
      }
    }
  }

  /** When entry (index, term) was first appended anywhere. */
  firstAppended(index: number, term: number): number {
    return this.logRecord.get(index * 1048576 + term)?.time ?? 0;
  }

  /** Returns true when this is the first time anyone applied `index` (a new commit). */
  onApply(id: NodeId, e: Entry, chain: number, nodeTerm: number): boolean {
    const rec = this.committed.get(e.index);
    const hash = entryHash(e);
    if (rec === undefined) {
      this.committed.set(e.index, { term: e.term, hash, chain, commitTerm: nodeTerm, firstAppliedBy: id });
      if (e.index > this.maxCommitted) this.maxCommitted = e.index;
      return true;
    }
    if (rec.term !== e.term || rec.hash !== hash) {
      this.fail(
        "state-machine safety",
        `node ${id} applied entry t${e.term} at index ${e.index}, node ${rec.firstAppliedBy} applied t${rec.term} there`,
      );
    }
    if (rec.chain !== chain) {
      this.fail("state-machine safety", `node ${id}'s state at index ${e.index} differs from node ${rec.firstAppliedBy}'s`);
    }
    if (nodeTerm < rec.commitTerm) rec.commitTerm = nodeTerm;
    return false;
  }

  onInstallImage(id: NodeId, img: SmImage): void {
    const rec = this.committed.get(img.index);
    if (rec !== undefined && rec.chain !== img.hash) {
      this.fail("state-machine safety", `node ${id} installed a snapshot at index ${img.index} that differs from the applied state`);
    }
  }

  /** Leader completeness for a node that just became leader of `term`. */
  checkLeaderCompleteness(
    id: NodeId,
    term: number,
    snapIndex: number,
    snapHash: number,
    termAt: (index: number) => number | undefined,
  ): void {
    const snapRec = this.committed.get(snapIndex);
    if (snapRec !== undefined && snapRec.commitTerm < term && snapRec.chain !== snapHash) {
      this.fail("leader completeness", `new leader ${id} (term ${term}) has a snapshot at ${snapIndex} that differs from the committed state`);
    }
    for (let i = snapIndex + 1; i <= this.maxCommitted; i++) {
      const rec = this.committed.get(i);
      if (rec === undefined || rec.commitTerm >= term) continue;
      const t = termAt(i);
      if (t !== rec.term) {
        this.fail(
          "leader completeness",
          `new leader ${id} of term ${term} lacks entry ${i}/t${rec.term} committed in term <= ${rec.commitTerm} (it has ${t === undefined ? "nothing" : `t${t}`} there)`,
        );
      }
    }
  }
}

/** The fewest holders that meet every quorum of `voters` (a majority quorum). */
export function holdersNeeded(conf: ConfState): number {
  const n = conf.voters.length;
  const q = Math.floor(n / 2) + 1;
  return n - q + 1;
}
