// Start-up: rebuild what the Raft core needs from what the data directory kept — the latest
// snapshot (installed into the kv store if the store is behind it), the log after it, the
// hard state, and how far the state machine had applied. The member table comes from the
// cluster's own records: the snapshot's, then the addresses in the log's ConfChange entries.
import type { MvccStore } from "../kv/mvcc.ts";
import { applyConfChange, decodeConfChange } from "../raft/confchange.ts";
import { ConfChangeType, EntryType, type ConfState, type RestoredState, type SnapshotMeta } from "../raft/types.ts";
import { StorageError, holdsImage, type DataDir } from "../storage/index.ts";
import type { Logger } from "../log/log.ts";
import { decodePeerContext, type AddressBook } from "./address-book.ts";
import type { SnapshotManager } from "./snapshots.ts";
import { takeVoteFloor } from "./repair.ts";

export async function restoreState(
  data: DataDir,
  store: MvccStore,
  snapshots: SnapshotManager,
  members: AddressBook,
  log: Logger,
  /** The membership the log starts from when there is no snapshot (member-files.ts). */
  genesis: ConfState,
): Promise<{ state: RestoredState }> {
  const latest = data.latestSnapshot;
  let snapshot: SnapshotMeta;
  if (latest !== undefined) {
    snapshot = { index: latest.index, term: latest.term, conf: latest.header.conf };
    members.merge(latest.header.metadata);
    snapshots.lastIndex = latest.index;
    if (store.appliedIndex < latest.index) {
      if (!holdsImage(latest)) {
        // The marker was written only after kv.db was durable past its index: kv.db was replaced,
        // restored from an older copy or lost, and the log no longer holds what it is missing.
        throw new StorageError(
          "corrupt-sqlite",
          data.dir,
          `kv.db has applied up to index ${store.appliedIndex}, but the log was compacted to index ${latest.index} ` +
            `(snapshot ${latest.name} records kv.db as durable there): kv.db was lost or replaced by an older copy. ` +
            `Rebuild this member: remove it (etcdctl member remove), empty its data directory and add it again, ` +
            `or restore the cluster from a backup (trireme data restore)`,
        );
      }
      log.info("restoring the state machine from the latest snapshot", { index: latest.index, applied: store.appliedIndex });
      await snapshots.install(snapshot);
    }
    // The log may still hold entries the snapshot covers (the catch-up tail, or a crash between
    // writing the snapshot and compacting): the core's log starts right after the snapshot.
    if (data.log.firstIndex() <= latest.index) data.log.compactPrefix(latest.index, latest.term);
  } else {
    snapshot = { index: 0, term: 0, conf: { voters: [...genesis.voters], learners: [...genesis.learners] } };
  }
  if (data.log.firstIndex() > snapshot.index + 1) {
    throw new StorageError(
      "corrupt-sqlite",
      data.dir,
      `the log starts at index ${data.log.firstIndex()} but the latest snapshot ends at ${snapshot.index}: entries in between are missing`,
    );
  }
  let entries = data.log.loadAll();
  members.noteId(...genesis.voters, ...genesis.learners, ...snapshot.conf.voters, ...snapshot.conf.learners);
  for (const e of entries) {
    if (e.type !== EntryType.ConfChange) continue;
    const cc = decodeConfChange(e.data);
    members.noteId(cc.nodeId);
    const peer = decodePeerContext(cc.context);
    // New addresses count once applied: one above the applied index is applied again later.
    if (cc.type === ConfChangeType.UpdateNode && e.index > store.appliedIndex) continue;
    if (peer !== undefined) members.upsert(peer);
  }
  const hardState = data.hardState.load();
  let lastIndex = entries.length > 0 ? entries[entries.length - 1].index : snapshot.index;
  if (store.appliedIndex > lastIndex) {
    // MemFirst: the log lost an unflushed tail the state machine had already applied. Those
    // entries were committed, so the kv state is a committed prefix: adopt it as a snapshot.
    // Otherwise the core would hand out new entries at indexes the store has already used,
    // and the store would skip them as replays: silent divergence.
    log.warn("the state machine is ahead of the log: unflushed MemFirst entries were lost in a crash; adopting the state machine as a snapshot", {
      applied: store.appliedIndex,
      lastIndex,
      lost: store.appliedIndex - lastIndex,
    });
    // The membership at the applied index: the node applies a ConfChange only once it is on disk
    // (node.ts), so every change up to there is in the surviving log; replay them onto the snapshot's.
    let conf = snapshot.conf;
    for (const e of entries) if (e.type === EntryType.ConfChange) conf = applyConfChange(conf, decodeConfChange(e.data));
    const taken = await snapshots.take({ confAt: () => conf, metadata: () => members.encode() });
    if (taken === undefined || taken.index !== store.appliedIndex) {
      throw new Error(`could not snapshot the state machine at its applied index ${store.appliedIndex} in ${data.dir}`);
    }
    data.log.compactPrefix(taken.index, taken.term);
    snapshot = { index: taken.index, term: taken.term, conf };
    entries = data.log.loadAll();
    lastIndex = taken.index;
  }
  const voteFloor = takeVoteFloor(data.dir, lastIndex);
  if (voteFloor > 0) log.warn("rebuilt member: it votes and campaigns again once its log reaches the index it held before", { voteFloor, lastIndex });
  log.info("restored", {
    snapshot: snapshot.index,
    firstIndex: snapshot.index + 1,
    lastIndex,
    durableIndex: data.log.durableIndex,
    applied: store.appliedIndex,
    term: hardState.term,
  });
  return {
    state: {
      hardState,
      snapshot,
      entries,
      applied: Math.max(snapshot.index, store.appliedIndex),
      durableIndex: data.log.durableIndex,
      ...(voteFloor > 0 ? { voteFloor } : {}),
    },
  };
}
