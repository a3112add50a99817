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
