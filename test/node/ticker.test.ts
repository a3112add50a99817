// The node's logical clock after a stalled event loop. A leader serving lease reads measures its
// lease in ticks, so it must be handed every tick it owes (dropping them would stretch the lease
// past the followers' election timeout and serve stale reads); without leases at most two owed
// ticks come at once, so a stall does not turn into a burst that starts a needless election.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Ticker } from "../../src/node/ticker.ts";

const TICK_MS = 10;
const STALL_MS = 120;

/** Starts a ticker, blocks the event loop for STALL_MS, and returns the first batch it delivers. */
function firstBatchAfterStall(maxCatchUp?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const give = setTimeout(() => (t.stop(), reject(new Error("the ticker delivered nothing within 2 s"))), 2000);
    const t = new Ticker(TICK_MS, (n) => {
      t.stop();
      clearTimeout(give);
      resolve(n);
    }, maxCatchUp);
    t.start();
    const until = performance.now() + STALL_MS;
    while (performance.now() < until) {
      // a synchronous stall: the tick timer cannot fire before it ends
    }
  });
}

describe("Ticker after a stall", () => {
  test("with no cap (lease reads) every owed tick is delivered", async () => {
    const n = await firstBatchAfterStall(Infinity);
    assert.ok(n >= STALL_MS / TICK_MS - 1, `${n} ticks after a ${STALL_MS} ms stall at ${TICK_MS} ms per tick`);
  });

  test("by default at most two owed ticks come at once", async () => {
    assert.equal(await firstBatchAfterStall(), 2);
  });
});

describe("Ticker reports how late it fired", () => {
  test("a stall shows as the lateness of the next tick", async () => {
    const lateness: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const give = setTimeout(() => (t.stop(), reject(new Error("the ticker delivered nothing within 2 s"))), 2000);
      const t = new Ticker(TICK_MS, () => {
        t.stop();
        clearTimeout(give);
        resolve();
      }, 2, (ms) => lateness.push(ms));
      t.start();
      const until = performance.now() + STALL_MS;
      while (performance.now() < until) {
        // the tick was due TICK_MS after start; it fires only after the stall
      }
    });
    assert.equal(lateness.length, 1);
    assert.ok(lateness[0]! >= STALL_MS - TICK_MS, `the tick was ${lateness[0]} ms late after a ${STALL_MS} ms stall`);
  });
});

/** Busy-waits until `ms` after `from`: the timers cannot fire meanwhile. */
function stallUntil(from: number, ms: number): void {
  while (performance.now() < from + ms) {
    // synchronous
  }
}

describe("Ticker, lazily: one timer for the tick that acts", () => {
  test("with five ticks to go it wakes once, at the fifth tick's deadline, with all five", async () => {
    const calls: { at: number; n: number }[] = [];
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const t = new Ticker(20, (n) => {
        calls.push({ at: performance.now() - t0, n });
        t.stop();
        resolve();
      }, 2, undefined, () => 5);
      t.start();
    });
    assert.equal(calls.length, 1);
    assert.ok(calls[0]!.at >= 99, `woke at ${calls[0]!.at} ms, before the fifth tick's deadline (100 ms)`);
    assert.ok(calls[0]!.n >= 5, `delivered ${calls[0]!.n} ticks`);
  });

  test("catchUp delivers the ticks owed so far, never the one that acts", () => {
    const got: number[] = [];
    const t = new Ticker(10, (n) => got.push(n), 2, undefined, () => 3);
    const t0 = performance.now();
    t.start();
    stallUntil(t0, 65); // six ticks owed, the third would act
    t.catchUp();
    t.stop();
    assert.deepEqual(got, [2]);
  });

  test("an input that restarts the clock moves the acting tick as a timer per tick would", async () => {
    // A follower's election clock: it acts when `elapsed` reaches 5; a heartbeat at 50 ms resets it.
    const TICK = 20;
    let elapsed = 0;
    let actedAt = -1;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const t = new Ticker(TICK, (n) => {
        elapsed += n;
        if (elapsed >= 5) {
          actedAt = performance.now() - t0;
          t.stop();
          resolve();
        }
      }, 2, undefined, () => 5 - elapsed);
      t.start();
      setTimeout(() => {
        t.catchUp(); // the ticks at 20 and 40 ms
        assert.equal(elapsed, 2);
        elapsed = 0; // the heartbeat
        t.rearm();
      }, 50);
    });
    // Five ticks after the reset: those at 60, 80, 100, 120 and 140 ms.
    assert.ok(actedAt >= 139, `the election clock ran out at ${actedAt} ms, before the fifth tick after the reset (140 ms)`);
  });

  test("rearm sets the timer sooner when the acting tick moves closer", async () => {
    let dueIn = 50;
    const t0 = performance.now();
    const at = await new Promise<number>((resolve) => {
      const t = new Ticker(20, () => {
        t.stop();
        resolve(performance.now() - t0);
      }, 2, undefined, () => dueIn);
      t.start();
      dueIn = 1; // e.g. this member became leader: it heartbeats every tick
      t.rearm();
    });
    assert.ok(at < 500, `the first tick came at ${at} ms; without rearm it would have come at 1000 ms`);
  });
});
