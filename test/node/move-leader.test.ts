// The hand-over a stopping leader makes (move-leader.ts) against a fake host: whom it picks,
// when it skips, what it logs, and that its wait is bounded.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { LogFn } from "../../src/log/log.ts";
import { LeaderWatch } from "../../src/node/leader-watch.ts";
import { handOffLeadership, handOffTarget, type HandOffHost } from "../../src/node/move-leader.ts";
import { Role, type ProgressStatus, type RaftStatus } from "../../src/raft/types.ts";

function status(role: RaftStatus["role"], voters: number[], match: Record<number, number>, learners: number[] = []): RaftStatus {
  const progress = new Map<number, ProgressStatus>(Object.entries(match).map(([id, m]) => [Number(id), { match: m, next: m + 1, state: "replicate", inflight: 0, recentActive: true }]));
  return {
    id: 1, term: 4, vote: 1, role, leader: role === Role.Leader ? 1 : 2, commit: 20, applied: 20, firstIndex: 1, lastIndex: 20,
    durableIndex: 20, conf: { voters, learners }, progress, leadTransferee: 0,
  };
}

class FakeHost implements HandOffHost {
  readonly timeoutMs = 1000;
  readonly watch = new LeaderWatch();
  leader = 1;
  transfers: number[] = [];
  lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  /** Whether a transfer makes the transferee lead (else the wait runs out). */
  succeeds = true;
  constructor(public st: RaftStatus, public up = new Set([2, 3])) {}
  status(): RaftStatus {
    return this.st;
  }
  connected(id: number): boolean {
    return this.up.has(id);
  }
  transferLeader(to: number): void {
    this.transfers.push(to);
    if (!this.succeeds) return;
    // The transferee's campaign ends a turn later, as on the wire.
    setImmediate(() => {
      this.leader = to;
      this.watch.changed(to);
    });
  }
  waitForLeader(ok: (leader: number) => boolean, deadline: number): Promise<void> {
    return this.watch.waitFor(this.leader, ok, deadline);
  }
  log: LogFn = (level, msg, fields = {}) => void this.lines.push({ level, msg, fields });
}

describe("a stopping leader's hand-over", () => {
  test("the target: a connected voter, the furthest caught up; never itself or a learner", () => {
    const st = status(Role.Leader, [1, 2, 3], { 2: 15, 3: 20, 4: 20 }, [4]);
    assert.equal(handOffTarget(st, () => true), 3);
    assert.equal(handOffTarget(st, (id) => id !== 3), 2, "3 is not connected");
    assert.equal(handOffTarget(st, (id) => id === 4), undefined, "a learner cannot lead");
    assert.equal(handOffTarget(status(Role.Leader, [1], {}), () => true), undefined);
  });

  test("hands over and logs it; a follower or a single voter does nothing", async () => {
    const host = new FakeHost(status(Role.Leader, [1, 2, 3], { 2: 20, 3: 18 }));
    assert.equal(await handOffLeadership(host, 500), true);
    assert.deepEqual(host.transfers, [2]);
    assert.deepEqual(host.lines.map((l) => [l.level, l.msg, l.fields.transferee]), [
      ["info", "leadership transfer starting", "2"],
      ["info", "leadership transfer finished", "2"],
    ]);
    assert.equal(typeof host.lines[1]!.fields.tookMs, "number");

    for (const st of [status(Role.Follower, [1, 2, 3], {}), status(Role.Leader, [1], {})]) {
      const quiet = new FakeHost(st);
      assert.equal(await handOffLeadership(quiet, 500), false);
      assert.deepEqual([quiet.transfers, quiet.lines], [[], []]);
    }
  });

  test("no connected voter: skipped with a warning; a transfer that does not finish: the wait is bounded", async () => {
    const alone = new FakeHost(status(Role.Leader, [1, 2, 3], { 2: 20, 3: 20 }), new Set());
    assert.equal(await handOffLeadership(alone, 500), false);
    assert.deepEqual(alone.transfers, []);
    assert.match(alone.lines[0]!.msg, /^skipped leadership transfer on stop/);

    const stuck = new FakeHost(status(Role.Leader, [1, 2, 3], { 2: 20, 3: 20 }));
    stuck.succeeds = false;
    assert.equal(await handOffLeadership(stuck, 30), false);
    assert.deepEqual(stuck.transfers, [2]);
    assert.deepEqual(stuck.lines.map((l) => [l.level, l.msg]), [
      ["info", "leadership transfer starting"],
      ["warn", "leadership transfer did not finish in time; stopping anyway"],
    ]);
  });
});
