// Real trireme clusters for the integration tests: N member processes on 127.0.0.1 in a temp dir,
// started through scripts/cluster.ts, driven by etcdctl (Debian's etcd-client) and the etcd3 npm
// client. Every wait is bounded and, on timeout, says what it waited for and shows the members'
// log tails, so a red test explains itself.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { after, before } from "node:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// cockatiel is etcd3's fault-handling library (its dependency, hoisted); etcd3's docs disable retries with its noop.
import { noop } from "cockatiel";
import { Etcd3 } from "etcd3";
import { memberPort, startMember as spawnMember, writeClusterConfigs } from "../../scripts/cluster.ts";
import { parseConfig } from "../../src/config/load.ts";
import { presetConfig } from "../../src/config/presets.ts";
import { renderConfig } from "../../src/config/render.ts";
import type { Config } from "../../src/config/types.ts";

/** etcdctl to run: $TRIREME_ETCDCTL, else Debian's /usr/bin/etcdctl, else the one on PATH. */
export const ETCDCTL = process.env.TRIREME_ETCDCTL ?? (existsSync("/usr/bin/etcdctl") ? "/usr/bin/etcdctl" : "etcdctl");

/** Throws an actionable error when etcdctl is missing: these tests need etcd's own client. */
export function requireEtcdctl(): void {
  const r = spawnSync(ETCDCTL, ["version"], { encoding: "utf8", env: { ...process.env, ETCDCTL_API: "3" } });
  if (r.error || r.status !== 0) {
    throw new Error(
      `etcdctl (API v3) not found (tried "${ETCDCTL}"): the integration tests drive trireme with etcd's own CLI. Install Debian's ` +
        "etcd-client (apt-get update && apt-get install -y etcd-client); .ci/run does this.",
    );
  }
}

export interface CtlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a child process to its end without blocking the loop; resolves with its exit code and output. */
export function runProcess(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer } = {}): Promise<CtlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}

/** Runs `etcdctl` (API v3) against `endpoints` ("host:port[,host:port...]") without blocking the loop. */
export function etcdctl(endpoints: string, args: readonly string[], input?: string | Buffer): Promise<CtlResult> {
  return runProcess(ETCDCTL, [`--endpoints=${endpoints}`, "--dial-timeout=2s", "--command-timeout=8s", ...args], {
    env: { ...process.env, ETCDCTL_API: "3" },
    ...(input === undefined ? {} : { input }),
  });
}

/** Like `etcdctl` but throws (with etcdctl's stderr) unless it exits 0; returns stdout. */
export async function etcdctlOk(endpoints: string, args: readonly string[], input?: string | Buffer): Promise<string> {
  const r = await etcdctl(endpoints, args, input);
  if (r.code !== 0) throw new Error(`etcdctl --endpoints=${endpoints} ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** The "Error: ..." line etcdctl printed last (warnings and retries come before it). */
export function errorLine(r: CtlResult): string {
  return r.stderr.trim().split("\n").filter((l) => l.startsWith("Error:")).pop() ?? r.stderr.trim();
}

/** An etcd3 client without retries or circuit breakers: a call that returns is exactly one attempt. */
export function etcd3Client(hosts: string | string[], deadlineMs = 8000): Etcd3 {
  return new Etcd3({
    hosts,
    dialTimeout: 3000,
    defaultCallOptions: () => ({ deadline: Date.now() + deadlineMs }),
    faultHandling: { host: () => noop, global: noop },
  });
}

/** `etcdctl endpoint status -w json`'s Status for one member (numbers as etcdctl prints them). */
export interface MemberStatus {
  header: { cluster_id: number; member_id: number; revision: number; raft_term: number };
  version: string;
  dbSize: number;
  leader: number;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
}

export interface LogLine {
  /** Which start of the member printed it (1 for the first). */
  run: number;
  raw: string;
  /** The parsed JSON object, when the line is one. */
  json?: Record<string, unknown>;
}

export interface ClusterSpec {
  /** First port of this cluster; member i uses basePort + 10*(i-1) .. +4. */
  basePort: number;
  nodes?: number;
  strategy?: "mem" | "disk";
  snapshotEntries?: number;
  /** Edits each member's config before it is re-rendered (e.g. snapshot_catchup_entries). */
  tweak?: (config: Config, id: number) => void;
}

interface Member {
  id: number;
  configFile: string;
  logFile: string;
  lines: LogLine[];
  runs: number;
  child?: ChildProcess;
  exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Per-test timeout: bun's hook timeout is a fixed 5 s (only `bun test --timeout` changes it, not
 *  bunfig), so hooks only spawn and stop, tests wait. When a test or hook times out, bun kills the
 *  member processes still running ("killed N dangling processes"), so the tests after it fail
 *  with ECONNREFUSED: read the first failure. (Debian's etcdctl is 3.4, without `get
 *  --count-only`: tests count `kvs`.) */
export const TEST_TIMEOUT = { timeout: 60_000 };

/** How long a SIGTERMed member may take to exit before it is SIGKILLed. Short enough that `after`
 *  (5 s under bun) stays within its limit; tests that assert a clean exit pass a longer one. */
const STOP_GRACE_MS = 3_000;

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, explain?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `\nlast error: ${lastError.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}${explain ? "\n" + explain() : ""}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The full-disk reserve of test members: the default (5 % of /tmp's filesystem, 64 MiB here)
 *  written by each of the hundreds of members the suite starts costs the shared machine for
 *  nothing; the disk-full test sets -1 (the default) for the member it fills. */
export const TEST_SPACE_RESERVE_MIB = 1;

export class TestCluster {
  readonly dir: string;
  private readonly members: Map<number, Member>;
  private readonly basePort: number;
  private readonly onExit = () => {
    for (const m of this.members.values()) m.child?.kill("SIGKILL");
  };

  private constructor(dir: string, basePort: number, members: Member[]) {
    this.dir = dir;
    this.basePort = basePort;
    this.members = new Map(members.map((m) => [m.id, m]));
    // A test process that dies must not leave members running on the shared machine.
    process.on("exit", this.onExit);
  }

  /** Writes the configs into a fresh temp dir and starts every member (does not wait for a leader). */
  static start(spec: ClusterSpec): TestCluster {
    const dir = mkdtempSync(join(tmpdir(), "trireme-it-"));
    const files = writeClusterConfigs({
      nodes: spec.nodes ?? 3,
      strategy: spec.strategy ?? "mem",
      basePort: spec.basePort,
      dir,
      deployment: "cloud-3",
      network: "lan",
      ...(spec.snapshotEntries !== undefined ? { snapshotEntries: spec.snapshotEntries } : {}),
    });
    files.forEach((file, i) => {
      const config = parseConfig(readFileSync(file, "utf8"), file);
      config.limits.space_reserve_mib = TEST_SPACE_RESERVE_MIB;
      spec.tweak?.(config, i + 1);
      writeFileSync(file, renderConfig(config, { header: [`integration test member ${i + 1}`] }));
    });
    const members = files.map((configFile, i) => ({ id: i + 1, configFile, logFile: join(dir, `node-${i + 1}.log`), lines: [], runs: 0 }));
    const cluster = new TestCluster(dir, spec.basePort, members);
    for (const id of cluster.ids) cluster.startMember(id);
    return cluster;
  }

  /** Every member's id, those added with addMember included. */
  get ids(): number[] {
    return [...this.members.keys()];
  }

  /**
   * Writes the config of a member joining this running cluster (after `member add`): the same
   * port layout, [cluster] initial_state = "existing", the persistence strategy of member 1.
   * Start it with startMember(id).
   */
  addMember(id: number, tweak?: (config: Config) => void): Config {
    if (this.members.has(id)) throw new Error(`member ${id} already exists`);
    const all = [...this.ids, id].sort((a, b) => a - b).map((m) => ({ id: m, host: "127.0.0.1", basePort: memberPort(this.basePort, m) }));
    const { config, reasons } = presetConfig({
      deployment: "cloud-3",
      network: "lan",
      members: all,
      nodeId: id,
      dataDir: `node-${id}`,
      clusterName: this.config(this.ids[0]!).cluster.name,
      initialState: "existing",
    });
    config.raft.persistence.strategy = this.config(this.ids[0]!).raft.persistence.strategy;
    config.limits.space_reserve_mib = TEST_SPACE_RESERVE_MIB;
    tweak?.(config);
    const configFile = join(this.dir, `node-${id}.toml`);
    writeFileSync(configFile, renderConfig(config, { reasons, header: [`integration test member ${id}, joining a running cluster`] }));
    this.members.set(id, { id, configFile, logFile: join(this.dir, `node-${id}.log`), lines: [], runs: 0 });
    return config;
  }

  /** Waits for member `id`'s process to exit (it stopped on its own); returns its exit code. */
  async waitForExit(id: number, timeoutMs = 15_000): Promise<number | null> {
    const m = this.member(id);
    if (m.exited === undefined) throw new Error(`member ${id} was never started`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`member ${id} did not exit within ${timeoutMs} ms\n${this.tails([id])}`)), timeoutMs);
    });
    try {
      return (await Promise.race([m.exited, timeout])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The client endpoint "127.0.0.1:port" of member `id`. */
  endpoint(id: number): string {
    return `127.0.0.1:${memberPort(this.basePort, id)}`;
  }

  /** Every member's endpoint (or the given ones), comma-separated as etcdctl wants them. */
  endpoints(ids: readonly number[] = this.ids): string {
    return ids.map((id) => this.endpoint(id)).join(",");
  }

  /** Member `id`'s validated config, as written to its file. */
  config(id: number): Config {
    const file = this.member(id).configFile;
    return parseConfig(readFileSync(file, "utf8"), file);
  }

  isRunning(id: number): boolean {
    return this.member(id).child !== undefined;
  }

  running(): number[] {
    return this.ids.filter((id) => this.isRunning(id));
  }

  /** Every log line member `id` printed, over all its runs. */
  lines(id: number): readonly LogLine[] {
    return this.member(id).lines;
  }

  startMember(id: number): void {
    const m = this.member(id);
    if (m.child !== undefined) throw new Error(`member ${id} is already running`);
    const run = ++m.runs;
    const child = spawnMember(id, m.configFile, m.logFile, (_id, raw) => {
      let json: Record<string, unknown> | undefined;
      try {
        const v: unknown = JSON.parse(raw);
        if (typeof v === "object" && v !== null) json = v as Record<string, unknown>;
      } catch {
        // not a JSON line (e.g. a stack trace): kept raw
      }
      m.lines.push({ run, raw, ...(json ? { json } : {}) });
    });
    m.child = child;
    m.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        if (m.child === child) m.child = undefined;
        resolve({ code, signal });
      });
    });
  }

  /** SIGKILLs member `id` (a crash) and waits until the process is gone; returns the kill time (ms). */
  async kill(id: number): Promise<number> {
    const m = this.member(id);
    if (m.child === undefined) throw new Error(`member ${id} is not running`);
    const at = Date.now();
    m.child.kill("SIGKILL");
    await m.exited;
    return at;
  }

  /** SIGTERMs member `id`, SIGKILLs it if it has not exited after a grace period; returns its exit code. */
  async stopMember(id: number, graceMs = STOP_GRACE_MS): Promise<number | null> {
    const m = this.member(id);
    const child = m.child;
    if (child === undefined) return null;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    const { code } = await m.exited!;
    clearTimeout(timer);
    return code;
  }

  /** Stops every running member cleanly (in parallel); returns exit codes by member id. */
  async stopAll(graceMs = STOP_GRACE_MS): Promise<Map<number, number | null>> {
    const ids = this.running();
    const codes = await Promise.all(ids.map((id) => this.stopMember(id, graceMs)));
    return new Map(ids.map((id, i) => [id, codes[i]!]));
  }

  /** Stops everything and removes the temp dir (set TRIREME_KEEP_IT_DIRS=1 to keep it). */
  async destroy(): Promise<void> {
    await this.stopAll();
    process.off("exit", this.onExit);
    if (process.env.TRIREME_KEEP_IT_DIRS === undefined) rmSync(this.dir, { recursive: true, force: true });
  }

  /** One member's Maintenance.Status through etcdctl; throws if it does not answer. etcdctl's JSON
   *  leaves out every field that is zero (Go's omitempty), e.g. raftIndex of a member that has not
   *  learned of a committed entry yet: here those are 0, as the type says, never undefined. */
  async status(id: number): Promise<MemberStatus> {
    const out = await etcdctlOk(this.endpoint(id), ["endpoint", "status", "-w", "json"]);
    const s = (JSON.parse(out) as { Status: Partial<Omit<MemberStatus, "header">> & { header?: Partial<MemberStatus["header"]> } }[])[0]!.Status;
    const h = s.header ?? {};
    return {
      ...s,
      header: { ...h, cluster_id: h.cluster_id ?? 0, member_id: h.member_id ?? 0, revision: h.revision ?? 0, raft_term: h.raft_term ?? 0 },
      version: s.version ?? "",
      dbSize: s.dbSize ?? 0,
      leader: s.leader ?? 0,
      raftIndex: s.raftIndex ?? 0,
      raftTerm: s.raftTerm ?? 0,
      raftAppliedIndex: s.raftAppliedIndex ?? 0,
    };
  }

  /**
   * Waits until every running member (or those in `among`) reports the same leader, that leader
   * is one of them, and all agree on the term. Returns the leader's id and term.
   */
  async waitForLeader(timeoutMs = 15_000, among: readonly number[] = this.running()): Promise<{ leader: number; term: number }> {
    return waitUntil(`a leader agreed on by members ${among.join(", ")}`, timeoutMs, async () => {
      const statuses = await Promise.all(among.map((id) => this.status(id)));
      const leader = statuses[0]!.leader;
      const term = statuses[0]!.raftTerm;
      const agreed = leader !== 0 && among.includes(leader) && statuses.every((s) => s.leader === leader && s.raftTerm === term);
      return agreed ? { leader, term } : undefined;
    }, () => this.tails());
  }

  /** Waits until member `id`'s applied index reaches `index` (its own Status answer). */
  async waitForApplied(id: number, index: number, timeoutMs = 15_000): Promise<MemberStatus> {
    return waitUntil(`member ${id} to apply index ${index}`, timeoutMs, async () => {
      const s = await this.status(id);
      return s.raftAppliedIndex >= index ? s : undefined;
    }, () => this.tails([id]));
  }

  /** Waits for a log line of member `id` (from run `run` on, default: its current run) matching `match`. */
  async waitForLine(id: number, what: string, match: (l: LogLine) => boolean, timeoutMs = 15_000, run = this.member(id).runs): Promise<LogLine> {
    return waitUntil(`member ${id} to log ${what}`, timeoutMs, () => this.lines(id).find((l) => l.run >= run && match(l)), () => this.tails([id]));
  }

  /** The last `n` log lines of each member, for error messages. */
  tails(ids: readonly number[] = this.ids, n = 15): string {
    return ids
      .map((id) => {
        const m = this.member(id);
        const state = m.child ? "running" : "not running";
        return `--- member ${id} (${state}), last ${n} log lines of ${m.logFile}:\n` + m.lines.slice(-n).map((l) => `  ${l.raw}`).join("\n");
      })
      .join("\n");
  }

  private member(id: number): Member {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no member ${id} in this cluster (members: ${[...this.members.keys()].join(", ")})`);
    return m;
  }
}

/** A log line's `msg`, or undefined for a non-JSON line. */
export function msgOf(l: LogLine): string | undefined {
  const m = l.json?.msg;
  return typeof m === "string" ? m : undefined;
}

/** The leader id in a "leader changed" line (logged as hex). */
export function leaderOf(l: LogLine): number | undefined {
  const v = l.json?.leader;
  return msgOf(l) === "leader changed" && typeof v === "string" ? parseInt(v, 16) : undefined;
}

/** Decodes etcdctl's base64 JSON bytes. */
export const unb64 = (s: string): string => Buffer.from(s, "base64").toString();
export const b64 = (s: string): string => Buffer.from(s).toString("base64");

/** One cluster for a describe block: started in its `before` (etcdctl required) with a leader
 *  awaited, destroyed in its `after`. `set` receives it as soon as it exists; the returned function
 *  resolves once it has a leader, or rejects with why it could not start, so that each test awaiting
 *  it fails with the reason rather than the whole block failing with less. */
export function clusterForSuite(spec: ClusterSpec, set: (c: TestCluster) => void): () => Promise<void> {
  let cluster: TestCluster | undefined;
  let ready: Promise<void> = Promise.reject(new Error("the suite's cluster was not started (no before hook ran)"));
  ready.catch(() => {});
  before(() => {
    ready = (async () => {
      requireEtcdctl();
      cluster = TestCluster.start(spec);
      set(cluster);
      await cluster.waitForLeader(20_000);
    })();
    ready.catch(() => {});
  });
  after(async () => {
    await cluster?.destroy();
  });
  return () => ready;
}

