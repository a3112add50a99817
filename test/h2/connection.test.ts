// Our HTTP/2 server against Bun's node:http2 client (an implementation nobody here wrote): requests
// and bodies both ways, flow control with bodies of megabytes, concurrency, trailers, resets in
// both directions and a graceful close; then our SETTINGS on the wire, a raised
// SETTINGS_INITIAL_WINDOW_SIZE unblocking a stalled stream, and keep-alive, with raw frames.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import * as http from "node:http";
import * as http2 from "node:http2";
import { Flag, FrameType, readU32, SettingId } from "../../src/h2/frames.ts";
import { startH2Server, type H2Server } from "../../src/h2/server.ts";
import { H2Error, type H2ServerOptions, type H2ServerStream } from "../../src/h2/types.ts";
import { parseSettings, RawClient, settingsPayload } from "./raw.ts";

const header = (s: H2ServerStream, name: string): string | undefined => s.headers.find((h) => h[0] === name)?.[1];
const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** The test application: /echo streams the body back as it comes (with backpressure), /big/N
 *  answers N bytes, /hold keeps the stream, /reset resets it, anything else answers its length. */
function app(held: H2ServerStream[], resets: Map<number, number>): H2ServerOptions["onStream"] {
  return (s) => {
    const path = header(s, ":path") ?? "";
    s.onReset = (code) => resets.set(s.id, code);
    if (path === "/echo") {
      s.respond([[":status", "200"], ["x-method", header(s, ":method") ?? ""]]);
      s.onData = (c) => { if (!s.write(c.slice())) s.pause(); };
      s.onDrain = () => s.resume();
      s.onEnd = () => s.end([["x-sha", "done"]]);
      return;
    }
    if (path.startsWith("/big/")) {
      const n = Number(path.slice(5));
      s.onEnd = () => {
        s.respond([[":status", "200"]]);
        const body = Buffer.alloc(n);
        for (let i = 0; i < n; i++) body[i] = i % 251;
        s.write(body);
        s.end();
      };
      return;
    }
    if (path === "/hold") { held.push(s); return; }
    if (path === "/reset") { s.reset(H2Error.INTERNAL_ERROR); return; }
    if (path === "/immediate") { s.respond([[":status", "204"]], true); return; }
    let n = 0;
    s.onData = (c) => { n += c.length; };
    s.onEnd = () => {
      s.respond([[":status", "200"], ["content-type", "text/plain"]]);
      s.write(Buffer.from(`${header(s, ":method")} ${path} ${n}`));
      s.end([["x-trailer", "t1"]]);
    };
  };
}

interface Answer { status: number; body: Buffer; trailers: http2.IncomingHttpHeaders; headers: http2.IncomingHttpHeaders }

function request(client: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Uint8Array): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = client.request(headers, { endStream: body === undefined });
    let status = 0, trailers: http2.IncomingHttpHeaders = {}, got: http2.IncomingHttpHeaders = {};
    const parts: Buffer[] = [];
    req.on("response", (h) => { status = Number(h[":status"]); got = h; });
    req.on("trailers", (t) => { trailers = t; });
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => resolve({ status, body: Buffer.concat(parts), trailers, headers: got }));
    req.on("error", reject);
    if (body !== undefined) req.end(body);
  });
}

for (const socket of ["bun", "node"] as const) {
  describe(`HTTP/2 server (${socket} sockets) against node:http2's client`, () => {
    let server: H2Server;
    let client: http2.ClientHttp2Session;
    const held: H2ServerStream[] = [];
    const resets = new Map<number, number>();

    before(async () => {
      server = await startH2Server({ host: "127.0.0.1", port: 0, socket, settings: { maxConcurrentStreams: 1000 }, onStream: app(held, resets) });
      client = http2.connect(`http://127.0.0.1:${server.port}`);
    });
    after(async () => {
      client.destroy();
      await server.close(100);
    });

    it("GET and POST", async () => {
      const g = await request(client, { ":method": "GET", ":path": "/x" });
      assert.equal(g.status, 200);
      assert.equal(g.body.toString(), "GET /x 0");
      const p = await request(client, { ":method": "POST", ":path": "/y" }, Buffer.from("hello"));
      assert.equal(p.body.toString(), "POST /y 5");
      assert.equal(p.trailers["x-trailer"], "t1");
    });

    it("streams MBs both ways through 64 KiB windows (flow control on both sides)", async () => {
      const body = Buffer.alloc(5 * 1024 * 1024 + 123);
      for (let i = 0; i < body.length; i++) body[i] = (i * 7) % 256;
      const r = await request(client, { ":method": "PUT", ":path": "/echo" }, body);
      assert.equal(r.status, 200);
      assert.equal(r.headers["x-method"], "PUT");
      assert.equal(r.body.length, body.length);
      assert.equal(sha(r.body), sha(body));
      assert.equal(r.trailers["x-sha"], "done");
      const big = await request(client, { ":method": "GET", ":path": `/big/${3 * 1024 * 1024}` });
      assert.equal(big.body.length, 3 * 1024 * 1024);
      assert.ok(big.body.every((b, i) => b === i % 251));
    });

    it("serves 300 concurrent streams", async () => {
      const all = await Promise.all(Array.from({ length: 300 }, (_, i) => request(client, { ":method": "POST", ":path": `/c${i}` }, Buffer.alloc(i))));
      all.forEach((r, i) => assert.equal(r.body.toString(), `POST /c${i} ${i}`));
    });

    it("a client RST_STREAM reaches onReset with its code", async () => {
      held.length = 0;
      const req = client.request({ ":method": "GET", ":path": "/hold" });
      req.on("error", () => {});
      await until(() => held.length === 1, "the held stream");
      const id = held[0]!.id;
      req.close(http2.constants.NGHTTP2_CANCEL);
      await until(() => resets.has(id), "onReset");
      assert.equal(resets.get(id), H2Error.CANCEL);
      assert.equal(held[0]!.closed, true);
    });

    it("a server reset reaches the client with its code", async () => {
      const req = client.request({ ":method": "GET", ":path": "/reset" });
      const code = await new Promise<number>((resolve) => {
        req.on("error", () => {});
        req.on("close", () => resolve(req.rstCode));
      });
      assert.equal(code, H2Error.INTERNAL_ERROR);
    });
  });
}

describe("HTTP/2 server: graceful close", () => {
  it("close(grace) sends GOAWAY, lets the open stream finish, then closes", async () => {
    const held: H2ServerStream[] = [];
    const resets = new Map<number, number>();
    const server = await startH2Server({ host: "127.0.0.1", port: 0, onStream: app(held, resets) });
    const client = http2.connect(`http://127.0.0.1:${server.port}`);
    try {
      const goaway = new Promise<number>((resolve) => client.on("goaway", (code) => resolve(code)));
      const req = client.request({ ":method": "GET", ":path": "/hold" });
      const parts: Buffer[] = [];
      req.on("data", (d: Buffer) => parts.push(d));
      const ended = new Promise<void>((resolve) => req.on("end", resolve));
      await until(() => held.length === 1, "the held stream");
      assert.equal(server.connectionCount(), 1);
      const closed = server.close(5000);
      assert.equal(await goaway, H2Error.NO_ERROR);
      const s = held[0]!;
      s.respond([[":status", "200"]]);
      s.write(Buffer.from("late answer"));
      s.end();
      await ended;
      assert.equal(Buffer.concat(parts).toString(), "late answer");
      await closed;
      assert.equal(server.connectionCount(), 0);
      assert.equal(resets.size, 0);
    } finally {
      client.destroy();
    }
  });

  it("after the grace period open streams are cut (onReset CANCEL)", async () => {
    const held: H2ServerStream[] = [];
    const resets = new Map<number, number>();
    const server = await startH2Server({ host: "127.0.0.1", port: 0, onStream: app(held, resets) });
    const client = http2.connect(`http://127.0.0.1:${server.port}`);
    client.on("error", () => {});
    try {
      const req = client.request({ ":method": "GET", ":path": "/hold" });
      req.on("error", () => {});
      await until(() => held.length === 1, "the held stream");
      const t0 = Date.now();
      await server.close(150);
      assert.ok(Date.now() - t0 >= 140, "close waited for the grace period");
      assert.equal(resets.get(held[0]!.id), H2Error.CANCEL);
    } finally {
      client.destroy();
    }
  });

  it("a port in use is refused with the address in the message", async () => {
    const server = await startH2Server({ host: "127.0.0.1", port: 0, onStream() {} });
    try {
      for (const socket of ["bun", "node"] as const) {
        await assert.rejects(startH2Server({ host: "127.0.0.1", port: server.port, socket, onStream() {} }), (err: Error) => err.message.includes(`127.0.0.1:${server.port}`));
      }
    } finally {
      await server.close(0);
    }
  });
});

describe("HTTP/2 server: the wire (raw frames)", () => {
  let server: H2Server;
  const held: H2ServerStream[] = [];
  const resets = new Map<number, number>();
  const clients: RawClient[] = [];
  const http1: { first: string }[] = [];

  before(async () => {
    server = await startH2Server({
      host: "127.0.0.1", port: 0,
      settings: { headerTableSize: 8192, maxConcurrentStreams: 7, initialWindowSize: 100000, maxFrameSize: 32768, maxHeaderListSize: 9000 },
      connectionWindowSize: 3_000_000,
      onStream: app(held, resets),
      onHttp1: (sock, first) => {
        http1.push({ first: Buffer.from(first).toString("latin1") });
        sock.write(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"));
        sock.end();
      },
    });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.close(100);
  });
  const connect = async (settings: [number, number][] = []): Promise<RawClient> => {
    const c = await RawClient.connect(server.port, { settings });
    clients.push(c);
    return c;
  };

  it("sends our SETTINGS with the configured values, then the connection WINDOW_UPDATE, and ACKs the client's", async () => {
    const c = await connect();
    const s = await c.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0, "SETTINGS");
    assert.equal(c.frames[0], s, "SETTINGS is the server's first frame");
    const values = parseSettings(s.payload);
    assert.equal(values.get(SettingId.HEADER_TABLE_SIZE), 8192);
    assert.equal(values.get(SettingId.MAX_CONCURRENT_STREAMS), 7);
    assert.equal(values.get(SettingId.INITIAL_WINDOW_SIZE), 100000);
    assert.equal(values.get(SettingId.MAX_FRAME_SIZE), 32768);
    assert.equal(values.get(SettingId.MAX_HEADER_LIST_SIZE), 9000);
    assert.equal(values.has(SettingId.ENABLE_PUSH), false, "a server does not send ENABLE_PUSH");
    const wu = await c.waitFor((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 0, "the connection WINDOW_UPDATE");
    assert.equal(c.frames[1], wu, "right after SETTINGS");
    assert.equal(readU32(wu.payload, 0), 3_000_000 - 65535);
    await c.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0, "the ACK of our SETTINGS");
  });

  it("a raised SETTINGS_INITIAL_WINDOW_SIZE unblocks a stream stalled on its send window", async () => {
    const c = await connect([[SettingId.INITIAL_WINDOW_SIZE, 10]]);
    c.settingsAck();
    c.headers(1, [[":method", "GET"], [":scheme", "http"], [":path", "/big/1000"]], true);
    await c.waitFor((f) => f.type === FrameType.DATA && f.streamId === 1, "the first DATA");
    // A PING answered means the server has handled everything before it: still only 10 bytes.
    c.frame(FrameType.PING, 0, 0, Buffer.from("barrier1"));
    await c.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0, "the PING ACK");
    assert.equal(c.body(1).length, 10);
    c.frame(FrameType.SETTINGS, 0, 0, settingsPayload([[SettingId.INITIAL_WINDOW_SIZE, 100000]]));
    await c.waitFor((f) => f.type === FrameType.DATA && f.streamId === 1 && (f.flags & Flag.END_STREAM) !== 0, "the rest of the body");
    const body = c.body(1);
    assert.equal(body.length, 1000);
    assert.ok(body.every((b, i) => b === i % 251));
  });

  it("a lowered window may go negative; the stream waits until WINDOW_UPDATE brings it above zero", async () => {
    const c = await connect([[SettingId.INITIAL_WINDOW_SIZE, 600]]);
    c.settingsAck();
    c.headers(1, [[":method", "GET"], [":scheme", "http"], [":path", "/big/1000"]], true);
    await c.waitFor((f) => f.type === FrameType.DATA && f.streamId === 1, "the first DATA");
    c.frame(FrameType.SETTINGS, 0, 0, settingsPayload([[SettingId.INITIAL_WINDOW_SIZE, 100]])); // window 600-600-500 = -500
    c.windowUpdate(1, 500); // back to 0: still nothing may be sent
    c.frame(FrameType.PING, 0, 0, Buffer.from("barrier2"));
    await c.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0, "the PING ACK");
    assert.equal(c.body(1).length, 600);
    c.windowUpdate(1, 400);
    await c.waitFor((f) => f.type === FrameType.DATA && f.streamId === 1 && (f.flags & Flag.END_STREAM) !== 0, "the rest");
    assert.equal(c.body(1).length, 1000);
  });

  it("a response completed inside onStream closes the stream; if the request is still open, RST_STREAM(NO_ERROR) asks the client to stop", async () => {
    const c = await connect();
    c.headers(1, [[":method", "GET"], [":scheme", "http"], [":path", "/immediate"]], true);
    c.headers(3, [[":method", "POST"], [":scheme", "http"], [":path", "/immediate"]], false);
    const h = await c.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 1, "stream 1's response");
    assert.ok(h.flags & Flag.END_STREAM);
    assert.equal(await c.rstCode(3), H2Error.NO_ERROR);
    c.data(3, Buffer.from("too late")); // in flight when the server closed the stream: ignored
    c.frame(FrameType.PING, 0, 0, Buffer.from("barrier3"));
    await c.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0, "the PING ACK");
    assert.deepEqual(c.frames.filter((f) => f.type === FrameType.RST_STREAM).map((f) => f.streamId), [3]);
  });

  it("DATA frames respect the client's SETTINGS_MAX_FRAME_SIZE", async () => {
    const c = await connect([[SettingId.MAX_FRAME_SIZE, 20000], [SettingId.INITIAL_WINDOW_SIZE, 1 << 20]]);
    c.windowUpdate(0, 1 << 20);
    c.headers(1, [[":method", "GET"], [":scheme", "http"], [":path", "/big/70000"]], true);
    await c.waitFor((f) => f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0, "the end");
    const sizes = c.frames.filter((f) => f.type === FrameType.DATA).map((f) => f.payload.length);
    assert.deepEqual(sizes, [20000, 20000, 20000, 10000]);
  });

  it("a connection that starts with an HTTP/1.1 request line goes to onHttp1 with its first bytes", async () => {
    const body = await new Promise<string>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port: server.port, path: "/health" }, (res) => {
        let text = "";
        res.on("data", (d) => { text += d; });
        res.on("end", () => resolve(`${res.statusCode} ${text}`));
      }).on("error", reject);
    });
    assert.equal(body, "200 ok");
    assert.match(http1[0]!.first, /^GET \/health HTTP\/1\.1\r\n/);
  });
});

describe("HTTP/2 server: keep-alive", () => {
  let server: H2Server;
  const clients: RawClient[] = [];
  before(async () => {
    server = await startH2Server({ host: "127.0.0.1", port: 0, keepaliveIntervalMs: 60, keepaliveTimeoutMs: 120, onStream() {} });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.close(100);
  });

  it("PINGs after the interval of silence and closes when no ACK comes", async () => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    const t0 = Date.now();
    const ping = await c.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) === 0, "the keep-alive PING", 2000);
    assert.ok(Date.now() - t0 >= 50, "not before the interval");
    assert.equal(ping.payload.length, 8);
    await c.waitClosed(2000);
    assert.ok(Date.now() - t0 >= 160, "closed only after the timeout");
  });

  it("stays open while PINGs are answered", async () => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    for (let i = 0; i < 3; i++) {
      const ping = await c.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) === 0, `keep-alive PING ${i + 1}`, 2000, c.frames.length);
      c.frame(FrameType.PING, Flag.ACK, 0, ping.payload);
    }
    assert.equal(c.closed, false);
    assert.equal(server.connectionCount(), 1);
  });
});

/** Waits for a condition that events make true, polling each turn, bounded. */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

