// Connection management: a restarted peer is reconnected within the backoff bound on every plane
// without any traffic, a down peer costs the others nothing, and close() is bounded.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MessageType, type Plane } from "../../src/raft/types.ts";
import { addressOf, msg, network, portAllocator, startNode, until } from "./helpers.ts";

const port = portAllocator(21400);
const PLANES: Plane[] = ["control", "data", "bulk"];

describe("connection management", () => {
  test("a peer that restarts is reconnected on all three planes within the backoff bound", { timeout: 30_000 }, async () => {
    const backoff = { initialMs: 50, maxMs: 300 };
    const aa = addressOf(1, port), ba = addressOf(2, port);
    const a = await startNode(1, aa, { backoff });
    let b = await startNode(2, ba);
    try {
      a.t.setPeers([aa, ba]);
      b.t.setPeers([aa, ba]);
      await until(() => PLANES.every((p) => a.t.isConnected(2, p)), "pre-warmed planes");
      await b.t.close();
      await until(() => PLANES.every((p) => !a.t.isConnected(2, p)), "A noticing B is gone");
      // Long enough for the backoff to reach its cap.
      await new Promise((r) => setTimeout(r, 1200));
      b = await startNode(2, ba);
      b.t.setPeers([aa, ba]);
      const t0 = performance.now();
      await until(() => PLANES.every((p) => a.t.isConnected(2, p)), "A reconnected on every plane", 5000);
      const took = performance.now() - t0;
      // Cap plus grpc-js's 20 % jitter, plus room for the handshake on a loaded machine (grpc-js's
      // own default cap is 120 s, so this bound only holds if the configured backoff is applied).
      const bound = backoff.maxMs * 1.2 + 400;
      assert.ok(took <= bound, `reconnected after ${took.toFixed(0)} ms, bound ${bound} ms`);
      a.t.send([msg(MessageType.Heartbeat, 1, 2)]);
      await until(() => b.rec.messages.length === 1, "a heartbeat through the new connection");
    } finally {
      await a.t.close();
      await b.t.close();
    }
  });

  test("a down peer costs the other peers nothing, and calls to it fail fast", { timeout: 30_000 }, async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port), dead = addressOf(3, port);
    const a = await startNode(1, aa);
    const b = await startNode(2, ba);
    try {
      a.t.setPeers([aa, ba, dead]);
      b.t.setPeers([aa, ba, dead]);
      // Once B's planes are up, peer 3's connection attempts have long been refused.
      await until(() => PLANES.every((p) => a.t.isConnected(2, p)), "A's planes to B");
      const N = 200;
      const t0 = performance.now();
      for (let i = 0; i < N; i++) {
        a.t.send([
          msg(MessageType.Heartbeat, 1, 3, { context: i }),
          msg(MessageType.App, 1, 3, { index: i }),
          msg(MessageType.Heartbeat, 1, 2, { context: i }),
          msg(MessageType.App, 1, 2, { index: i }),
        ]);
      }
      await until(() => a.rec.unreachable.includes(3), "the dead peer reported");
      const reported = performance.now() - t0;
      await until(() => b.rec.messages.length === 2 * N, "every message to the live peer", 10_000);
      // Far below the 1 s connect + 2 s request deadline: a refused peer is not waited for.
      assert.ok(reported < 1000, `dead peer reported after ${reported.toFixed(0)} ms`);
      assert.ok(!a.rec.unreachable.includes(2), "the live peer was never reported unreachable");
    } finally {
      await a.t.close();
      await b.t.close();
    }
  });

  test("close() finishes within its timeout while peers hold streams open", { timeout: 30_000 }, async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    const a = await startNode(1, aa);
    const b = await startNode(2, ba, { shutdownTimeoutMs: 300 });
    try {
      a.t.setPeers([aa, ba]);
      b.t.setPeers([aa, ba]);
      a.t.send([msg(MessageType.App, 1, 2)]); // A's data stream to B stays open
      await until(() => b.rec.messages.length === 1, "stream open");
      const slow = a.t.sendSnapshot(
        msg(MessageType.Snap, 1, 2, { snapshot: { index: 1, term: 1, conf: { voters: [1, 2], learners: [] } } }),
        {
          totalBytes: 1 << 30,
          chunks: async function* () {
            for (;;) {
              yield new Uint8Array(1 << 16);
              await new Promise((r) => setTimeout(r, 10));
            }
          },
        },
      ).catch((e: Error) => e);
      await until(() => b.rec.sinks.length === 1, "snapshot stream open");
      const t0 = performance.now();
      await b.t.close();
      const took = performance.now() - t0;
      assert.ok(took < 300 + 1000, `close took ${took.toFixed(0)} ms (timeout 300 ms; without the forced close it never ends)`);
      assert.ok((await slow) instanceof Error);
    } finally {
      await a.t.close();
      await b.t.close();
    }
  });

  test("isolation off keeps working for all planes on one port", async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    const a = await startNode(1, aa, { network: network({ isolation: false }) });
    const b = await startNode(2, ba, { network: network({ isolation: false }) });
    try {
      a.t.setPeers([aa, ba]);
      b.t.setPeers([aa, ba]);
      await a.t.sendSnapshot(msg(MessageType.Snap, 1, 2, { snapshot: { index: 2, term: 1, conf: { voters: [1, 2], learners: [] } } }), {
        totalBytes: 10,
        chunks: async function* () {
          yield new Uint8Array(10).fill(3);
        },
      });
      assert.equal(b.rec.received.length, 1);
      assert.equal(b.rec.sinks[0].bytes, 10);
    } finally {
      await a.t.close();
      await b.t.close();
    }
  });
});
