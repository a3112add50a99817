// etcdctl (grpc-go) watching large values: Go raises its stream window with SETTINGS and
// WINDOW_UPDATE while the watch is open; a server that does not apply that to open streams
// (Bun's node:http2 did not) stalls after the first 64 KiB. The 12 values of 300 KB must all
// arrive.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { requireEtcdctl, type Running, startLocal } from "./harness.ts";

const PORT = 29014;
const VALUES = 12;
const VALUE_BYTES = 300_000;

describe("etcdctl watch --rev=1 of 12 values of 300 KB", () => {
  let r: Running;
  before(async () => {
    requireEtcdctl();
    r = await startLocal(PORT);
    // Written straight into the store: they exceed the test server's request limit on purpose.
    const enc = new TextEncoder();
    for (let i = 1; i <= VALUES; i++) {
      const value = enc.encode(String(i % 10).repeat(VALUE_BYTES));
      r.store.applyBatch([{ index: i, term: 1, request: { put: { key: enc.encode("big"), value } } }]);
    }
  });
  after(() => r.stop());

  it("delivers every value, in order (a stall past the window fails the 10 s bound)", async () => {
    const child = spawn("etcdctl", [`--endpoints=${r.endpoint}`, "watch", "big", "--rev=1"], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    // etcdctl prints each event as three lines: PUT, the key, the value.
    const valuesOf = () => lines.filter((_, i) => lines[i - 2] === "PUT" && lines[i - 1] === "big");
    let partial = "";
    let stderr = "";
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${valuesOf().length} of ${VALUES} events in 10 s; stderr: ${stderr}`)), 10_000);
      child.stdout.on("data", (d: Buffer) => {
        partial += d.toString("latin1");
        const parts = partial.split("\n");
        partial = parts.pop()!;
        lines.push(...parts);
        if (valuesOf().length >= VALUES) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr.on("data", (d: Buffer) => { stderr += d; });
    });
    try {
      await done;
      const values = valuesOf();
      assert.equal(values.length, VALUES);
      values.forEach((v, i) => {
        assert.equal(v.length, VALUE_BYTES, `value ${i + 1}`);
        assert.equal(v[0], String((i + 1) % 10), `value ${i + 1} in order`);
      });
    } finally {
      child.kill();
    }
  });
});
