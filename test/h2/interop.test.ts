// Our HTTP/2 server against clients nobody here wrote: curl (--http2-prior-knowledge), nghttp and
// h2load from Debian's nghttp2-client. A tool that is not installed skips its tests, saying so.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startH2Server, type H2Server } from "../../src/h2/server.ts";

function installed(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function skipUnless(tool: string, pkg: string): false | string {
  if (installed(tool)) return false;
  const why = `${tool} is not installed (apt-get install ${pkg}): its interop tests are skipped`;
  console.log(`SKIP: ${why}`);
  return why;
}

/** Runs a tool without blocking the event loop (the server under test lives in this process). */
function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "latin1" }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

const sha = (b: Uint8Array | string): string => createHash("sha256").update(b).digest("hex");

describe("HTTP/2 server interop: curl, nghttp, h2load", () => {
  let server: H2Server;
  let base = "";
  let dir = "";
  const authorities: string[] = [];
  const protocolErrors: string[] = [];
  const bigFile = () => join(dir, "big.bin");

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "h2-interop-"));
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 256;
    writeFileSync(bigFile(), big);
    server = await startH2Server({
      host: "127.0.0.1", port: 0,
      onProtocolError: (_r, _c, m) => protocolErrors.push(m),
      onStream(s) {
        const path = s.headers.find((h) => h[0] === ":path")?.[1] ?? "";
        authorities.push(s.headers.find((h) => h[0] === ":authority")?.[1] ?? "");
        const parts: Uint8Array[] = [];
        s.onData = (c) => parts.push(c.slice());
        s.onEnd = () => {
          const body = Buffer.concat(parts);
          s.respond([[":status", "200"], ["content-type", "application/octet-stream"]]);
          if (path === "/echo") s.write(body);
          else if (path === "/sha") s.write(Buffer.from(sha(body)));
          else s.write(Buffer.from("hello from trireme\n"));
          s.end([["x-trailer", "done"]]);
        };
      },
    });
    base = `http://127.0.0.1:${server.port}`;
  });

  after(async () => {
    await server?.close(200);
    rmSync(dir, { recursive: true, force: true });
  });

  const curl = skipUnless("curl", "curl");
  const nghttp = skipUnless("nghttp", "nghttp2-client");
  const h2load = skipUnless("h2load", "nghttp2-client");

  it("curl --http2-prior-knowledge: GET, and a 3 MB upload echoed back", { skip: curl }, async () => {
    const g = await run("curl", ["-sS", "--http2-prior-knowledge", "-D", "-", `${base}/`]);
    assert.match(g.stdout, /^HTTP\/2 200 ?\r\n/);
    assert.match(g.stdout, /x-trailer: done/);
    assert.match(g.stdout, /\r\n\r\nhello from trireme\n/);
    const p = await run("curl", ["-sS", "--http2-prior-knowledge", "--data-binary", `@${bigFile()}`, `${base}/sha`]);
    assert.equal(p.stdout, sha(readFileSync(bigFile())));
    const e = await run("curl", ["-sS", "--http2-prior-knowledge", "--data-binary", `@${bigFile()}`, "-o", join(dir, "echo.bin"), "-w", "%{size_download} %{http_version}", `${base}/echo`]);
    assert.equal(e.stdout, `${3 * 1024 * 1024 + 17} 2`);
    assert.equal(sha(readFileSync(join(dir, "echo.bin"))), sha(readFileSync(bigFile())));
  });

  it("curl: an :authority with a scheme (as etcdctl sends in some modes) is accepted as it is", { skip: curl }, async () => {
    // curl sends its Host header as :authority over HTTP/2.
    const before = authorities.length;
    const r = await run("curl", ["-sS", "--http2-prior-knowledge", "-H", `Host: http://127.0.0.1:${server.port}`, `${base}/`]);
    assert.equal(r.stdout, "hello from trireme\n");
    assert.equal(authorities[before], `http://127.0.0.1:${server.port}`);
  });

  it("nghttp: headers, body and trailers; concurrent requests", { skip: nghttp }, async () => {
    const v = await run("nghttp", ["-v", `${base}/`]);
    assert.match(v.stdout, /recv \(stream_id=\d+\) :status: 200/);
    assert.match(v.stdout, /hello from trireme/);
    assert.match(v.stdout, /recv \(stream_id=\d+\) x-trailer: done/);
    assert.doesNotMatch(v.stdout, /RST_STREAM/);
    const m = await run("nghttp", ["-n", "-s", "-m", "20", "-d", bigFile(), `${base}/sha`]);
    assert.match(m.stdout, /Request timing/);
  });

  it("h2load -n 10000 -c 10 -m 10: every request succeeds", { skip: h2load }, async () => {
    const body = join(dir, "body.bin");
    writeFileSync(body, Buffer.alloc(64, 1));
    const r = await run("h2load", ["-n", "10000", "-c", "10", "-m", "10", "-d", body, `${base}/`], 120_000);
    assert.match(r.stdout, /requests: 10000 total, 10000 started, 10000 done, 10000 succeeded, 0 failed, 0 errored, 0 timeout/, r.stdout);
    assert.match(r.stdout, /status codes: 10000 2xx/);
  });

  it("no client above hit a protocol error", () => {
    assert.deepEqual(protocolErrors, []);
  });
});
