// The flush-lag monitor runs a timer only while the lag is above its threshold: appends poke it.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { FlushLagMonitor } from "../../src/storage/flush-lag.ts";

describe("flush-lag monitor", () => {
  const monitors: FlushLagMonitor[] = [];
  after(() => monitors.forEach((m) => m.stop()));

  test("no timer while under the threshold; armed above it; disarmed when the lag recovers", () => {
    let entries = 0;
    let now = 0;
    const lines: string[] = [];
    const m = new FlushLagMonitor({ entries: 5, afterMs: 100 }, () => ({ entries, oldestUnflushedAgeMs: 0 }), (_l, msg) => lines.push(msg), () => {}, () => now);
    monitors.push(m);
    entries = 5;
    m.poke(entries);
    assert.equal(m.armed, false, "at the threshold: nothing to watch");
    entries = 6;
    m.poke(entries);
    assert.equal(m.armed, true);
    now = 50;
    m.check(now);
    assert.deepEqual(lines, [], "not yet above for afterMs");
    now = 101;
    m.check(now);
    assert.deepEqual(lines, ["storage flush lag is above its threshold"]);
    entries = 0;
    m.check(now);
    assert.deepEqual(lines.at(-1), "storage flush lag is back under its threshold");
    assert.equal(m.armed, false);
    m.stop();
    m.poke(100);
    assert.equal(m.armed, false, "a stopped monitor never arms");
  });
});
