// The client commands (`trireme put|get|del|txn|compact|status|members`) driven through
// main([...]) against the real client API server over a LocalBackend, as a user runs them.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KvBackend } from "../../src/api/backend.ts";
import { LocalBackend } from "../../src/api/local-backend.ts";
import { type ClientServer, startClientServer } from "../../src/api/server.ts";
import { Errors } from "../../src/kv/errors.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import type { InternalRequest } from "../../src/kv/types.ts";
import { main } from "../../src/main.ts";

const LIVE_PORT = 27001;
const SILENT_PORT = 27002; // accepts TCP, never speaks HTTP/2
const FLAKY_PORT = 27004; // a member whose writes and read barriers fail as the test says
const DOWN_PORT = 27099; // nothing listens here
const LIVE = `127.0.0.1:${LIVE_PORT}`;
const DOWN = `127.0.0.1:${DOWN_PORT}`;
const SILENT = `127.0.0.1:${SILENT_PORT}`;
const FLAKY = `127.0.0.1:${FLAKY_PORT}`;

/** A member that refuses writes and linearizable reads with a chosen etcd error (no leader,
 *  or a proposal that timed out), counting what reached it. */
class FlakyBackend implements KvBackend {
  writeError: (() => Error) | null = null;
  barrierError: (() => Error) | null = null;
  writes = 0;
  barriers = 0;
  constructor(private readonly inner: LocalBackend) {}
  get store() {
    return this.inner.store;
  }
  write(req: InternalRequest) {
    this.writes++;
    return this.writeError ? Promise.reject(this.writeError()) : this.inner.write(req);
  }
  readBarrier() {
    this.barriers++;
    return this.barrierError ? Promise.reject(this.barrierError()) : Promise.resolve();
  }
  header() {
    return this.inner.header();
  }
  status() {
    return this.inner.status();
  }
  members() {
    return this.inner.members();
  }
}
const MEMBER_ID = 0xabc123;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs main() with console.log/console.error captured (restored before returning). */
async function cli(...args: string[]): Promise<Run> {
  const out: string[] = [], err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(" "));
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(" "));
  try {
    const code = await main(args);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** `cli` against the live server. */
const at = (...args: string[]) => cli(...args, "--endpoints", LIVE);

/** The real binary entry point as a child process, for stdin input. */
function spawnCli(args: string[], input: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "src", "main.ts"), ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

function ok(r: Run): string {
  assert.equal(r.code, 0, `exit ${r.code}; stderr: ${r.stderr}`);
  return r.stdout;
}

describe("trireme client commands", () => {
  let dir: string;
  let store: MvccStore;
  let server: ClientServer;
  let silent: Server;
  let flakyStore: MvccStore;
  let flakyServer: ClientServer;
  let flaky: FlakyBackend;
  const sockets = new Set<Socket>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "trireme-cli-client-"));
    store = MvccStore.open(join(dir, "kv.db"));
    const backend = new LocalBackend(store, {
      clusterId: 0x5eed,
      memberId: MEMBER_ID,
      name: "n-one",
      clientURL: `http://${LIVE}`,
      peerURL: "http://127.0.0.1:27003",
      version: "3.5.0",
    });
    server = await startClientServer({ address: LIVE, backend, limits: { max_request_bytes: 64 * 1024, max_txn_ops: 16 } });
    silent = createServer((s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => silent.listen(SILENT_PORT, "127.0.0.1", resolve));
    flakyStore = MvccStore.open(join(dir, "flaky.db"));
    flaky = new FlakyBackend(new LocalBackend(flakyStore, { memberId: 2 }));
    flakyServer = await startClientServer({ address: FLAKY, backend: flaky, limits: { max_request_bytes: 64 * 1024, max_txn_ops: 16 } });
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await server.close(500);
    await flakyServer.close(500);
    store.close();
    flakyStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("put prints OK; get prints the key line then the value line", async () => {
    assert.equal(ok(await at("put", "greeting", "hello world")), "OK");
    assert.equal(ok(await at("get", "greeting")), "greeting\nhello world");
    // A missing key prints nothing and is not an error (etcdctl does the same).
    assert.equal(ok(await at("get", "no-such-key")), "");
  });

  test("put --prev-kv prints the pair it replaced; UTF-8 round-trips", async () => {
    ok(await at("put", "ключ", "значение ✓"));
    assert.equal(ok(await at("put", "ключ", "new", "--prev-kv")), "OK\nключ\nзначение ✓");
    assert.equal(ok(await at("get", "ключ")), "ключ\nnew");
    // A value that looks like a flag goes after "--".
    assert.equal(ok(await cli("put", "--endpoints", LIVE, "negative", "--", "-1")), "OK");
    assert.equal(ok(await at("get", "negative")), "negative\n-1");
  });

  test("get --prefix, RANGE_END, --from-key, --limit, --keys-only, --count-only, sorting", async () => {
    for (const [k, v] of [["fruit/apple", "3"], ["fruit/banana", "1"], ["fruit/cherry", "2"], ["fruitz", "x"]]) {
      ok(await at("put", k, v));
    }
    assert.equal(ok(await at("get", "fruit/", "--prefix", "--keys-only")), "fruit/apple\nfruit/banana\nfruit/cherry");
    assert.equal(ok(await at("get", "fruit/apple", "fruit/cherry", "--keys-only")), "fruit/apple\nfruit/banana");
    assert.equal(ok(await at("get", "fruit/cherry", "--from-key", "--keys-only", "--limit", "2")), "fruit/cherry\nfruitz");
    assert.equal(ok(await at("get", "fruit/", "--prefix", "--count-only")), "3");
    assert.equal(ok(await at("get", "fruit/", "--prefix", "--sort-by", "value")), "fruit/banana\n1\nfruit/cherry\n2\nfruit/apple\n3");
    assert.equal(
      ok(await at("get", "fruit/", "--prefix", "--sort-by", "key", "--order", "desc", "--keys-only")),
      "fruit/cherry\nfruit/banana\nfruit/apple",
    );
    assert.equal(ok(await at("get", "fruit/", "--prefix", "--consistency", "s", "--limit", "1")), "fruit/apple\n3");
  });

  test("get --json is etcdctl's -w json shape: snake_case, base64, more and count", async () => {
    const json = JSON.parse(ok(await at("get", "fruit/", "--prefix", "--limit", "2", "--json")));
    assert.equal(json.header.member_id, MEMBER_ID);
    assert.equal(json.header.cluster_id, 0x5eed);
    assert.equal(json.more, true);
    assert.equal(json.count, 3);
    assert.deepEqual(json.kvs.map((kv: { key: string }) => Buffer.from(kv.key, "base64").toString()), ["fruit/apple", "fruit/banana"]);
    const first = json.kvs[0];
    assert.equal(Buffer.from(first.value, "base64").toString(), "3");
    assert.equal(first.version, 1);
    assert.ok(first.create_revision > 0 && first.mod_revision === first.create_revision);
  });

  test("get --rev reads history; compact REV discards it with etcd's error", async () => {
    const put1 = JSON.parse(ok(await at("put", "hist", "v1", "--json")));
    ok(await at("put", "hist", "v2"));
    const rev1 = put1.header.revision as number;
    assert.equal(ok(await at("get", "hist", "--rev", String(rev1))), "hist\nv1");
    assert.equal(ok(await at("get", "hist")), "hist\nv2");
    assert.equal(ok(await at("compact", String(rev1 + 1))), `compacted revision ${rev1 + 1}`);
    const old = await at("get", "hist", "--rev", String(rev1));
    assert.equal(old.code, 1);
    assert.equal(old.stderr, "Error: etcdserver: mvcc: required revision has been compacted");
    assert.equal(old.stdout, "");
    const future = await at("get", "hist", "--rev", "999999");
    assert.equal(future.code, 1);
    assert.equal(future.stderr, "Error: etcdserver: mvcc: required revision is a future revision");
  });

  test("del prints the number deleted; --prefix and --prev-kv", async () => {
    for (const k of ["tmp/a", "tmp/b", "tmp/c"]) ok(await at("put", k, `val-${k}`));
    assert.equal(ok(await at("del", "tmp/a")), "1");
    assert.equal(ok(await at("del", "tmp/a")), "0");
    assert.equal(ok(await at("del", "tmp/", "--prefix", "--prev-kv")), "2\ntmp/b\nval-tmp/b\ntmp/c\nval-tmp/c");
    assert.equal(ok(await at("get", "tmp/", "--prefix")), "");
  });

  test("txn from a JSON file: SUCCESS runs success ops, FAILURE runs failure ops", async () => {
    ok(await at("put", "lock", "free"));
    const file = join(dir, "cas.json");
    const cas = (expect: string) => ({
      compare: [{ key: "lock", target: "value", result: "=", value: expect }, { key: "lock", target: "version", result: ">", value: 0 }],
      success: [{ put: { key: "lock", value: "taken", prev_kv: true } }, { get: { key: "lock" } }, { del: { key: "nothing" } }],
      failure: [{ get: { key: "lock" } }],
    });
    writeFileSync(file, JSON.stringify(cas("free")));
    assert.equal(ok(await at("txn", "--file", file)), "SUCCESS\n\nOK\nlock\nfree\n\nlock\ntaken\n\n0");
    // The same compare now fails: the lock is taken.
    assert.equal(ok(await at("txn", file)), "FAILURE\n\nlock\ntaken");
    const json = JSON.parse(ok(await at("txn", "--file", file, "--json")));
    assert.equal(json.succeeded, undefined, "omitempty: a failed txn has no succeeded field, as in etcdctl");
    assert.equal(Buffer.from(json.responses[0].response_range.kvs[0].value, "base64").toString(), "taken");
  });

  test("txn: compares on create/mod revision and a nested txn", async () => {
    const file = join(dir, "nested.json");
    writeFileSync(
      file,
      JSON.stringify({
        compare: [{ key: "never-written", target: "create", result: "=", value: 0 }, { key: "lock", target: "mod", result: "!=", value: 0 }],
        success: [{ txn: { compare: [{ key: "lock", target: "value", result: "<", value: "z" }], success: [{ put: { key: "nested", value: "yes" } }] } }],
      }),
    );
    assert.equal(ok(await at("txn", "--file", file)), "SUCCESS\n\nSUCCESS\n\nOK");
    assert.equal(ok(await at("get", "nested")), "nested\nyes");
  });

  test("txn: a malformed file is a usage error naming the place of the mistake", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ success: [{ put: { key: "a" } }] }));
    const r = await at("txn", "--file", file);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.json: success\[0\]\.put\.value: expected a string/);
    writeFileSync(file, JSON.stringify({ compare: [{ key: "a", target: "version", result: "=~", value: 1 }] }));
    assert.match((await at("txn", file)).stderr, /compare\[0\]\.result: expected "=", "!=", "<" or ">", got "=~"/);
    writeFileSync(file, "{not json");
    assert.match((await at("txn", file)).stderr, /not valid JSON/);
    const missing = await at("txn", "--file", join(dir, "missing.json"));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read the transaction from .*missing\.json/);
  });

  test("status prints etcdctl's endpoint status table; --json its JSON", async () => {
    const table = ok(await at("status"));
    const lines = table.split("\n");
    assert.match(lines[1], /\|\s+ENDPOINT\s+\|\s+ID\s+\|\s+VERSION\s+\|\s+DB SIZE\s+\|\s+IS LEADER\s+\|/);
    const cells = lines[3].split("|").map((c) => c.trim()).filter((c) => c !== "");
    assert.deepEqual(cells.slice(0, 3), [LIVE, "abc123", "3.5.0"]);
    assert.match(cells[3], /^\d+(\.\d)? (B|kB|MB)$/);
    assert.deepEqual(cells.slice(4, 7), ["true", "false", "1"]);
    assert.equal(cells[7], String(store.appliedIndex));
    const [s] = JSON.parse(ok(await at("status", "--json")));
    assert.equal(s.Endpoint, LIVE);
    assert.equal(s.Status.leader, MEMBER_ID);
    assert.equal(s.Status.raftAppliedIndex, store.appliedIndex);
    assert.ok(s.Status.dbSize > 0);
  });

  test("members prints id (hex), name, peer and client URLs, learner", async () => {
    const lines = ok(await at("members")).split("\n");
    assert.match(lines[1], /ID\s+\|\s+NAME\s+\|\s+PEER ADDRS\s+\|\s+CLIENT ADDRS\s+\|\s+IS LEARNER/);
    const cells = lines[3].split("|").map((c) => c.trim()).filter((c) => c !== "");
    assert.deepEqual(cells, ["abc123", "n-one", "http://127.0.0.1:27003", `http://${LIVE}`, "false"]);
    const json = JSON.parse(ok(await at("members", "--json")));
    assert.deepEqual(json.members, [{ ID: MEMBER_ID, name: "n-one", peerURLs: ["http://127.0.0.1:27003"], clientURLs: [`http://${LIVE}`] }]);
  });

  test("an empty key gets etcd's message on stderr and exit status 1", async () => {
    const r = await at("put", "", "v");
    assert.deepEqual(r, { code: 1, stdout: "", stderr: "Error: etcdserver: key is not provided" });
    assert.equal((await at("get", "")).stderr, "Error: etcdserver: key is not provided");
  });

  test("bad flags and arguments exit 2 with the command's usage", async () => {
    const unknown = await at("get", "k", "--bogus");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^trireme get: Unknown option '--bogus'/);
    assert.match(unknown.stderr, /Usage: trireme get KEY \[RANGE_END\]/);
    for (const args of [
      ["put", "only-key"],
      ["get", "k", "--limit", "-1"],
      ["get", "k", "--limit", "ten"],
      ["get", "k", "--consistency", "x"],
      ["get", "k", "--sort-by", "size"],
      ["get", "k", "z", "--prefix"],
      ["del", "k", "--prefix", "--from-key"],
      ["compact", "0"],
      ["txn"],
      ["status", "extra"],
    ]) {
      const r = await at(...args);
      assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}, stderr ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`Usage: trireme ${args[0]}`));
    }
    for (const endpoints of ["nohost", "127.0.0.1:99999", "https://127.0.0.1", ","]) {
      const r = await cli("get", "k", "--endpoints", endpoints);
      assert.equal(r.code, 2, `--endpoints ${endpoints}`);
      assert.match(r.stderr, /--endpoints/);
    }
    assert.equal((await cli("get", "k", "--timeout", "0")).code, 2);
  });

  test("-h prints the command's usage and exits 0", async () => {
    const r = await cli("txn", "--help");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: trireme txn --file F/);
    assert.match(r.stdout, /"compare"/);
  });

  test("a down endpoint followed by a live one: the live one answers", async () => {
    ok(await at("put", "failover", "works"));
    const r = await cli("get", "failover", "--endpoints", `${DOWN},${LIVE}`);
    assert.equal(ok(r), "failover\nworks");
    assert.equal(ok(await cli("put", "failover", "again", "--endpoints", `http://${DOWN},http://${LIVE}`)), "OK");
  });

  test("only down endpoints: exit 1 naming each", async () => {
    const one = await cli("get", "k", "--endpoints", DOWN);
    assert.equal(one.code, 1);
    assert.match(one.stderr, new RegExp(`^Error: cannot reach ${DOWN}: `));
    const two = await cli("get", "k", "--endpoints", `${DOWN},127.0.0.1:27098`);
    assert.equal(two.code, 1);
    assert.match(two.stderr, /^Error: no endpoint answered: cannot reach 127\.0\.0\.1:27099: .*; cannot reach 127\.0\.0\.1:27098: /);
  });

  test("a write moves on only when it could not connect, never after the member answered", async () => {
    const both = ["--endpoints", `${FLAKY},${LIVE}`];
    // The member may have proposed it (timed out) or forwarded it (no leader): it may still
    // commit there, and sending it to the next endpoint could apply it twice.
    for (const [error, message] of [[Errors.timeout, "etcdserver: request timed out"], [Errors.noLeader, "etcdserver: no leader"]] as const) {
      flaky.writeError = error;
      const before = flaky.writes;
      const r = await cli("put", "maybe-applied", "1", ...both);
      assert.deepEqual(r, { code: 1, stdout: "", stderr: `Error: ${message}` });
      assert.equal(flaky.writes, before + 1, "the first endpoint was asked");
      assert.equal(ok(await at("get", "maybe-applied")), "", "the write was not sent to the next endpoint");
    }
    const txnFile = join(dir, "write-txn.json");
    writeFileSync(txnFile, JSON.stringify({ success: [{ get: { key: "x" } }, { put: { key: "maybe-applied", value: "2" } }] }));
    assert.equal((await cli("txn", txnFile, ...both)).stderr, "Error: etcdserver: no leader");
    flaky.writeError = null;
  });

  test("a linearizable read moves on after any unavailable answer", async () => {
    ok(await at("put", "read-me", "from-live"));
    flaky.barrierError = Errors.timeout;
    const before = flaky.barriers;
    assert.equal(ok(await cli("get", "read-me", "--endpoints", `${FLAKY},${LIVE}`)), "read-me\nfrom-live");
    const txnFile = join(dir, "read-txn.json");
    writeFileSync(txnFile, JSON.stringify({ success: [{ get: { key: "read-me" } }] }));
    assert.equal(ok(await cli("txn", txnFile, "--endpoints", `${FLAKY},${LIVE}`)), "SUCCESS\n\nread-me\nfrom-live");
    assert.equal(flaky.barriers, before + 2);
    flaky.barrierError = null;
  });

  test("--timeout bounds a call to an endpoint that never answers", async () => {
    const t0 = performance.now();
    const r = await cli("get", "k", "--endpoints", SILENT, "--timeout", "300");
    const elapsed = performance.now() - t0;
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `Error: no answer from ${SILENT} within 300 ms (raise --timeout)`);
    assert.ok(elapsed >= 250 && elapsed < 5000, `took ${elapsed.toFixed(0)} ms`);
  });

  test("status asks every endpoint: rows for the live, stderr and exit 1 for the down", async () => {
    const r = await cli("status", "--endpoints", `${DOWN},${LIVE}`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^Failed to get the status of endpoint ${DOWN} \\(`));
    const rows = r.stdout.split("\n").filter((l) => l.startsWith("| 127."));
    assert.equal(rows.length, 1);
    assert.match(rows[0], new RegExp(`^\\| ${LIVE} \\|\\s+abc123 \\|`));
  });

  test("put KEY - reads the value from stdin; txn - reads the transaction from stdin (real process)", async () => {
    const put = await spawnCli(["put", "from-stdin", "-", "--endpoints", LIVE], "line one\nline two\n");
    assert.equal(put.code, 0, put.stderr);
    assert.equal(put.stdout, "OK\n");
    const json = JSON.parse(ok(await at("get", "from-stdin", "--json")));
    assert.equal(Buffer.from(json.kvs[0].value, "base64").toString(), "line one\nline two\n");
    const txn = await spawnCli(
      ["txn", "-", "--endpoints", LIVE],
      JSON.stringify({ compare: [{ key: "from-stdin", target: "version", result: "=", value: 1 }], success: [{ get: { key: "from-stdin" } }] }),
    );
    assert.equal(txn.code, 0, txn.stderr);
    assert.equal(txn.stdout, "SUCCESS\n\nfrom-stdin\nline one\nline two\n\n");
    const bad = await spawnCli(["put", "", "v", "--endpoints", LIVE], "");
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, "Error: etcdserver: key is not provided\n");
  });
});
