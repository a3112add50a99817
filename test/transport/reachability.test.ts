// A down peer is logged as a state: one warning when it goes down, a reminder per interval while
// it stays down, one line when it is back.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ReachabilityLog } from "../../src/transport/reachability.ts";
import type { LogLevel } from "../../src/transport/types.ts";

function harness(repeatMs = 30_000) {
  let now = 0;
  const lines: { level: LogLevel; msg: string }[] = [];
  const r = new ReachabilityLog((level, msg) => lines.push({ level, msg }), repeatMs, () => now);
  return { r, lines, advance: (ms: number) => (now += ms) };
}

describe("reachability log", () => {
  test("an hour of failures every 50 ms: one warning, a reminder every 30 s, one recovery line", () => {
    const { r, lines, advance } = harness();
    for (let t = 0; t < 3_600_000; t += 50) {
      r.failed(2, "control", "connect ECONNREFUSED");
      advance(50);
    }
    const warns = lines.filter((l) => l.level === "warn");
    assert.equal(warns[0].msg, "peer 2 unreachable on the control plane: connect ECONNREFUSED");
    assert.equal(warns.length, 1 + 119, "first warning plus one per 30 s of the hour");
    assert.match(warns[1].msg, /^peer 2 still unreachable on the control plane after 30 s \(601 failed calls\)/);
    r.succeeded(2, "control");
    assert.deepEqual(lines.at(-1), { level: "info", msg: "peer 2 reachable again on the control plane after 3600 s (72000 failed calls)" });
    r.succeeded(2, "control");
    assert.equal(lines.filter((l) => l.level === "info").length, 1, "a success while up says nothing");
  });

  test("planes and peers are tracked apart; forget() drops a removed peer", () => {
    const { r, lines, advance } = harness(1000);
    r.failed(2, "control", "x");
    r.failed(2, "data", "y");
    r.failed(3, "control", "z");
    assert.equal(lines.length, 3);
    r.forget(2);
    advance(5000);
    r.failed(3, "control", "z");
    r.failed(2, "control", "x");
    assert.deepEqual(lines.slice(3).map((l) => l.msg), [
      "peer 3 still unreachable on the control plane after 5 s (2 failed calls): z",
      "peer 2 unreachable on the control plane: x",
    ]);
  });
});
