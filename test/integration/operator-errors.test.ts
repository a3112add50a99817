// Issue #13 item 8 with real processes: a member that cannot start says why in one line (no stack
// trace, no start-up chatter about plane settings at info level) in the log format asked for,
// and `npm start`'s launcher exits non-zero when one of its members fails.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { writeClusterConfigs } from "../../scripts/cluster.ts";
import { runProcess, TEST_TIMEOUT } from "./harness.ts";

const BASE = 30950; // one member at 30950..30954; a second launcher run at 30970..30984
const root = join(import.meta.dir, "../..");
const bun = process.execPath;

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

describe("what an operator sees when a member cannot start", () => {
  let dir: string;
  const busy: Server[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), `trireme-operr-${process.pid}-`));
    busy.push(await occupy(BASE + 2)); // member 1's data address
    busy.push(await occupy(BASE + 30 + 2)); // the launcher's member 2 data address (members at BASE + 20, + 30)
  });
  after(() => {
    for (const s of busy) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const format of ["text", "json"] as const) {
    test(`a busy port is one ${format} line, without a stack trace`, TEST_TIMEOUT, async () => {
      const [config] = writeClusterConfigs({ nodes: 1, strategy: "disk", basePort: BASE, dir: join(dir, format), deployment: "cloud-3", network: "lan" });
      const r = await runProcess(bun, [join(root, "src/main.ts"), "start", "--config", config!, "--log-format", format]);
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stderr.split("\n").filter((l) => l !== "");
      const errors = lines.filter((l) => (format === "json" ? (JSON.parse(l) as { level: string }).level === "error" : / ERROR /.test(l)));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0]!, /cannot start: cannot listen on data address 127\.0\.0\.1:30952/);
      assert.doesNotMatch(r.stderr, /\n\s+at |\$bunfs|"stack"|stack=/, "no stack trace at info level");
      assert.doesNotMatch(r.stderr, /\[network\.(control|data|bulk)\]/, "plane settings notes are debug lines");
      if (format === "text") assert.ok(lines.every((l) => !l.startsWith("{")), r.stderr);
    });
  }

  test("the stack is there at debug level", TEST_TIMEOUT, async () => {
    const [config] = writeClusterConfigs({ nodes: 1, strategy: "disk", basePort: BASE, dir: join(dir, "debug"), deployment: "cloud-3", network: "lan" });
    const r = await runProcess(bun, [join(root, "src/main.ts"), "start", "--config", config!, "--log-format", "json", "--log-level", "debug"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"msg":"cannot start: stack","member":"node-1","stack":"Error: /);
  });

  test("an unknown --log-format is a usage error", TEST_TIMEOUT, async () => {
    const r = await runProcess(bun, [join(root, "src/main.ts"), "start", "--config", "x.toml", "--log-format", "yaml"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--log-format: got "yaml"; expected json or text/);
  });

  test("npm start's launcher stops the others and exits 1 when a member fails to start", TEST_TIMEOUT, async () => {
    const r = await runProcess(bun, [join(root, "scripts/cluster.ts"), "--nodes", "2", "--base-port", String(BASE + 20), "--dir", join(dir, "launcher")]);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /\[member 2\] exited with status 1; its log: .*node-2\.log/);
    assert.match(r.stdout, /stopping all members/);
  });
});
