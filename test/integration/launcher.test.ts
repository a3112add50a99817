// A new user's path from the README: `npm start` (scripts/cluster.ts) starts three members and
// prints commands to try; those exact commands work, and Ctrl-C stops everything cleanly.
// Runs the launcher on this suite's ports instead of the default 2379.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { etcdctlOk, requireEtcdctl, TEST_TIMEOUT, waitUntil } from "./harness.ts";

const BASE_PORT = 24500;
const root = resolve(import.meta.dirname, "../..");

describe("npm start (scripts/cluster.ts)", () => {
  let launcher: ChildProcess | undefined;
  let exited: Promise<number | null> | undefined;
  const dir = mkdtempSync(join(tmpdir(), "trireme-it-launcher-"));

  after(async () => {
    if (launcher !== undefined && launcher.exitCode === null && launcher.signalCode === null) {
      launcher.kill("SIGTERM"); // it stops its members, like Ctrl-C
      const timer = setTimeout(() => launcher?.kill("SIGKILL"), 4000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test("prints endpoints and commands that work against the running cluster; Ctrl-C stops all members with status 0", TEST_TIMEOUT, async () => {
    requireEtcdctl();
    const out: string[] = [];
    const child = spawn(process.execPath, [join(root, "scripts/cluster.ts"), "--base-port", String(BASE_PORT), "--dir", dir, "--clean"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    launcher = child;
    exited = new Promise((r) => child.on("exit", (code) => r(code)));
    for (const s of [child.stdout!, child.stderr!]) createInterface({ input: s }).on("line", (l) => out.push(l));
    const shown = () => `launcher output so far:\n${out.join("\n")}`;

    await waitUntil("the launcher to report a leader on all three members", 20_000, () => {
      const leaders = new Set(out.filter((l) => /^\[member \d\] leader is now member /.test(l)).map((l) => l.slice(1, 9)));
      return leaders.size === 3 ? true : undefined;
    }, shown);

    const endpoints = [1, 2, 3].map((i) => `127.0.0.1:${BASE_PORT + 10 * (i - 1)}`).join(",");
    assert.ok(out.includes(`  endpoints: ${endpoints}`), shown());
    // The printed etcdctl lines, run as printed (ETCDCTL_API=3 is part of the line).
    const printed = (pattern: RegExp) => {
      const line = out.find((l) => pattern.test(l));
      assert.ok(line !== undefined, `no line matching ${pattern}\n${shown()}`);
      return line.trim().replace(/^try:\s+/, "");
    };
    const put = printed(/ETCDCTL_API=3 etcdctl .* put greeting hello$/);
    const get = printed(/ETCDCTL_API=3 etcdctl .* get greeting$/);
    const args = (line: string) => line.split(/\s+/).slice(2); // drop "ETCDCTL_API=3 etcdctl"
    const endpointsOf = (a: string[]) => a.find((x) => x.startsWith("--endpoints="))!.slice("--endpoints=".length);
    assert.equal(endpointsOf(args(put)), endpoints);
    const rest = (a: string[]) => a.filter((x) => !x.startsWith("--endpoints="));
    assert.equal(await etcdctlOk(endpointsOf(args(put)), rest(args(put))), "OK\n");
    assert.equal(await etcdctlOk(endpointsOf(args(get)), rest(args(get))), "greeting\nhello\n");

    // The printed trireme client line: `bun src/main.ts get greeting --endpoints ...`.
    const own = printed(/bun src\/main\.ts get greeting --endpoints /).split(/\s+/).slice(1);
    const cli = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const c = spawn(process.execPath, own, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
      let stdout = "";
      let stderr = "";
      c.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      c.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      c.on("exit", (code) => done({ code, stdout, stderr }));
    });
    assert.equal(cli.code, 0, `trireme get failed: ${cli.stderr}`);
    assert.match(cli.stdout, /hello/);

    child.kill("SIGINT");
    const code = await exited;
    assert.equal(code, 0, shown());
    assert.ok(out.includes("stopped (exit statuses 0, 0, 0)"), shown());
  });
});
