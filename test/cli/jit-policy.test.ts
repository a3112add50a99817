// How `trireme start` restarts itself with JSC's FTL tier off: the command line that runs the
// same program again, and when a restart is due at all.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { FTL_VARIABLE, restartWithServerJit, selfCommandLine, serverJitEnv } from "../../src/cli/jit-policy.ts";

const PORT = 23360; // the member's client port; its planes take the next ones

describe("the server JIT policy", () => {
  test("a compiled binary is run again with its own arguments; from source, bun with its flags and the script", () => {
    assert.deepEqual(
      selfCommandLine(["/usr/local/bin/trireme", "/$bunfs/root/trireme", "start", "--config", "a.toml"], [], "/$bunfs/root/trireme"),
      ["/usr/local/bin/trireme", "start", "--config", "a.toml"],
    );
    assert.deepEqual(
      selfCommandLine(["/usr/bin/bun", "/src/main.ts", "start", "-c", "a.toml"], ["--smol"], "/src/main.ts"),
      ["/usr/bin/bun", "--smol", "/src/main.ts", "start", "-c", "a.toml"],
    );
  });

  test("a restart is due only on Bun and only when the operator has not chosen", () => {
    const env = serverJitEnv({ PATH: "/bin", EMPTY: undefined }, true);
    assert.deepEqual(env, { PATH: "/bin", [FTL_VARIABLE]: "false" });
    assert.equal(serverJitEnv({ PATH: "/bin", [FTL_VARIABLE]: "true" }, true), undefined);
    assert.equal(serverJitEnv({ PATH: "/bin" }, false), undefined);
  });

  test("a process that cannot be replaced goes on with the default JIT and says why", () => {
    const saved = process.env[FTL_VARIABLE];
    delete process.env[FTL_VARIABLE];
    const warnings: string[] = [];
    try {
      restartWithServerJit("/nonexistent/bun", (m) => warnings.push(m));
    } finally {
      if (saved !== undefined) process.env[FTL_VARIABLE] = saved;
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /cannot restart with BUN_JSC_useFTLJIT=false \(.+\); running with the runtime's default JIT/);
  });

  test("a member started from source replaces itself in place with the variable set and serves as asked", { timeout: 30_000 }, async () => {
    const root = resolve(import.meta.dirname, "../..");
    const main = join(root, "src/main.ts");
    const dir = mkdtempSync(join(tmpdir(), "trireme-jit-"));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== FTL_VARIABLE) env[k] = v;
    let member: ChildProcess | undefined;
    try {
      const init = spawnSync(process.execPath, [main, "init", "--preset", "single", "--network", "lan", "--peers", `1=127.0.0.1:${PORT}`, "-o", "node.toml"], { cwd: dir, env, encoding: "utf8" });
      assert.equal(init.status, 0, init.stderr);
      member = spawn(process.execPath, [main, "start", "--config", "node.toml"], { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
      let log = "";
      member.stderr!.on("data", (b: Buffer) => (log += b.toString()));
      const exited = new Promise<number | null>((r) => member!.once("exit", (code) => r(code)));
      while (!log.includes('"member started"')) {
        assert.equal(member.exitCode, null, `the member exited; log:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // The process that was spawned now runs with the variable (execve kept its id) and the
      // same arguments, and it is the one serving: its log says it started.
      const environ = readFileSync(`/proc/${member.pid}/environ`, "utf8").split("\0");
      assert.ok(environ.includes(`${FTL_VARIABLE}=false`), environ.join(" "));
      const cmdline = readFileSync(`/proc/${member.pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
      assert.deepEqual(cmdline, [process.execPath, main, "start", "--config", "node.toml"]);
      member.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      if (member !== undefined && member.exitCode === null) member.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
