// Durability checks: what a persistence strategy promises about acknowledged and committed
// entries (see docs/simulation.md, "Invariants"), and the MemFirst loss windows it allows.

import { EntryType, type ConfState, type Entry, type Message } from "../../../src/raft/types.ts";
import { MemFirstLoss, holdersNeeded } from "./checker.ts";
import type { Cluster, SimNode } from "./cluster.ts";
import { changeConf, cloneConf } from "./state-machine.ts";

export class Durability {
  constructor(private readonly c: Cluster) {}

  /** DiskFirst: a node acknowledges only entries its log store has made durable. */
  checkDurableAck(n: SimNode, m: Message): void {
    const st = n.storage;
    if (st.snapshot.meta.index >= m.index) return;
    const durableTerm = st.termAt(m.index, true);
    if (durableTerm === undefined || durableTerm !== st.termAt(m.index, false)) {
      this.c.checker.fail(
        "durable acknowledgement",
        `DiskFirst n${n.id} acknowledged index ${m.index} to n${m.to} but only ${st.durableIndex} is durable (last ${st.lastIndex})`,
      );
    }
  }

  /** A heartbeat's commit is clamped to what the follower acknowledged (its match), so it never
   *  names an index the follower may not hold. Under DiskFirst acknowledged entries are durable
   *  and survive its crashes, so the commit is within its durable log. */
  checkHeartbeatCommit(m: Message): void {
    const to = this.c.nodes.get(m.to);
    if (to === undefined || to.shutdown) return;
    const durable = to.storage.durableIndex;
    if (m.commit > durable) {
      this.c.checker.fail("heartbeat commit", `n${m.from} sent n${m.to} a heartbeat with commit ${m.commit}, beyond the ${durable} entries n${m.to} holds durably`);
    }
  }

  /** Does node `x` hold entry (index, term), durably (DiskFirst) or in memory while alive (MemFirst)? */
  holds(x: SimNode, index: number, term: number, durableOnly: boolean): boolean {
    if (x.shutdown) return false;
    if (x.storage.snapshot.meta.index >= index) return true;
    return x.storage.termAt(index, durableOnly || !x.alive) === term;
  }

  /** DiskFirst: a committed entry is durable on every quorum of the applying node's voters.
   *  MemFirst: it is in memory on every quorum, unless voters that crashed after the entry was
   *  first appended explain the gap (they may have acknowledged it, then lost it: allowed). */
  checkQuorumHolds(n: SimNode, e: Entry, what: string): void {
    const durableOnly = this.c.params.strategy === "disk";
    const conf = n.conf;
    let holders = 0;
    let crashedSince = 0;
    const appended = this.c.checker.firstAppended(e.index, e.term);
    for (const v of conf.voters) {
      const x = this.c.nodes.get(v);
      if (x === undefined) continue;
      if (this.holds(x, e.index, e.term, durableOnly)) holders++;
      else if (x.lastCrash >= appended) crashedSince++;
    }
    const need = this.needed(conf);
    if (holders >= need) return;
    const detail = `${what} ${e.index}/t${e.term} on n${n.id} is held ${durableOnly ? "durably " : ""}by ${holders} of voters ${conf.voters}; every quorum must hold it`;
    if (!durableOnly && holders + crashedSince >= need) {
      this.c.counters.memFirstLossWindows++;
      throw new MemFirstLoss(`${detail} (${crashedSince} voters crashed since it was appended)`);
    }
    this.c.checker.fail("durability", detail);
  }

  /** Entries some live node knows are committed but nobody applied yet, as index -> term. */
  committedNotApplied(): Map<number, number> {
    const out = new Map<number, number>();
    let best: SimNode | undefined;
    let bestCommit = this.c.checker.maxCommitted;
    for (const x of this.c.nodes.values()) {
      if (!x.alive || x.raft === null) continue;
      const raft = x.raft;
      const commit = this.c.guard(x, () => raft.status().commit);
      if (commit > bestCommit) {
        best = x;
        bestCommit = commit;
      }
    }
    if (best !== undefined) {
      for (let i = this.c.checker.maxCommitted + 1; i <= bestCommit; i++) {
        const t = best.storage.termAt(i, false);
        if (t !== undefined) out.set(i, t);
      }
    }
    return out;
  }

  /** The fewest holders that meet every quorum of `conf` that can still form: a majority of its
   *  voters, where removed members that were shut down for good can no longer vote. */
  private needed(conf: ConfState): number {
    let gone = 0;
    for (const v of conf.voters) {
      const x = this.c.nodes.get(v);
      if (x === undefined || x.shutdown) gone++;
    }
    return holdersNeeded(conf) - gone;
  }

  /** The membership a node restarts with: its durable snapshot's plus the conf changes in its
   *  durable log (a change takes effect when appended). */
  restoredConf(x: SimNode): ConfState {
    const conf = cloneConf(x.storage.snapshot.meta.conf);
    for (const e of x.storage.durable) {
      if (e.type !== EntryType.ConfChange || e.index <= x.storage.snapshot.meta.index) continue;
      changeConf(conf, this.c.core.decodeConfChange(e.data));
    }
    return conf;
  }

  /** The first committed entry that no longer reaches every quorum of the agreed membership — or
   *  of the membership `crashed` restarts with, which may be older if it lost conf changes — or
   *  null. `explained`: voters that crashed since the entry was first appended make up the gap
   *  (they may have acknowledged it from memory and lost it: what MemFirst allows). */
  lossCheck(extra: Map<number, number> = new Map(), crashed?: SimNode): { detail: string; explained: boolean } | null {
    const confs: ConfState[] = [this.c.committedConf];
    if (crashed !== undefined) {
      const own = this.restoredConf(crashed);
      if (own.voters.includes(crashed.id)) confs.push(own);
    }
    for (const conf of confs) {
      const r = this.lossCheckIn(conf, extra);
      if (r !== null) return r;
    }
    // MemFirst: any member may campaign with the membership its own log ends with (a deposed
    // leader's uncommitted change, say). A committed entry that lost a quorum of that one through
    // crashes is a loss window too; elsewhere leader completeness judges what such a member does.
    if (this.c.params.strategy === "mem") {
      for (const x of this.c.nodes.values()) {
        if (x.shutdown || x === crashed) continue;
        const raft = x.alive ? x.raft : null;
        const conf = raft !== null ? this.c.guard(x, () => raft.status().conf) : this.restoredConf(x);
        if (!conf.voters.includes(x.id)) continue;
        const r = this.lossCheckIn(conf, extra);
        if (r !== null && r.explained) return r;
      }
    }
    return null;
  }

  private lossCheckIn(conf: ConfState, extra: Map<number, number>): { detail: string; explained: boolean } | null {
    const durableOnly = this.c.params.strategy === "disk";
    const need = this.needed(conf);
    let low = Infinity;
    const voters: SimNode[] = [];
    for (const v of conf.voters) {
      const x = this.c.nodes.get(v);
      if (x !== undefined) voters.push(x);
      low = Math.min(low, x === undefined ? 0 : x.storage.snapshot.meta.index);
    }
    const check = (i: number, term: number, what: string): { detail: string; explained: boolean } | null => {
      let holders = 0;
      let crashedSince = 0;
      const appended = this.c.checker.firstAppended(i, term);
      for (const x of voters) {
        if (this.holds(x, i, term, durableOnly)) holders++;
        else if (x.lastCrash >= appended) crashedSince++;
      }
      if (holders >= need) return null;
      return {
        detail: `${what} ${i}/t${term} is held by ${holders} of voters ${conf.voters} (need ${need}; ${crashedSince} others crashed since it was appended)`,
        explained: holders + crashedSince >= need,
      };
    };
    for (let i = low + 1; i <= this.c.checker.maxCommitted; i++) {
      const rec = this.c.checker.committed.get(i);
      if (rec === undefined) continue;
      const r = check(i, rec.term, "committed entry");
      if (r !== null) return r;
    }
    for (const [i, term] of extra) {
      const r = check(i, term, "committed (not yet applied) entry");
      if (r !== null) return r;
    }
    return null;
  }

}
