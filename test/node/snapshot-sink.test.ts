// A snapshot streamed in from the leader: when the snapshot store gives up on it (a bad header,
// another cluster's snapshot, a full disk), the sender's writes must fail at once. Were they left
// waiting for room that never comes, the transfer would hang for good and keep one of the bulk
// plane's receive slots, and after a few such failures the follower could take no snapshot at all.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MvccStore } from "../../src/kv/mvcc.ts";
import { createLogger } from "../../src/log/log.ts";
import { SnapshotManager } from "../../src/node/snapshots.ts";
import { SnapshotStore } from "../../src/storage/index.ts";

const dir = mkdtempSync(join(tmpdir(), "trireme-snapsink-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Settles with the write's outcome, or fails the test when it has not settled within `ms`. */
function settles(p: Promise<void>, ms: number, what: string): Promise<"ok" | Error> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} never settled after the store gave up`)), ms);
    p.then(
      () => (clearTimeout(t), resolve("ok")),
      (e: Error) => (clearTimeout(t), resolve(e)),
    );
  });
}

describe("SnapshotManager.openSink", () => {
  test("a stream the store refuses fails the sender's next writes instead of blocking them", async () => {
    const store = await SnapshotStore.open(join(dir, "snapshots"), 5, 2);
    const log = createLogger({ level: "error", format: "json" }, () => {});
    // openSink never touches the kv store; only install does.
    const manager = new SnapshotManager(store, undefined as unknown as MvccStore, dir, 2, log);
    const sink = manager.openSink(1);
    const junk = new Uint8Array(4096).fill(0x5a); // not a snapshot header
    let failed: Error | undefined;
    for (let i = 1; i <= 20 && failed === undefined; i++) {
      const r = await settles(sink.write(junk), 2000, `write() #${i}`);
      if (r !== "ok") failed = r;
    }
    assert.ok(failed, "some write must fail once the store refused the stream");
    await sink.abort("test done");
  });
});
