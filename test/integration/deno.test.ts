// trireme on Deno: the same member processes, started with `deno run` (node_modules/.bin/deno)
// instead of Bun, driven by etcdctl. SQLite goes through node:sqlite there and the log writer and
// kv checkpointer through node:worker_threads, so these tests are the only ones that run those
// adapters inside a real member. The test process itself runs on bun; only the members are Deno.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memberCommand, memberPort, startMember, writeClusterConfigs } from "../../scripts/cluster.ts";
import { ETCDCTL, etcdctlOk, requireEtcdctl, TEST_TIMEOUT, waitUntil, type MemberStatus } from "./harness.ts";

const SINGLE_PORT = 26200;
const CLUSTER_PORT = 26100;
/** SIGTERM grace before SIGKILL: `after` must finish within bun's fixed 5 s hook timeout. */
const STOP_GRACE_MS = 3_000;

function requireDeno(): void {
  const { cmd } = memberCommand("deno");
  if (!existsSync(cmd)) throw new Error(`${cmd} is missing: the pinned Deno comes with the npm devDependency "deno" (run npm ci)`);
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Proc {
  child: ChildProcess;
  exit?: Exit;
  exited: Promise<Exit>;
}

/** Members of one cluster running on Deno, with their output kept for assertions and failure messages. */
class DenoMembers {
  readonly dir = mkdtempSync(join(tmpdir(), "trireme-it-deno-"));
  readonly lines = new Map<number, string[]>();
  private readonly procs = new Map<number, Proc>();
  private readonly files: string[];
  private readonly onExit = () => {
    for (const p of this.procs.values()) p.child.kill("SIGKILL");
  };

  constructor(readonly basePort: number, nodes: number, strategy: "mem" | "disk") {
    this.files = writeClusterConfigs({ nodes, strategy, basePort, dir: this.dir, deployment: nodes === 1 ? "single" : "cloud-3", network: "lan" });
    // A test process that dies must not leave members running on the shared machine.
    process.on("exit", this.onExit);
  }

  get ids(): number[] {
    return this.files.map((_, i) => i + 1);
  }

  running(): number[] {
    return this.ids.filter((id) => this.procs.has(id) && this.procs.get(id)!.exit === undefined);
  }

  start(id: number): void {
    const lines = this.lines.get(id) ?? [];
    this.lines.set(id, lines);
    const child = startMember(id, this.files[id - 1]!, join(this.dir, `node-${id}.log`), (_id, line) => lines.push(line), "deno");
    let exited!: (e: Exit) => void;
    const proc: Proc = { child, exited: new Promise((r) => (exited = r)) };
    child.on("exit", (code, signal) => exited((proc.exit = { code, signal })));
    this.procs.set(id, proc);
  }

  /** What the member's process runs (from /proc), to show the test really runs Deno. */
  executable(id: number): string {
    return readlinkSync(`/proc/${this.proc(id).child.pid}/exe`);
  }

  /** SIGKILLs member `id` (a crash) and waits until it is gone. */
  async kill(id: number): Promise<void> {
    const p = this.proc(id);
    p.child.kill("SIGKILL");
    await p.exited;
  }

  /** SIGTERMs member `id`, SIGKILLs it after `graceMs`; resolves with how it exited. */
  async stop(id: number, graceMs = STOP_GRACE_MS): Promise<Exit> {
    const p = this.proc(id);
    if (p.exit !== undefined) return p.exit;
    p.child.kill("SIGTERM");
    const timer = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
    const exit = await p.exited;
    clearTimeout(timer);
    return exit;
  }

  async destroy(): Promise<void> {
    await Promise.all(this.running().map((id) => this.stop(id)));
    process.off("exit", this.onExit);
    if (process.env.TRIREME_KEEP_IT_DIRS === undefined) rmSync(this.dir, { recursive: true, force: true });
  }

  endpoint(id: number): string {
    return `127.0.0.1:${memberPort(this.basePort, id)}`;
  }

  async status(id: number): Promise<MemberStatus> {
    const out = await etcdctlOk(this.endpoint(id), ["endpoint", "status", "-w", "json"]);
    return (JSON.parse(out) as { Status: MemberStatus }[])[0]!.Status;
  }

  /** Waits until the members in `among` agree on a leader that is one of them; returns it. */
  async waitForLeader(among: readonly number[], timeoutMs = 15_000): Promise<number> {
    return waitUntil(`a leader agreed on by members ${among.join(", ")}`, timeoutMs, async () => {
      const s = await Promise.all(among.map((id) => this.status(id)));
      const leader = s[0]!.leader;
      return leader !== 0 && among.includes(leader) && s.every((x) => x.leader === leader && x.raftTerm === s[0]!.raftTerm) ? leader : undefined;
    }, () => this.tails());
  }

  tails(n = 12): string {
    return this.ids
      .map((id) => {
        const p = this.procs.get(id);
        const state = p === undefined ? "never started" : p.exit === undefined ? "running" : `exited ${JSON.stringify(p.exit)}`;
        return `--- member ${id} (${state}), last ${n} lines:\n` + (this.lines.get(id) ?? []).slice(-n).map((l) => `  ${l}`).join("\n");
      })
      .join("\n");
  }

  private proc(id: number): Proc {
    const p = this.procs.get(id);
    if (p === undefined) throw new Error(`member ${id} was never started`);
    return p;
  }
}

/** A long-running `etcdctl watch --prefix`; `out` grows as events arrive ("PUT\nkey\nvalue" each).
 *  It starts from revision 1, so a put made before etcdctl's watch is registered is still seen
 *  (replayed) instead of racing it; later events arrive live. */
class Watch {
  out = "";
  private readonly child: ChildProcess;

  constructor(endpoint: string, prefix: string) {
    this.child = spawn(ETCDCTL, [`--endpoints=${endpoint}`, "watch", "--prefix", prefix, "--rev=1"], {
      env: { ...process.env, ETCDCTL_API: "3" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (d: Buffer) => (this.out += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.out += d.toString()));
  }

  async sees(text: string, timeoutMs = 10_000): Promise<void> {
    await waitUntil(`etcdctl watch to print ${JSON.stringify(text)}`, timeoutMs, () => (this.out.includes(text) ? true : undefined), () => `watch output:\n${this.out}`);
  }

  stop(): void {
    this.child.kill("SIGKILL");
  }
}

/** Lines a Deno runtime error leaves on stderr (an uncaught error in a worker among them). */
const uncaught = (lines: readonly string[]) => lines.filter((l) => l.startsWith("error: Uncaught"));

describe("one member on Deno (DiskFirst)", () => {
  let m: DenoMembers | undefined;
  let watch: Watch | undefined;

  before(() => {
    requireEtcdctl();
    requireDeno();
    m = new DenoMembers(SINGLE_PORT, 1, "disk");
    m.start(1);
  });
  after(async () => {
    watch?.stop();
    await m?.destroy();
  });

  test("serves put, get and watch; a SIGTERM stops it cleanly; a restart reads its data back", TEST_TIMEOUT, async () => {
    const c = m!;
    assert.match(c.executable(1), /deno$/, "the member runs on the Deno binary");
    await c.waitForLeader([1], 20_000);
    watch = new Watch(c.endpoint(1), "d/");
    await etcdctlOk(c.endpoint(1), ["put", "d/greeting", "hello"]);
    assert.equal(await etcdctlOk(c.endpoint(1), ["get", "d/greeting", "--print-value-only"]), "hello\n");
    await watch.sees("PUT\nd/greeting\nhello");

    const exit = await c.stop(1, 10_000);
    assert.deepEqual(exit, { code: 0, signal: null }, c.tails());
    // The writer and checkpoint workers close their end of the channel on the way out: on Deno that
    // used to throw "port.close is not a function" in each worker.
    assert.deepEqual(uncaught(c.lines.get(1)!), [], c.tails());

    c.start(1);
    await c.waitForLeader([1], 20_000);
    assert.equal(await etcdctlOk(c.endpoint(1), ["get", "d/greeting", "--print-value-only"]), "hello\n");
  });
});

describe("three members on Deno", () => {
  let m: DenoMembers | undefined;
  let watch: Watch | undefined;

  before(() => {
    requireEtcdctl();
    requireDeno();
    m = new DenoMembers(CLUSTER_PORT, 3, "mem");
    for (const id of m.ids) m.start(id);
  });
  after(async () => {
    watch?.stop();
    await m?.destroy();
  });

  test("etcdctl put, get and watch; the leader's crash elects another and the crashed member catches up", TEST_TIMEOUT, async () => {
    const c = m!;
    for (const id of c.ids) assert.match(c.executable(id), /deno$/, `member ${id} runs on the Deno binary`);
    const leader = await c.waitForLeader(c.ids, 20_000);
    const follower = c.ids.find((id) => id !== leader)!;
    const all = c.ids.map((id) => c.endpoint(id)).join(",");

    // A watch on a follower, fed by what the leader commits, across the leader's crash.
    watch = new Watch(c.endpoint(follower), "k/");
    await etcdctlOk(c.endpoint(leader), ["put", "k/a", "1"]);
    await watch.sees("PUT\nk/a\n1");
    assert.equal(await etcdctlOk(all, ["get", "k/a", "--print-value-only"]), "1\n");

    await c.kill(leader);
    const survivors = c.ids.filter((id) => id !== leader);
    const next = await c.waitForLeader(survivors, 15_000);
    assert.notEqual(next, leader);
    const surviving = survivors.map((id) => c.endpoint(id)).join(",");
    await etcdctlOk(surviving, ["put", "k/b", "2"]);
    assert.equal(await etcdctlOk(surviving, ["get", "k/b", "--print-value-only"]), "2\n");
    await watch.sees("PUT\nk/b\n2");

    c.start(leader);
    const applied = (await c.status(next)).raftAppliedIndex;
    await waitUntil(`member ${leader} to catch up to index ${applied}`, 15_000, async () => ((await c.status(leader)).raftAppliedIndex >= applied ? true : undefined), () => c.tails());
    const back = JSON.parse(await etcdctlOk(c.endpoint(leader), ["get", "k/", "--prefix", "--consistency=s", "-w", "json"])) as { kvs?: unknown[] };
    assert.equal(back.kvs?.length, 2, "the restarted member holds both keys");
  });

  // Under grpc-js, Deno's node:http2 aborted the peers of a member stopped this way (nghttp2
  // find_stream_on_goaway_func assertion, denoland/deno#36788); the planes now run on our own layer.
  test("a member stopped with SIGTERM exits 0, the other two keep serving, and it rejoins when started again", TEST_TIMEOUT, async () => {
    const c = m!;
    const leader = await c.waitForLeader(c.running(), 15_000);
    const victim = c.running().find((id) => id !== leader)!;
    // Peer traffic before the stop, so that the connections it closes carried streams.
    for (let i = 0; i < 20; i++) await etcdctlOk(c.endpoint(leader), ["put", `s/${i}`, String(i)]);
    assert.deepEqual(await c.stop(victim, 10_000), { code: 0, signal: null }, c.tails());
    const rest = c.running();
    assert.equal(rest.length, 2, `both other members still run\n${c.tails()}`);
    const now = await c.waitForLeader(rest, 15_000);
    await etcdctlOk(rest.map((id) => c.endpoint(id)).join(","), ["put", "s/after", "ok"]);

    c.start(victim);
    const applied = (await c.status(now)).raftAppliedIndex;
    await waitUntil(`member ${victim} to catch up to index ${applied}`, 15_000, async () => ((await c.status(victim)).raftAppliedIndex >= applied ? true : undefined), () => c.tails());
    assert.equal(await etcdctlOk(c.endpoint(victim), ["get", "s/after", "--consistency=s", "--print-value-only"]), "ok\n");
    for (const id of c.ids) assert.deepEqual(uncaught(c.lines.get(id)!), [], `member ${id} printed no uncaught error\n${c.tails()}`);
  });
});
