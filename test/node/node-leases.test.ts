// The leader's lease deadlines (src/kv/lessor.ts, driven by src/node/node-leases.ts and LocalBackend)
// with a fake clock: nothing here sleeps.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { EtcdError, StatusCode } from "../../src/kv/errors.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lessor } from "../../src/kv/lessor.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import type { InternalRequest } from "../../src/kv/types.ts";
import { NodeLeases } from "../../src/node/node-leases.ts";

function fake(opts: { maxRevokesPerCheck?: number; retryMs?: number } = {}) {
  const clock = { t: 1000 };
  const lessor = new Lessor({ now: () => clock.t, ...opts });
  return { clock, lessor };
}

describe("Lessor", () => {
  test("only the primary keeps deadlines and reports expiry", () => {
    const { clock, lessor } = fake();
    lessor.granted(1, 5);
    clock.t += 10_000;
    assert.deepEqual(lessor.expired(), [], "a follower never expires leases");
    assert.equal(lessor.renew(1), 0);
    assert.equal(lessor.remaining(1), -1);
  });

  test("a lease expires at its deadline, not before", () => {
    const { clock, lessor } = fake();
    lessor.promote([]);
    lessor.granted(1, 5);
    assert.equal(lessor.remaining(1), 5);
    clock.t += 4999;
    assert.deepEqual(lessor.expired(), []);
    assert.equal(lessor.remaining(1), 0);
    clock.t += 1;
    assert.deepEqual(lessor.expired(), [1]);
    assert.deepEqual(lessor.expired(), [], "reported once");
    assert.equal(lessor.renew(1), 0, "an expired lease is not saved by a keep-alive");
  });

  test("renew moves the deadline to now + TTL and answers the granted TTL", () => {
    const { clock, lessor } = fake();
    lessor.promote([]);
    lessor.granted(1, 5);
    clock.t += 4000;
    assert.equal(lessor.renew(1), 5);
    clock.t += 4000; // 8 s after the grant, 4 s after the renewal
    assert.deepEqual(lessor.expired(), []);
    assert.equal(lessor.remaining(1), 1);
    clock.t += 1000;
    assert.deepEqual(lessor.expired(), [1]);
    assert.equal(lessor.renew(99), 0, "unknown lease");
  });

  test("past its deadline a lease is not revived by a keep-alive, even before the next check", () => {
    const { clock, lessor } = fake();
    lessor.promote([]);
    lessor.granted(1, 5);
    clock.t += 5000; // the deadline; no expired() call yet
    assert.equal(lessor.renew(1), 0);
    assert.deepEqual(lessor.expired(), [1], "and the check still reports it");
  });

  test("a lease renewed a million times keeps the deadline heap bounded", () => {
    const { clock, lessor } = fake();
    lessor.promote([]);
    lessor.granted(1, 3600);
    lessor.granted(2, 3600);
    for (let i = 0; i < 1_000_000; i++) {
      clock.t += 1;
      lessor.renew(1);
    }
    assert.ok(lessor.heapSize <= 2 * 2 + 64 + 1, `heap holds ${lessor.heapSize} entries for 2 leases`);
    clock.t += 3600 * 1000 - 1; // lease 2 (granted at 0) is past due; lease 1 (renewed at 1,000 s) is 1 ms short
    assert.deepEqual(lessor.expired(), [2]);
    assert.equal(lessor.renew(1), 3600, "lease 1, renewed last, is alive");
  });

  test("promote restarts every lease at its full TTL (plus the extension): a new leader never shortens", () => {
    const { clock, lessor } = fake();
    lessor.promote([{ id: 1, ttl: 5 }]);
    clock.t += 4000;
    lessor.demote();
    assert.deepEqual(lessor.expired(), []);
    clock.t += 500;
    lessor.promote([{ id: 1, ttl: 5 }, { id: 2, ttl: 10 }], 1000);
    clock.t += 5999;
    assert.deepEqual(lessor.expired(), [], "the old deadline (t+5 s) is gone");
    clock.t += 1;
    assert.deepEqual(lessor.expired(), [1]);
    lessor.revoked(1);
    clock.t += 5000;
    assert.deepEqual(lessor.expired(), [2]);
  });

  test("a revoke that was applied is never reported; one that was lost is reported again after retryMs", () => {
    const { clock, lessor } = fake({ retryMs: 3000 });
    lessor.promote([{ id: 1, ttl: 1 }, { id: 2, ttl: 1 }]);
    clock.t += 1000;
    assert.deepEqual(lessor.expired().sort(), [1, 2]);
    lessor.revoked(1);
    clock.t += 2999;
    assert.deepEqual(lessor.expired(), []);
    clock.t += 1;
    assert.deepEqual(lessor.expired(), [2]);
    assert.equal(lessor.size, 1);
  });

  test("at most maxRevokesPerCheck leases are reported per check, earliest first", () => {
    const { clock, lessor } = fake({ maxRevokesPerCheck: 500 });
    lessor.promote([]);
    for (let id = 1; id <= 1200; id++) lessor.granted(id, 1 + (id % 3));
    clock.t += 10_000;
    const first = lessor.expired();
    assert.equal(first.length, 500);
    const second = lessor.expired();
    const third = lessor.expired();
    assert.equal(second.length, 500);
    assert.equal(third.length, 200);
    assert.equal(new Set([...first, ...second, ...third]).size, 1200);
    // TTL 1 s leases (id % 3 === 0) expired first
    assert.ok(first.slice(0, 400).every((id) => id % 3 === 0));
  });

  test("a renewal leaves a stale heap entry that never reports the lease early", () => {
    const { clock, lessor } = fake();
    lessor.promote([]);
    lessor.granted(1, 2);
    for (let i = 0; i < 5; i++) {
      clock.t += 1500;
      assert.equal(lessor.renew(1), 2);
      assert.deepEqual(lessor.expired(), []);
    }
    clock.t += 2000;
    assert.deepEqual(lessor.expired(), [1]);
  });
});

describe("NodeLeases (the node's wiring of the lessor)", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function setup() {
    const dir = mkdtempSync(join(tmpdir(), "trireme-nodeleases-"));
    dirs.push(dir);
    const store = MvccStore.open(join(dir, "kv.db"));
    let index = 0;
    const apply = (request: InternalRequest) => {
      const batch = [{ index: ++index, term: 1, request }];
      const results = store.applyBatch(batch);
      leases.applied(batch, results);
      return results[0];
    };
    const clock = { t: 0 };
    const proposed: InternalRequest[] = [];
    let leader = 2;
    const confirmations = { n: 0 };
    let confirm: () => Promise<void> = () => Promise.resolve();
    const leases = new NodeLeases({
      id: 1,
      store,
      askLeader: () => Promise.reject(new Error("never reached: these tests lead or fail before asking a leader")),
      electionTimeoutMs: 1000,
      requestTimeoutMs: 200,
      leader: () => leader,
      knows: () => false,
      confirmLeadership: () => {
        confirmations.n++;
        return confirm();
      },
      write: (req) => {
        proposed.push(req);
        return Promise.resolve({ op: "leaseRevoke", leaseRevoke: { header: { revision: 0 } } });
      },
      accepting: () => true,
      now: () => clock.t,
    });
    return {
      store, apply, clock, proposed, leases, confirmations,
      lead: (l: number) => (leader = l),
      onConfirm: (f: () => Promise<void>) => (confirm = f),
    };
  }

  test("a keep-alive on the leader is answered only after a quorum confirmed it still leads", async () => {
    const { store, apply, leases, lead, confirmations, onConfirm } = setup();
    lead(1);
    leases.leadership(true);
    apply({ leaseGrant: { ID: 3, TTL: 10 } });
    assert.equal(await leases.renew(3), 10);
    assert.equal(confirmations.n, 1, "every keep-alive waits for a ReadIndex round");
    // A deposed leader that has not noticed: the round shows another leader; no local answer.
    onConfirm(() => {
      lead(2);
      return Promise.resolve();
    });
    await assert.rejects(leases.renew(3), /no leader/, "asked of the new leader (a member unknown here), never answered locally");
    // The round itself fails (no quorum): the keep-alive fails, it is not answered.
    lead(1);
    onConfirm(() => Promise.reject(new Error("etcdserver: request timed out")));
    await assert.rejects(leases.renew(3), /timed out/);
    store.close();
  });

  test("minimum TTL is ceil(1.5 × election timeout)", () => {
    const { leases, store } = setup();
    assert.equal(leases.minTtl, 2);
    store.close();
  });

  test("a follower keeps no deadlines; on election every lease restarts at TTL + election timeout; expiry proposes revokes", async () => {
    const { store, apply, clock, proposed, leases, lead } = setup();
    apply({ leaseGrant: { ID: 5, TTL: 3 } });
    apply({ leaseGrant: { ID: 6, TTL: 10 } });
    clock.t = 20_000;
    leases.tick(clock.t);
    assert.deepEqual(proposed, [], "followers never expire leases");
    lead(1);
    leases.leadership(true);
    assert.equal(await leases.remaining(5), 4, "3 s TTL + 1 s election timeout, from the election");
    clock.t += 3999;
    leases.tick(clock.t);
    assert.deepEqual(proposed, []);
    clock.t += 1;
    leases.tick(clock.t); // under 500 ms since the last check: not looked at yet
    clock.t += 500;
    leases.tick(clock.t);
    assert.deepEqual(proposed, [{ leaseRevoke: { ID: 5 } }]);
    assert.equal(await leases.renew(5), 0, "an expired lease is not renewed");
    assert.equal(await leases.renew(6), 10);
    apply({ leaseRevoke: { ID: 5 } });
    assert.equal(await leases.remaining(5), -1);
    // stepping down forgets the deadlines
    lead(2);
    leases.leadership(false);
    clock.t += 60_000;
    leases.tick(clock.t);
    assert.equal(proposed.length, 1);
    store.close();
  });

  test("a grant applied on the leader gets a deadline at once", async () => {
    const { store, apply, clock, proposed, leases, lead } = setup();
    lead(1);
    leases.leadership(true);
    apply({ leaseGrant: { ID: 9, TTL: 2 } });
    assert.equal(await leases.renew(9), 2);
    clock.t += 2000;
    leases.tick(clock.t);
    assert.deepEqual(proposed, [{ leaseRevoke: { ID: 9 } }]);
    store.close();
  });

  test("a leader left alone that steps down while its keep-alive waits for a quorum answers 'no leader', not a timeout", async () => {
    const { store, apply, leases, lead, onConfirm } = setup();
    lead(1);
    leases.leadership(true);
    apply({ leaseGrant: { ID: 3, TTL: 10 } });
    onConfirm(() => {
      lead(0); // check-quorum: no quorum answered, the member stepped down
      return Promise.reject(new EtcdError(StatusCode.UNAVAILABLE, "etcdserver: request timed out"));
    });
    await assert.rejects(leases.renew(3), { message: "etcdserver: no leader" });
    store.close();
  });

  test("without a leader, a keep-alive fails with 'no leader' within the request time", async () => {
    const { store, leases, lead } = setup();
    lead(0);
    await assert.rejects(leases.renew(1), { message: "etcdserver: no leader" });
    store.close();
  });
});
