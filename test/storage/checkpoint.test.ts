// The writer checkpoints the WAL itself, outside its commits: once enough frames are written and
// it has been idle for a moment, log.db receives them and the WAL is rewritten from its start.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Entry } from "../../src/raft/types.ts";
import { openDataDir } from "../../src/storage/index.ts";
import { CHECKPOINT_FRAMES } from "../../src/storage/schema.ts";
import { diskFirst, durableReached, payload, tempDir, until } from "./helpers.ts";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

function big(lo: number, n: number): Entry[] {
  return Array.from({ length: n }, (_, i) => ({ index: lo + i, term: 1, type: 0, data: payload(lo + i, 1, 4000) }));
}

const size = (p: string): number => (existsSync(p) ? statSync(p).size : 0);

describe("WAL checkpoints in the writer", () => {
  test("an idle writer checkpoints into log.db, and the next commits reuse the WAL instead of growing it", async () => {
    const t = tempDir("checkpoint");
    cleanups.push(t.cleanup);
    const d = await openDataDir({ dir: t.dir, clusterId: 42, nodeId: 1, persistence: diskFirst });
    const db = join(t.dir, "log.db");
    const wal = `${db}-wal`;
    const before = size(db);
    // One entry of ~4 KB is about one WAL frame: this is more than CHECKPOINT_FRAMES of them.
    const n = CHECKPOINT_FRAMES + 200;
    d.log.append(big(1, n));
    await durableReached(d.log, n);
    // autocheckpoint is off: only the writer's own idle checkpoint can move pages into log.db.
    await until(() => size(db) > before + CHECKPOINT_FRAMES * 4000, 5000, "log.db to receive the checkpointed pages");
    const walAfterFirst = size(wal);
    assert.ok(walAfterFirst > CHECKPOINT_FRAMES * 4000, `the WAL held the first batch (${walAfterFirst} bytes)`);
    // A smaller second batch is written over the start of the WAL: the file does not grow.
    d.log.append(big(n + 1, 100));
    await durableReached(d.log, n + 100);
    assert.equal(size(wal), walAfterFirst, "the WAL was rewritten from its start, not appended to");
    assert.deepEqual(d.log.entries(n - 1, n + 3).map((e) => e.data.byteLength), [4000, 4000, 4000, 4000]);
    await d.close();
    const again = await openDataDir({ dir: t.dir, clusterId: 42, nodeId: 1, persistence: diskFirst });
    assert.equal(again.log.lastIndex(), n + 100);
    assert.deepEqual(again.log.entries(n + 100, n + 101)[0]!.data, payload(n + 100, 1, 4000));
    await again.close();
  });
});
