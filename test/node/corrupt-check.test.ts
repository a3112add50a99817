// CorruptionChecker against real client servers: peers' HashKV fetched over gRPC and compared
// with this member's at the same revision — who differs, who is skipped (compacted elsewhere,
// unreachable), and which member the CORRUPT alarm is raised for.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { CorruptionChecker } from "../../src/node/corrupt-check.ts";
import { MemberClient } from "../../src/node/member-client.ts";
import { openSqlite } from "../../src/storage/sqlite.ts";
import { startLocal, type Running } from "../api/harness.ts";

const PORTS = [22060, 22061];
const UNREACHABLE = "127.0.0.1:22062";
const enc = (s: string) => new TextEncoder().encode(s);

describe("CorruptionChecker", () => {
  const dir = mkdtempSync(join(tmpdir(), "trireme-corrupt-check-"));
  let peers: Running[] = [];
  /** This member, and another copy of it whose history went wrong at index 11. */
  let self: MvccStore;
  let odd: MvccStore;
  let index = 0;
  const client = new MemberClient();
  const raised: { member: number; reason: string }[] = [];
  const logged: string[] = [];

  const put = (stores: MvccStore[], at: number, key: string, value: string) => {
    for (const s of stores) s.apply({ index: at, term: 1, request: { put: { key: enc(key), value: enc(value) } } });
  };
  const checker = (mine: MvccStore, extra: { id: number; clientAddress: string }[] = []) =>
    new CorruptionChecker({
      id: 1,
      peers: () => [...peers.map((p, i) => ({ id: i + 2, clientAddress: p.endpoint })), ...extra],
      hashKv: (rev) => mine.hashKv(rev),
      isLeader: () => true,
      raiseCorrupt: async (member, reason) => void raised.push({ member, reason }),
      log: (_level, msg) => void logged.push(msg),
      timeoutMs: 1000,
      client,
    });

  before(async () => {
    peers = await Promise.all(PORTS.map((p) => startLocal(p)));
    self = MvccStore.open(join(dir, "self.db"), { groupCommit: { intervalMs: 0 } });
    odd = MvccStore.open(join(dir, "odd.db"), { groupCommit: { intervalMs: 0 } });
    const all = [self, odd, ...peers.map((p) => p.store)];
    for (let i = 0; i < 10; i++) put(all, ++index, `k${i}`, `v${i}`);
    put([self, ...peers.map((p) => p.store)], ++index, "x", "same");
    put([odd], index, "x", "odd");
  });
  after(async () => {
    client.close();
    self?.close();
    odd?.close();
    await Promise.all(peers.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("members that applied the same entries agree: nothing raised, the initial check passes", async () => {
    const c = checker(self);
    try {
      assert.deepEqual(await c.periodicCheck(), []);
      await c.initialCheck();
      assert.deepEqual(raised, []);
    } finally {
      c.close();
    }
  });

  test("a leader whose history differs from peers that agree raises the alarm for itself", async () => {
    const c = checker(odd);
    try {
      assert.deepEqual(await c.periodicCheck(), [1]);
      assert.equal(raised.at(-1)?.member, 1);
      assert.match(raised.at(-1)!.reason, /HashKV at revision 11: member 1 hashes \d+, the other members \d+/);
      await assert.rejects(c.initialCheck(), /differs from its peers' at revision 11 .*member 2 hashes \d+, member 3 hashes/);
    } finally {
      c.close();
    }
  });

  test("a peer whose history differs gets the CORRUPT alarm; the initial check refuses", async () => {
    put([self, peers[0]!.store], ++index, "y", "same");
    put([peers[1]!.store], index, "y", "different");
    const c = checker(self);
    try {
      assert.deepEqual(await c.periodicCheck(), [3]);
      assert.equal(raised.at(-1)?.member, 3);
      assert.match(raised.at(-1)!.reason, /HashKV at revision 12: member 3 hashes \d+, the leader \d+/);
      await assert.rejects(c.initialCheck(), /differs from its peers' at revision 12 .*member 3 hashes/);
    } finally {
      c.close();
    }
  });

  test("a later round compares at the previous round's revision, which a peer behind the leader has applied", async () => {
    const rewrite = (value: string) => {
      const db = openSqlite(peers[1]!.store.path);
      try {
        db.exec("PRAGMA busy_timeout = 5000");
        db.prepare("UPDATE history SET value = ? WHERE key = ?").run(enc(value), enc("y"));
      } finally {
        db.close();
      }
    };
    await new Promise((r) => setTimeout(r, 30)); // peer 3's group commit (10 ms) reaches the file
    rewrite("same"); // peer 3 agrees again
    const c = checker(self);
    try {
      assert.deepEqual(await c.periodicCheck(), [], "round 1: everyone agrees");
      put([self, peers[0]!.store], ++index, "z", "ahead of peer 3");
      assert.throws(() => peers[1]!.store.hashKv(self.revision), /future revision/, "peer 3 is behind the leader");
      rewrite("changed"); // below the revision round 1 reached
      assert.deepEqual(await c.periodicCheck(), [3], "round 2 compares peer 3 at round 1's revision and finds it");
    } finally {
      c.close();
    }
  });

  test("an unreachable peer and peers compacted at another revision are skipped, not counted", async () => {
    const c = checker(self, [{ id: 9, clientAddress: UNREACHABLE }]);
    try {
      // This member compacts; its peers did not: no comparison is possible with them.
      self.apply({ index: ++index, term: 1, request: { compaction: { revision: 5 } } });
      await self.compactionIdle();
      const before = raised.length;
      assert.deepEqual(await c.periodicCheck(), []);
      await c.initialCheck();
      assert.equal(raised.length, before);
      assert.ok(logged.includes("initial corruption check: cannot get a peer's hash, skipped"));
      assert.ok(logged.includes("initial corruption check: a peer compacted at another revision, skipped"));
    } finally {
      c.close();
    }
  });
});
