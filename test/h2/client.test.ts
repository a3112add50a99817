// Our HTTP/2 client against our server and against Bun's node:http2 server (nobody here wrote
// it): requests and MB bodies both ways under flow control, trailers, queueing beyond the
// server's SETTINGS_MAX_CONCURRENT_STREAMS, resets both ways, PING, GOAWAY, close and destroy,
// keep-alive, and connecting to something that is not an HTTP/2 server.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import * as http2 from "node:http2";
import * as net from "node:net";
import { connectH2 } from "../../src/h2/client.ts";
import { startH2Server, type H2Server } from "../../src/h2/server.ts";
import { H2Error, type H2ClientConnection, type H2ClientStream, type H2ServerStream, type HeaderList } from "../../src/h2/types.ts";

const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const req = (method: string, path: string): HeaderList => [[":method", method], [":scheme", "http"], [":path", path], [":authority", "localhost"]];

interface Result { headers: HeaderList; trailers?: HeaderList; body: Buffer; reset?: number }

/** Sends a request (with an optional body written in chunks, respecting backpressure) and collects the answer. */
function call(conn: H2ClientConnection, headers: HeaderList, body?: Uint8Array, opts: { pauseAfter?: number; onStream?: (s: H2ClientStream) => void } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const s = conn.request(headers, body === undefined);
    const parts: Buffer[] = [];
    let got = 0;
    const r: Result = { headers: [], body: Buffer.alloc(0) };
    s.onHeaders = (h) => { if (r.headers.length === 0) r.headers = h; else r.trailers = h; };
    s.onData = (c) => {
      parts.push(Buffer.from(c));
      got += c.length;
      if (opts.pauseAfter !== undefined && got >= opts.pauseAfter) { opts.pauseAfter = undefined; s.pause(); }
    };
    s.onEnd = () => { r.body = Buffer.concat(parts); resolve(r); };
    s.onReset = (code) => { r.reset = code; r.body = Buffer.concat(parts); resolve(r); };
    opts.onStream?.(s);
    if (body !== undefined) {
      let at = 0;
      const pump = (): void => {
        while (at < body.length) {
          const chunk = body.subarray(at, at + 100_000);
          at += chunk.length;
          if (!s.write(chunk)) return;
        }
        s.end();
      };
      s.onDrain = pump;
      pump();
    }
  });
}

/** Our server's test application: /echo streams the request body back, /big/N sends N bytes,
 *  /hold keeps the stream, /reset resets it with INTERNAL_ERROR; anything else answers its length. */
function ourApp(held: H2ServerStream[], resets: Map<number, number>, open: { now: number; max: number }) {
  return (s: H2ServerStream): void => {
    const path = s.headers.find((h) => h[0] === ":path")?.[1] ?? "";
    open.now++;
    open.max = Math.max(open.max, open.now);
    const done = (): void => { open.now--; };
    s.onReset = (code) => { resets.set(s.id, code); done(); };
    if (path === "/hold") { held.push(s); return; }
    if (path === "/reset") { s.reset(H2Error.INTERNAL_ERROR); done(); return; }
    if (path === "/echo") {
      s.respond([[":status", "200"]]);
      s.onData = (c) => { if (!s.write(c.slice())) s.pause(); };
      s.onDrain = () => s.resume();
      s.onEnd = () => { s.end([["x-done", "1"]]); done(); };
      return;
    }
    let n = 0;
    s.onData = (c) => { n += c.length; };
    s.onEnd = () => {
      s.respond([[":status", "200"]]);
      if (path.startsWith("/big/")) s.write(Buffer.alloc(Number(path.slice(5)), 7));
      else s.write(Buffer.from(`${path} ${n}`));
      s.end([["x-trailer", "t"]]);
      done();
    };
  };
}

for (const socket of ["bun", "node"] as const) {
  describe(`HTTP/2 client (${socket} sockets) against our server`, () => {
    let server: H2Server;
    let conn: H2ClientConnection;
    const held: H2ServerStream[] = [];
    const resets = new Map<number, number>();
    const open = { now: 0, max: 0 };

    before(async () => {
      server = await startH2Server({ host: "127.0.0.1", port: 0, socket, settings: { maxConcurrentStreams: 5 }, onStream: ourApp(held, resets, open) });
      conn = await connectH2({ host: "127.0.0.1", port: server.port, socket });
    });
    after(async () => {
      conn.destroy();
      await server.close(100);
    });

    it("GET and POST with response headers, body and trailers", async () => {
      const g = await call(conn, req("GET", "/a"));
      assert.deepEqual(g.headers[0], [":status", "200"]);
      assert.equal(g.body.toString(), "/a 0");
      assert.deepEqual(g.trailers, [["x-trailer", "t"]]);
      const p = await call(conn, req("POST", "/b"), Buffer.from("hello"));
      assert.equal(p.body.toString(), "/b 5");
    });

    it("MBs both ways through the default 64 KiB windows", async () => {
      const body = Buffer.alloc(4 * 1024 * 1024 + 3);
      for (let i = 0; i < body.length; i++) body[i] = (i * 13) % 256;
      const r = await call(conn, req("POST", "/echo"), body);
      assert.equal(r.reset, undefined);
      assert.equal(r.body.length, body.length);
      assert.equal(sha(r.body), sha(body));
      assert.deepEqual(r.trailers, [["x-done", "1"]]);
    });

    it("queues requests beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS and runs them all", async () => {
      open.max = 0;
      const all = await Promise.all(Array.from({ length: 60 }, (_, i) => call(conn, req("POST", `/q${i}`), Buffer.alloc(i))));
      all.forEach((r, i) => assert.equal(r.body.toString(), `/q${i} ${i}`));
      assert.ok(open.max <= 5, `the server saw ${open.max} streams at once`);
      assert.ok(open.max >= 2, "requests ran concurrently");
    });

    it("a paused stream stops the server's sending at the stream window; resume() lets it finish", async () => {
      let got = 0;
      let ended = false;
      const s = conn.request(req("GET", "/big/1000000"), true);
      const done = new Promise<void>((resolve) => { s.onEnd = () => { ended = true; resolve(); }; });
      s.onData = (c) => { got += c.length; };
      s.pause();
      // Two PING round trips: whatever the server could send has arrived by then.
      await until(() => got > 0, "the first DATA");
      await conn.ping();
      await conn.ping();
      assert.ok(got <= 65535, `${got} bytes arrived on a paused stream with a 65,535 window`);
      assert.equal(ended, false);
      s.resume();
      await done;
      assert.equal(got, 1_000_000);
    });

    it("reset() from the client reaches the server's onReset; a server reset reaches onReset here", async () => {
      held.length = 0;
      let s: H2ClientStream | undefined;
      const pending = call(conn, req("GET", "/hold"), undefined, { onStream: (x) => { s = x; } });
      await until(() => held.length === 1, "the held stream");
      s!.reset(H2Error.CANCEL);
      await until(() => resets.has(held[0]!.id), "the server's onReset");
      assert.equal(resets.get(held[0]!.id), H2Error.CANCEL);
      void pending;
      const r = await call(conn, req("GET", "/reset"));
      assert.equal(r.reset, H2Error.INTERNAL_ERROR);
    });

    it("ping() measures a round trip", async () => {
      const ms = await conn.ping();
      assert.ok(ms >= 0 && ms < 5000, `rtt ${ms}`);
    });
  });
}

describe("HTTP/2 client: ending connections", () => {
  it("server GOAWAY: the open stream finishes, onGoaway fires, new requests are refused, then onClose", async () => {
    const held: H2ServerStream[] = [];
    const server = await startH2Server({ host: "127.0.0.1", port: 0, onStream: ourApp(held, new Map(), { now: 0, max: 0 }) });
    const conn = await connectH2({ host: "127.0.0.1", port: server.port });
    const goaway = new Promise<number>((resolve) => { conn.onGoaway = resolve; });
    const closed = new Promise<Error | undefined>((resolve) => { conn.onClose = resolve; });
    const first = call(conn, req("GET", "/hold"));
    await until(() => held.length === 1, "the held stream");
    const serverClosed = server.close(5000);
    assert.equal(await goaway, H2Error.NO_ERROR);
    assert.equal(conn.closed, true);
    const late = await call(conn, req("GET", "/x"));
    assert.equal(late.reset, H2Error.REFUSED_STREAM);
    held[0]!.respond([[":status", "200"]]);
    held[0]!.end();
    const r = await first;
    assert.equal(r.reset, undefined);
    assert.equal(await closed, undefined);
    await serverClosed;
  });

  it("close() lets open streams finish; destroy() cuts them with CANCEL", async () => {
    const held: H2ServerStream[] = [];
    const server = await startH2Server({ host: "127.0.0.1", port: 0, onStream: ourApp(held, new Map(), { now: 0, max: 0 }) });
    try {
      const a = await connectH2({ host: "127.0.0.1", port: server.port });
      const closed = new Promise<void>((resolve) => { a.onClose = () => resolve(); });
      const first = call(a, req("GET", "/hold"));
      await until(() => held.length === 1, "the held stream");
      a.close();
      held[0]!.respond([[":status", "200"]]);
      held[0]!.write(Buffer.from("done"));
      held[0]!.end();
      assert.equal((await first).body.toString(), "done");
      await closed;
      await until(() => server.connectionCount() === 0, "the server to see the close");

      const b = await connectH2({ host: "127.0.0.1", port: server.port });
      const cut = call(b, req("GET", "/hold"));
      await until(() => held.length === 2, "the second held stream");
      b.destroy();
      assert.equal((await cut).reset, H2Error.CANCEL);
      assert.equal(b.closed, true);
    } finally {
      await server.close(100);
    }
  });

  it("keep-alive: a server that never answers PING is given up", async () => {
    // A server that speaks just enough HTTP/2 (an empty SETTINGS) and then nothing.
    const silent = net.createServer((sock) => {
      sock.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
      sock.on("data", () => {});
      sock.on("error", () => {});
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const conn = await connectH2({ host: "127.0.0.1", port, keepaliveIntervalMs: 50, keepaliveTimeoutMs: 100 });
      const err = await new Promise<Error | undefined>((resolve) => { conn.onClose = resolve; });
      assert.match(err?.message ?? "", /did not answer a keep-alive PING within 100 ms/);
    } finally {
      silent.close();
    }
  });

  it("connecting to a closed port or a server that is not HTTP/2 fails with the address", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const freePort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await assert.rejects(connectH2({ host: "127.0.0.1", port: freePort }), (e: Error) => e.message.includes(`127.0.0.1:${freePort}`));
    const http1 = net.createServer((sock) => { sock.end("HTTP/1.1 400 Bad Request\r\n\r\n"); });
    await new Promise<void>((r) => http1.listen(0, "127.0.0.1", r));
    const port = (http1.address() as net.AddressInfo).port;
    try {
      await assert.rejects(connectH2({ host: "127.0.0.1", port, connectTimeoutMs: 2000 }), (e: Error) => e.message.includes(`127.0.0.1:${port}`));
    } finally {
      http1.close();
    }
  });
});

describe("HTTP/2 client against node:http2's server", () => {
  let server: http2.Http2Server;
  let port = 0;
  let conn: H2ClientConnection;
  const resets: number[] = [];
  let active = 0, maxActive = 0;

  before(async () => {
    server = http2.createServer({ settings: { maxConcurrentStreams: 3 } });
    server.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
      active++;
      maxActive = Math.max(maxActive, active);
      stream.on("close", () => { active--; if (stream.rstCode !== 0 && stream.rstCode !== undefined) resets.push(stream.rstCode); });
      stream.on("error", () => {});
      const path = String(headers[":path"]);
      if (path === "/hold") return;
      // Bun's stream.close(code) sends END_STREAM before its RST_STREAM (even DATA before any
      // HEADERS), so the client would see an ended or malformed stream; destroy() is a plain reset.
      if (path === "/reset") { stream.destroy(new Error("reset by the test")); return; }
      const parts: Buffer[] = [];
      stream.on("data", (d: Buffer) => parts.push(d));
      stream.on("end", () => {
        const body = Buffer.concat(parts);
        stream.respond({ ":status": 200, "x-path": path }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "x-sha": sha(body) }));
        stream.end(path === "/echo" ? body : Buffer.from(`${path} ${body.length}`));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as net.AddressInfo).port;
    conn = await connectH2({ host: "127.0.0.1", port });
  });
  after(async () => {
    conn.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("GET, and a 3 MB body echoed back with trailers", async () => {
    const g = await call(conn, req("GET", "/x"));
    assert.deepEqual(g.headers.slice(0, 2), [[":status", "200"], ["x-path", "/x"]]);
    assert.equal(g.body.toString(), "/x 0");
    const body = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 3) % 256;
    const e = await call(conn, req("POST", "/echo"), body);
    assert.equal(sha(e.body), sha(body));
    assert.deepEqual(e.trailers, [["x-sha", sha(body)]]);
  });

  it("keeps to the server's SETTINGS_MAX_CONCURRENT_STREAMS of 3", async () => {
    maxActive = 0;
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => call(conn, req("POST", `/n${i}`), Buffer.alloc(i * 10))));
    all.forEach((r, i) => assert.equal(r.body.toString(), `/n${i} ${i * 10}`));
    assert.ok(maxActive <= 3, `node saw ${maxActive} streams at once`);
  });

  it("resets both ways", async () => {
    const r = await call(conn, req("GET", "/reset"));
    assert.equal(r.reset, H2Error.INTERNAL_ERROR);
    let s: H2ClientStream | undefined;
    void call(conn, req("GET", "/hold"), undefined, { onStream: (x) => { s = x; } });
    await until(() => s !== undefined && s.id !== 0 && active > 0, "the held stream");
    s!.reset(H2Error.CANCEL);
    await until(() => resets.includes(H2Error.CANCEL), "node to see the reset");
  });
});

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
