// Start-up after a MemFirst crash that lost the log's unflushed tail while the state machine had
// applied it: the state machine is adopted as a snapshot, and that snapshot must carry the
// membership at its index — the conf changes still in the log included (dropping them brought a
// member grown from 1 to 3 voters back believing it was alone, leading beside the real cluster).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/log/log.ts";
import { encodePeerContext, AddressBook } from "../../src/node/address-book.ts";
import { restoreState } from "../../src/node/restore.ts";
import { SnapshotManager } from "../../src/node/snapshots.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { encodeConfChange } from "../../src/raft/confchange.ts";
import { ConfChangeType, EntryType, type Entry } from "../../src/raft/types.ts";
import { openDataDir } from "../../src/storage/index.ts";
import type { PeerConfig } from "../../src/config/types.ts";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const peer = (id: number): PeerConfig => ({
  id,
  name: `n${id}`,
  client_address: `127.0.0.1:${30000 + 10 * id}`,
  control_address: `127.0.0.1:${30001 + 10 * id}`,
  data_address: `127.0.0.1:${30002 + 10 * id}`,
  bulk_address: `127.0.0.1:${30003 + 10 * id}`,
});

const noop = (index: number): Entry => ({ index, term: 1, type: EntryType.Normal, data: new Uint8Array(0) });
const addVoter = (index: number, id: number): Entry => ({
  index,
  term: 1,
  type: EntryType.ConfChange,
  data: encodeConfChange({ type: ConfChangeType.AddVoter, nodeId: id, context: encodePeerContext(peer(id)) }),
});

describe("restore: a MemFirst state machine ahead of its log", () => {
  test("the adopted snapshot's membership includes the conf changes still in the log", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "trireme-restore-")), "data");
    dirs.push(dir);
    const persistence = { strategy: "MemFirst", flush_policy: "Immediate", max_buffered_entries: 1000 } as const;
    const log = createLogger({ level: "error", format: "json" }, () => {});

    // Genesis {1}; the log keeps 1..4 with two AddVoters; the store applied up to 6 (5..6 lost).
    const first = await openDataDir({ dir, clusterId: 1, nodeId: 1, persistence });
    first.log.append([noop(1), addVoter(2, 2), noop(3), addVoter(4, 3)]);
    await first.log.sync();
    await first.close();
    const store = MvccStore.open(join(dir, "kv.db"));
    try {
      store.applyBatch([1, 2, 3, 4, 5, 6].map((index) => ({ index, term: 1, request: null })));
      const data = await openDataDir({ dir, clusterId: 1, nodeId: 1, persistence });
      try {
        const snapshots = new SnapshotManager(data.snapshots, store, dir, 2, log);
        const members = new AddressBook([peer(1)]);
        const { state } = await restoreState(data, store, snapshots, members, log, { voters: [1], learners: [] });
        assert.equal(state.snapshot.index, 6, "the state machine was adopted at its applied index");
        assert.deepEqual([...state.snapshot.conf.voters].sort(), [1, 2, 3], "the conf changes in the log were replayed");
        assert.deepEqual(state.entries, [], "the log starts after the adopted snapshot");
        const onDisk = data.snapshots.latest();
        assert.deepEqual([...(await onDisk)!.header.conf.voters].sort(), [1, 2, 3], "the snapshot file records it too");
        assert.deepEqual(members.all().map((p) => p.id), [1, 2, 3], "their addresses came from the log");
      } finally {
        await data.close();
      }
    } finally {
      store.close();
    }
  });
});
