// kv.db as the Ready loop's state machine: committed entries decoded and applied in one batch
// (answered past the quota as etcd's quotaApplierV3 answers), snapshots installed from the
// images received and recorded where kv.db is durable (snapshots.ts).
import { decodeInternalRequest } from "../kv/codec.ts";
import type { MvccStore } from "../kv/mvcc.ts";
import type { ApplyEntry, ApplyResult } from "../kv/types.ts";
import { EntryType, type Entry, type SnapshotMeta } from "../raft/types.ts";
import type { AddressBook } from "./address-book.ts";
import type { StateMachine } from "./ready-loop.ts";
import type { SpaceGuard } from "./space-guard.ts";
import type { SnapshotContext, SnapshotManager, TakenSnapshot } from "./snapshots.ts";

/** One applied batch: the store's results (what leases follow) and the clients' answers. */
export interface KvApplied {
  batch: ApplyEntry[];
  results: (ApplyResult | null)[];
  answers: (ApplyResult | null)[];
}

export interface KvStateMachineParts {
  store: MvccStore;
  snapshots: SnapshotManager;
  membership: AddressBook;
  /** Which entries go past the quota, and their answers (etcd's quotaApplierV3). */
  space: Pick<SpaceGuard, "applying" | "answers">;
  snapshotContext: SnapshotContext;
  /** A snapshot was recorded (events, metrics). */
  taken(s: TakenSnapshot): void;
  stopping(): boolean;
}

export class KvStateMachine implements StateMachine<KvApplied> {
  constructor(private readonly p: KvStateMachineParts) {}

  get appliedIndex(): number {
    return this.p.store.appliedIndex;
  }

  apply(entries: Entry[]): KvApplied {
    const batch: ApplyEntry[] = entries.map((e) => ({
      index: e.index,
      term: e.term,
      request: e.type === EntryType.Normal && e.data.length > 0 ? decodeInternalRequest(e.data, e.index) : null,
    }));
    const over = this.p.space.applying(batch);
    const results = this.p.store.applyBatch(batch);
    return { batch, results, answers: this.p.space.answers(results, over) };
  }

  async installSnapshot(meta: SnapshotMeta): Promise<void> {
    this.p.membership.merge(await this.p.snapshots.install(meta));
  }

  async takeSnapshot(): Promise<TakenSnapshot | undefined> {
    const taken = await this.p.snapshots.take(this.p.snapshotContext);
    if (taken === undefined || this.p.stopping()) return undefined;
    this.p.taken(taken);
    return taken;
  }

  canSnapshot(): boolean {
    return !this.p.snapshots.busy;
  }
}
