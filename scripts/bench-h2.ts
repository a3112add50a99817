// The cost of our HTTP/2 server per request: a do-nothing server (each POST answered with 10 bytes
// and trailers, gRPC-shaped) driven by h2load, which prints req/s; this process's CPU time over the
// run divided by the requests is the server's CPU per request (h2load is another process).
//
//   bun scripts/bench-h2.ts [--n 200000] [--c 10] [--m 10] [--socket bun|node] [--runs 3]
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startH2Server } from "../src/h2/server.ts";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "200000" },
    c: { type: "string", default: "10" },
    m: { type: "string", default: "10" },
    socket: { type: "string", default: "bun" },
    runs: { type: "string", default: "3" },
  },
});
const socket = values.socket === "node" ? "node" : "bun";

const RESPONSE = new TextEncoder().encode("0123456789");
const HEADERS: [string, string][] = [[":status", "200"], ["content-type", "application/grpc"]];
const TRAILERS: [string, string][] = [["grpc-status", "0"]];

const server = await startH2Server({
  host: "127.0.0.1", port: 0, socket,
  settings: { maxConcurrentStreams: 1000 },
  onStream(s) {
    s.onEnd = () => {
      s.respond(HEADERS);
      s.write(RESPONSE);
      s.end(TRAILERS);
    };
  },
});

const dir = mkdtempSync(join(tmpdir(), "bench-h2-"));
const body = join(dir, "request.bin");
// A gRPC-framed Put of an 8-byte key and a 256-byte value, about what etcd's benchmark sends.
writeFileSync(body, new Uint8Array(5 + 8 + 256 + 6));

function h2load(n: string): Promise<string> {
  const args = ["-n", n, "-c", values.c!, "-m", values.m!, "-d", body, "-H", "content-type: application/grpc", `http://127.0.0.1:${server.port}/bench.Echo/Unary`];
  return new Promise((resolve, reject) => {
    execFile("h2load", args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`h2load failed (is nghttp2-client installed?): ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const requests = Number(values.n);
console.log(`bench-h2: ${socket} sockets, h2load -n ${requests} -c ${values.c} -m ${values.m}, POST ${5 + 8 + 256 + 6} bytes -> 10 bytes + trailers`);
await h2load(String(Math.min(20000, requests))); // warm-up: JIT, HPACK tables
try {
  for (let run = 1; run <= Number(values.runs); run++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const out = await h2load(String(requests));
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const ok = /(\d+) succeeded/.exec(out)?.[1] ?? "?";
    const rps = /finished in [^,]+, ([\d.]+) req\/s/.exec(out)?.[1] ?? "?";
    const us = (cpu.user + cpu.system) / requests;
    console.log(`run ${run}: ${rps} req/s (h2load), ${ok}/${requests} succeeded, server CPU ${us.toFixed(2)} µs/request (user ${(cpu.user / requests).toFixed(2)}, system ${(cpu.system / requests).toFixed(2)}), wall ${(wall / 1000).toFixed(2)} s`);
  }
} finally {
  await server.close(100);
  rmSync(dir, { recursive: true, force: true });
}
