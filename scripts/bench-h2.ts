// The cost of our HTTP/2 server per request: a do-nothing server (each POST answered with 10 bytes
// and trailers, gRPC-shaped) driven by h2load, which prints req/s; this process's CPU time over the
// run divided by the requests is the server's CPU per request (h2load is another process).
//
// With --driver ours, our own client (src/h2/client.ts) drives it from this process instead, c
// connections with m calls in flight each: the CPU is then client and server together.
// With --tls the server listens with TLS (ALPN h2, a throw-away CA): mutual with our client, as
// trireme's planes are; without client certificates for h2load, which cannot send one.
//
//   bun scripts/bench-h2.ts [--n 200000] [--c 10] [--m 10] [--socket bun|node] [--runs 3] [--driver h2load|ours] [--tls]
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { connectH2 } from "../src/h2/client.ts";
import { startH2Server } from "../src/h2/server.ts";
import type { H2ClientConnection, H2ClientTls, H2ServerTls, HeaderList } from "../src/h2/types.ts";
import { createAuthority, createLeaf } from "../src/tls/generate.ts";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "200000" },
    c: { type: "string", default: "10" },
    m: { type: "string", default: "10" },
    socket: { type: "string", default: "bun" },
    runs: { type: "string", default: "3" },
    driver: { type: "string", default: "h2load" },
    tls: { type: "boolean", default: false },
  },
});
const socket = values.socket === "node" ? "node" : "bun";
const scheme = values.tls ? "https" : "http";

async function benchTls(): Promise<{ server: H2ServerTls; client: H2ClientTls } | undefined> {
  if (!values.tls) return undefined;
  const ca = await createAuthority("bench-h2 CA", 1);
  const leaf = await createLeaf(ca, { commonName: "bench", hosts: ["127.0.0.1", "localhost"], role: "member", days: 1 });
  const mutual = values.driver === "ours";
  return {
    server: { material: () => ({ cert: leaf.cert, key: leaf.key, ca: ca.cert }), requireClientCert: mutual },
    client: { material: () => ({ cert: leaf.cert, key: leaf.key, ca: ca.cert }) },
  };
}
const tls = await benchTls();

const RESPONSE = new TextEncoder().encode("0123456789");
const HEADERS: [string, string][] = [[":status", "200"], ["content-type", "application/grpc"]];
const TRAILERS: [string, string][] = [["grpc-status", "0"]];

const server = await startH2Server({
  host: "127.0.0.1", port: 0, socket, ...(tls ? { tls: tls.server } : {}),
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
  const args = ["-n", n, "-c", values.c!, "-m", values.m!, "-d", body, "-H", "content-type: application/grpc", `${scheme}://127.0.0.1:${server.port}/bench.Echo/Unary`];
  return new Promise((resolve, reject) => {
    execFile("h2load", args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`h2load failed (is nghttp2-client installed?): ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const REQUEST_HEADERS: HeaderList = [[":method", "POST"], [":scheme", scheme], [":path", "/bench.Echo/Unary"], [":authority", `127.0.0.1:${server.port}`],
  ["content-type", "application/grpc"], ["te", "trailers"]];
const REQUEST_BODY = new Uint8Array(5 + 8 + 256 + 6);

/** n calls over c connections of ours, m in flight on each; resolves with the calls that succeeded. */
async function ours(n: number): Promise<number> {
  const conns: H2ClientConnection[] = await Promise.all(Array.from({ length: Number(values.c) }, () => connectH2({ host: "127.0.0.1", port: server.port, socket, ...(tls ? { tls: tls.client } : {}) })));
  let started = 0, ok = 0;
  const one = (conn: H2ClientConnection): Promise<void> => new Promise((resolve) => {
    const s = conn.request(REQUEST_HEADERS);
    let status = "";
    s.onHeaders = (h, end) => { if (end && h[0]?.[0] === "grpc-status") status = h[0][1]; };
    s.onEnd = () => { if (status === "0") ok++; resolve(); };
    s.onReset = () => resolve();
    s.write(REQUEST_BODY);
    s.end();
  });
  const lane = async (conn: H2ClientConnection): Promise<void> => {
    while (started < n) { started++; await one(conn); }
  };
  await Promise.all(conns.flatMap((conn) => Array.from({ length: Number(values.m) }, () => lane(conn))));
  for (const c of conns) c.close();
  return ok;
}

const requests = Number(values.n);
const useOurs = values.driver === "ours";
console.log(`bench-h2: ${socket} sockets${tls ? " with TLS" : ""}, ${useOurs ? "our client" : "h2load"} -n ${requests} -c ${values.c} -m ${values.m}, POST ${5 + 8 + 256 + 6} bytes -> 10 bytes + trailers`);
// Warm-up: JIT, HPACK tables.
if (useOurs) await ours(Math.min(20000, requests));
else await h2load(String(Math.min(20000, requests)));
try {
  for (let run = 1; run <= Number(values.runs); run++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let ok: string, rps: string;
    if (useOurs) {
      ok = String(await ours(requests));
      rps = (requests / ((performance.now() - t0) / 1000)).toFixed(0);
    } else {
      const out = await h2load(String(requests));
      ok = /(\d+) succeeded/.exec(out)?.[1] ?? "?";
      rps = /finished in [^,]+, ([\d.]+) req\/s/.exec(out)?.[1] ?? "?";
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const us = (cpu.user + cpu.system) / requests;
    const who = useOurs ? "client+server" : "server";
    console.log(`run ${run}: ${rps} req/s, ${ok}/${requests} succeeded, ${who} CPU ${us.toFixed(2)} µs/request (user ${(cpu.user / requests).toFixed(2)}, system ${(cpu.system / requests).toFixed(2)}), wall ${(wall / 1000).toFixed(2)} s`);
  }
} finally {
  await server.close(100);
  rmSync(dir, { recursive: true, force: true });
}
