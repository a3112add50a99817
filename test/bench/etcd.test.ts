// `trireme bench` against a real etcd (Debian's etcd-server): the same API trireme serves.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Etcd3 } from "etcd3";
import { runBenchCli, type BenchIo } from "../../src/cli/bench.ts";
import { UsageError } from "../../src/cli/usage.ts";
import type { BenchJson } from "../../src/bench/index.ts";
import { EtcdServer } from "./etcd-server.ts";

function capture(tty = false): BenchIo & { stdout: string[]; stderr: string } {
  const io = { stdout: [] as string[], stderr: "", tty, out: (t: string) => void io.stdout.push(t), err: (t: string) => void (io.stderr += t) };
  return io;
}

/** Keys in the store, counted by an independent client (the etcd3 npm package). */
async function etcdKeyCount(endpoint: string): Promise<number> {
  const client = new Etcd3({ hosts: `http://${endpoint}` });
  try {
    return await client.getAll().count();
  } finally {
    client.close();
  }
}

describe("trireme bench against etcd", { timeout: 30_000, skip: !EtcdServer.available() && "etcd-server is not installed (/usr/bin/etcd)" }, () => {
  const etcd = new EtcdServer(25379, 25380);
  before(async () => {
    await etcd.start();
  });
  after(async () => {
    await etcd.stop();
  });

  // Key sizes differ (8 and 9 bytes) so the two runs write disjoint keys.
  for (const [client, keySize] of [["h2", "8"], ["grpc-js", "9"]] as const) {
    test(`put --total 2000 --clients 10 writes 2000 keys and reports them (${client} client)`, async () => {
      const before = await etcdKeyCount(etcd.endpoint);
      const io = capture();
      const code = await runBenchCli(
        ["put", "--endpoints", etcd.endpoint, "--total", "2000", "--clients", "10", "--conns", "2", "--sequential-keys", "--key-size", keySize, "--key-space-size", "100000", "--client", client, "--json"],
        io,
      );
      assert.equal(code, 0, io.stderr);
      assert.equal(io.stdout.length, 1);
      const r = JSON.parse(io.stdout[0]!) as BenchJson;
      assert.equal(r.workload, "put");
      assert.equal(r.client, client);
      assert.equal(r.requests, 2000);
      assert.equal(r.ok, 2000);
      assert.equal(r.errors, 0);
      assert.deepEqual(r.errorsByCode, {});
      assert.equal(r.clients, 10);
      assert.equal(r.conns, 2);
      assert.ok(r.seconds > 0 && r.opsPerSecond > 0);
      assert.ok(Math.abs(r.opsPerSecond - r.ok / r.seconds) / r.opsPerSecond < 0.01, "ops/s = ok / seconds");
      const l = r.latencyMs;
      assert.ok(0 < l.min && l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l["p99.9"] && l["p99.9"] <= l.max, JSON.stringify(l));
      // Non-TTY progress: plain lines, the last one at 100 %.
      assert.match(io.stderr, /bench: 100% 2000 done, 0 errors/);
      // The writes really happened: an independent client sees exactly 2000 new distinct keys.
      assert.equal((await etcdKeyCount(etcd.endpoint)) - before, 2000);
    });
  }

  test("range and txn-put run; text report has the percentiles", async () => {
    const io = capture(true);
    assert.equal(await runBenchCli(["range", "--endpoints", etcd.endpoint, "--total", "300", "--clients", "5", "--consistency", "s"], io), 0, io.stderr);
    assert.match(io.stdout[0]!, /Requests:\s+300 \(300 ok, 0 errors\)/);
    assert.match(io.stdout[0]!, /p50 \d+\.\d{3}\s+p90 [\d.]+\s+p99 [\d.]+\s+p99\.9 [\d.]+\s+max [\d.]+/);
    assert.match(io.stderr, /\r\[#+\] 100%/, "a TTY gets a redrawn bar");

    const txn = capture();
    assert.equal(await runBenchCli(["txn-put", "--endpoints", etcd.endpoint, "--duration", "300ms", "--clients", "4", "--txn-ops", "2", "--json"], txn), 0);
    const r = JSON.parse(txn.stdout[0]!) as BenchJson;
    assert.ok(r.ok > 0 && r.errors === 0, JSON.stringify(r));
    assert.ok(r.seconds >= 0.3 && r.seconds < 5, `duration run took ${r.seconds} s`);
  });

  test("server errors are counted by gRPC code and message", async () => {
    const io = capture();
    // etcd refuses requests above --max-request-bytes (1.5 MiB by default).
    const code = await runBenchCli(["put", "--endpoints", etcd.endpoint, "--total", "3", "--val-size", "2000000", "--json"], io);
    assert.equal(code, 1, "no request succeeded");
    const r = JSON.parse(io.stdout[0]!) as BenchJson;
    assert.equal(r.ok, 0);
    assert.equal(r.errors, 3);
    assert.deepEqual(r.errorsByCode, { "INVALID_ARGUMENT: etcdserver: request is too large": 3 });
  });

  test("--rate limits the request rate", async () => {
    const io = capture();
    assert.equal(await runBenchCli(["put", "--endpoints", etcd.endpoint, "--total", "40", "--clients", "4", "--rate", "100", "--json"], io), 0);
    const r = JSON.parse(io.stdout[0]!) as BenchJson;
    // 40 requests at 100/s cannot finish in less than 0.39 s.
    assert.ok(r.seconds >= 0.38, `took ${r.seconds} s`);
    assert.ok(r.opsPerSecond <= 105, `ops/s ${r.opsPerSecond}`);
  });

  test("an unreachable endpoint exits 1 naming it", async () => {
    const io = capture();
    const code = await runBenchCli(["put", "--endpoints", "127.0.0.1:25399", "--total", "1", "--dial-timeout", "500ms"], io);
    assert.equal(code, 1);
    assert.match(io.stderr, /cannot connect to 127\.0\.0\.1:25399/);
  });
});

describe("trireme bench flag errors", () => {
  test("bad flags throw UsageError in-process", async () => {
    await assert.rejects(runBenchCli(["get"], capture()), (e: unknown) => e instanceof UsageError && /unknown subcommand "get"/.test(e.message));
    await assert.rejects(runBenchCli(["put", "--clients", "x"], capture()), UsageError);
    await assert.rejects(runBenchCli(["put", "--bogus"], capture()), (e: unknown) => e instanceof UsageError && /bogus/.test(e.message));
  });

  test("the binary exits 2 with usage for an unknown subcommand and bad numbers", { timeout: 60_000 }, () => {
    for (const args of [["bench", "frobnicate"], ["bench", "put", "--total", "many"], ["bench"]]) {
      const r = spawnSync(process.execPath, ["src/main.ts", ...args], { encoding: "utf8", timeout: 20_000 });
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /Usage: trireme bench <put\|range\|txn-put>/);
    }
  });
});
