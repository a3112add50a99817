// The membership a node uses: the one of the newest conf-change entry in its log, committed or not
// (Raft thesis §4.1). A change takes effect when appended and is undone when its entry is
// truncated. Applying on commit instead would let a restarted node, which does not know its
// commit index, lead with a membership two changes old (a seeded simulation found exactly that).

import { applyConfChange, copyConf, decodeConfChange } from "./confchange.ts";
import type { RaftLog } from "./log.ts";
import { EntryType, type ConfState, type SnapshotMeta } from "./types.ts";

interface Version {
  index: number;
  term: number;
  conf: ConfState;
}

export class Membership {
  /** history[0] is the snapshot's membership; then one version per conf-change entry in the log. */
  private history: Version[];
  /** Last log index already scanned for conf-change entries. */
  private scanned: number;

  constructor(base: SnapshotMeta) {
    this.history = [{ index: base.index, term: base.term, conf: copyConf(base.conf) }];
    this.scanned = base.index;
  }

  current(): ConfState {
    return this.history[this.history.length - 1].conf;
  }

  /** The log was replaced by a snapshot. */
  reset(base: SnapshotMeta): void {
    this.history = [{ index: base.index, term: base.term, conf: copyConf(base.conf) }];
    this.scanned = base.index;
  }

  /** Follows appends and truncations of `log`; true when the current membership changed. */
  sync(log: RaftLog): boolean {
    const before = this.current();
    const truncatedFrom = log.takeTruncatedFrom();
    if (truncatedFrom !== undefined) {
      while (this.history.length > 1 && this.history[this.history.length - 1].index >= truncatedFrom) this.history.pop();
      this.scanned = Math.min(this.scanned, truncatedFrom - 1);
    }
    for (const e of log.slice(this.scanned + 1, log.lastIndex())) {
      if (e.type !== EntryType.ConfChange) continue;
      const conf = applyConfChange(this.current(), decodeConfChange(e.data));
      this.history.push({ index: e.index, term: e.term, conf });
    }
    this.scanned = Math.max(this.scanned, log.lastIndex());
    return this.current() !== before;
  }

  /** The membership in effect at `index` (for a snapshot taken there). */
  at(index: number): ConfState {
    let conf = this.history[0].conf;
    for (const v of this.history) {
      if (v.index > index) break;
      conf = v.conf;
    }
    return copyConf(conf);
  }

  /** Forgets versions older than the one in effect at `index` (the log was compacted there). */
  compactTo(index: number): void {
    let keep = 0;
    for (let i = 0; i < this.history.length && this.history[i].index <= index; i++) keep = i;
    this.history = this.history.slice(keep);
  }
}
