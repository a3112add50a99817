// etcd's Maintenance.Hash over the whole store (src/kv/store-hash.ts): replicas that applied the
// same entries hash the same whatever their files look like; any difference in keys, leases,
// alarms or auth changes it; a member's position in the log does not.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AlarmAction, AlarmType } from "../../src/kv/alarms.ts";
import type { InternalRequest } from "../../src/kv/types.ts";
import { b, Harness, tempDir } from "./helpers.ts";

const tmp = tempDir("trireme-store-hash-");
const open: Harness[] = [];
after(() => {
  for (const h of open) h.store.close();
  tmp.cleanup();
});
let n = 0;
function harness(groupCommitMs = 10): Harness {
  const h = new Harness(join(tmp.dir, `kv-${n++}.db`), { groupCommit: { intervalMs: groupCommitMs } });
  open.push(h);
  return h;
}

const writes: InternalRequest[] = [
  ...Array.from({ length: 200 }, (_, i): InternalRequest => ({ put: { key: b(`k${i % 7}`), value: b(`v${i}`.padEnd(2000, ".")) } })),
  { deleteRange: { key: b("k3") } },
  { leaseGrant: { ID: 77, TTL: 60 } },
  { put: { key: b("leased"), value: b("x"), lease: 77 } },
];

describe("Maintenance.Hash of the store", () => {
  test("two replicas of the same entries hash the same, though their files differ", async () => {
    const a = harness(0);
    const c = harness(60_000);
    for (const w of writes) {
      a.ok(w);
      c.ok(w);
    }
    // Different physical states: one compacts and defragments, the other keeps a larger file.
    const rev = a.store.revision;
    a.ok({ compaction: { revision: rev - 20 } });
    c.ok({ compaction: { revision: rev - 20 } });
    await a.store.compactionIdle();
    await a.store.defragment();
    assert.notEqual(a.store.dbSize().size, c.store.dbSize().size, "the files differ");
    assert.deepEqual(a.store.hash(), c.store.hash());
    assert.equal(a.store.hash().revision, rev);
    // A member's applied index is not part of it: an entry that changes nothing moves it.
    a.ok({ deleteRange: { key: b("no-such-key") } });
    assert.equal(a.store.appliedIndex, c.store.appliedIndex + 1);
    assert.equal(a.store.hash().hash, c.store.hash().hash);
  });

  test("a difference in any part of the store changes it", () => {
    const base = (): Harness => {
      const h = harness();
      for (const w of writes) h.ok(w);
      return h;
    };
    const reference = base().store.hash().hash;
    const changes: [string, InternalRequest][] = [
      ["a value", { put: { key: b("k1"), value: b("other") } }],
      ["a lease", { leaseGrant: { ID: 78, TTL: 60 } }],
      ["an alarm", { alarm: { action: AlarmAction.ACTIVATE, memberID: 2, alarm: AlarmType.NOSPACE } }],
      ["a user", { authUserAdd: { name: "alice", password: "", options: { noPassword: true } } }],
    ];
    for (const [what, req] of changes) {
      const h = base();
      h.ok(req);
      assert.notEqual(h.store.hash().hash, reference, what);
    }
  });
});
