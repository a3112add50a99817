// The single binary: built by build.ts, it runs from an empty directory with nothing from the
// source tree — version, init, config check, and a member that serves a write (which needs the
// storage writer worker to be embedded).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const binary = join(root, "dist", "trireme-linux-x64");
const base = 23300;
let dir: string;
let member: ChildProcess | undefined;

const run = (...args: string[]) => execFileSync(binary, args, { cwd: dir, encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });

before(() => {
  execFileSync(process.execPath, ["build.ts", "--target", "linux-x64"], { cwd: root, stdio: "ignore" });
  dir = mkdtempSync(join(tmpdir(), "trireme-bin-"));
});

after(async () => {
  if (member && member.exitCode === null) {
    member.kill("SIGKILL");
    await new Promise((r) => member!.once("exit", r));
  }
  rmSync(dir, { recursive: true, force: true });
});

test("the binary prints its version", () => {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  assert.equal(run("--version").trim(), `trireme ${pkg.version}`);
});

test("the binary writes a config with init and validates it with config check", () => {
  run("init", "--preset", "single", "--network", "lan", "--peers", `1=127.0.0.1:${base}`, "-o", "node.toml");
  assert.match(run("config", "check", "node.toml"), /node\.toml: valid/);
});

test("a member started from the binary serves a write and stops cleanly on SIGTERM", async () => {
  member = spawn(binary, ["start", "--config", "node.toml"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  member.stderr!.on("data", (b: Buffer) => (log += b.toString()));
  const deadline = Date.now() + 15_000;
  while (!log.includes('"leader changed"')) {
    assert.ok(Date.now() < deadline, `no leader within 15 s; log:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // The member replaced itself (same process id) to run with JSC's FTL tier off
  // (src/cli/jit-policy.ts), with its own arguments: it serves the config it was given.
  const environ = readFileSync(`/proc/${member.pid}/environ`, "utf8").split("\0");
  assert.ok(environ.includes("BUN_JSC_useFTLJIT=false"), `environment of the member: ${environ.join(" ")}`);
  const cmdline = readFileSync(`/proc/${member.pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
  assert.deepEqual(cmdline.slice(-3), ["start", "--config", "node.toml"]);
  const env = { ...process.env, ETCDCTL_API: "3" };
  const etcdctl = (...a: string[]) => execFileSync("etcdctl", [`--endpoints=127.0.0.1:${base}`, ...a], { env, encoding: "utf8" });
  assert.equal(etcdctl("put", "greeting", "hello").trim(), "OK");
  assert.equal(etcdctl("get", "greeting", "--print-value-only").trim(), "hello");
  const exited = new Promise<number | null>((r) => member!.once("exit", (code) => r(code)));
  member.kill("SIGTERM");
  assert.equal(await exited, 0);
  writeFileSync(join(dir, "member.log"), log);
});

test("the binary makes certificates (its bundled X.509 library) and init --tls configs that check", () => {
  run("init", "--tls", "--peers", `1=127.0.0.1:${base + 10}`, "--out-dir", "tls-cluster");
  assert.match(run("config", "check", "tls-cluster/node-1.toml"), /node-1\.toml: valid/);
  assert.match(readFileSync(join(dir, "tls-cluster", "tls", "node-1.pem"), "utf8"), /^-----BEGIN CERTIFICATE-----/);
});
