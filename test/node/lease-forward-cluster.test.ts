// Three real members in this process: a lease granted, kept alive and asked its TTL through a
// FOLLOWER, whose questions go to the leader's lessor as peer messages on the data plane (the
// follower's own lessor keeps no deadlines, so every TTL it answers came from the leader); after
// a leadership move the new leader answers; with the others gone it answers etcd's error.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EtcdError, StatusCode } from "../../src/kv/errors.ts";
import { createLogger } from "../../src/log/log.ts";
import { TriremeNode } from "../../src/node/node.ts";
import { agreedLeader, threeMemberConfigs, waitFor } from "./three-members.ts";

const BASE = 27720; // 4 ports per member: 27720..27731
const base = mkdtempSync(join(tmpdir(), "trireme-lease-forward-"));
const nodes: TriremeNode[] = [];
const stopped = new Set<TriremeNode>();

const leader = () => agreedLeader(nodes);

async function grant(n: TriremeNode, ID: number, TTL: number): Promise<void> {
  const r = await n.write({ leaseGrant: { ID, TTL } });
  assert.equal(r.op, "leaseGrant");
  await waitFor(`every member to apply lease ${ID}`, 5000, () => (nodes.every((m) => m.store.lease(ID, false) !== undefined) ? true : undefined));
}

describe("lease keep-alives and TTLs through a follower (3 members)", () => {
  before(async () => {
    for (const [i, config] of threeMemberConfigs(BASE, base, "lease-forward-test").entries()) {
      nodes[i] = await TriremeNode.start({ config, log: createLogger({ level: "error", format: "json" }, () => {}), onFatal: () => {} });
    }
  });
  after(async () => {
    await Promise.all(nodes.filter((n) => !stopped.has(n)).map((n) => n.stop()));
    rmSync(base, { recursive: true, force: true });
  });

  it("keeps a lease alive and reads its TTL through a follower; unknown leases get etcd's answers", { timeout: 30_000 }, async () => {
    const l = await leader();
    const follower = nodes.find((n) => n !== l)!;
    await grant(follower, 0x1001, 30);
    assert.equal(follower.leases.lessor.primary, false, "the follower keeps no deadlines of its own");
    for (let i = 0; i < 20; i++) assert.equal(await follower.leases.renew(0x1001), 30, `keep-alive ${i}`);
    const left = await follower.leases.remaining(0x1001);
    assert.ok(left > 0 && left <= 30, `remaining ${left}`);
    // Many questions in one turn: each gets its own answer.
    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? follower.leases.remaining(0x1001) : follower.leases.renew(0x1001))));
    assert.ok(many.every((t, i) => (i % 2 ? t > 0 && t <= 30 : t === 30)), `answers ${many}`);
    assert.equal(await follower.leases.renew(0xdead), 0, "keep-alive of an unknown lease: TTL 0, as etcd answers");
    assert.equal(await follower.leases.remaining(0xdead), -1, "TTL of an unknown lease: -1, as etcd answers");
  });

  it("after a leadership move the new leader answers the same follower", { timeout: 30_000 }, async () => {
    const l = await leader();
    const follower = nodes.find((n) => n !== l)!;
    const target = nodes.find((n) => n !== l && n !== follower)!;
    await l.moveLeader(target.id);
    await waitFor("the new leader everywhere", 15_000, () => (nodes.every((n) => n.status().leader === target.id) ? true : undefined));
    assert.equal(await follower.leases.renew(0x1001), 30);
    const left = await follower.leases.remaining(0x1001);
    assert.ok(left > 0 && left <= 30, `remaining ${left}`);
    assert.equal(await target.leases.remaining(0x1001), left, "the same answer the leader gives itself");
  });

  it("with the other members stopped, a keep-alive through the survivor fails with etcd's error", { timeout: 60_000 }, async () => {
    const l = await leader();
    const survivor = nodes.find((n) => n !== l)!;
    for (const n of nodes.filter((n) => n !== survivor)) {
      stopped.add(n);
      await n.stop();
    }
    const t0 = performance.now();
    // First asked of the stopped leader (undelivered, asked again), then of nobody once the
    // survivor's election timeout passed: at the request's deadline, etcd's `no leader`.
    await assert.rejects(survivor.leases.renew(0x1001), (e: unknown) => e instanceof EtcdError && e.code === StatusCode.UNAVAILABLE && e.message === "etcdserver: no leader");
    await assert.rejects(survivor.leases.remaining(0x1001), { message: "etcdserver: no leader" });
    assert.ok(performance.now() - t0 < 30_000, "within the request time (twice), not forever");
  });
});
