// Our HTTP/2 server against a client that breaks the protocol on purpose (raw frames): each
// violation gets the RFC 9113 answer (GOAWAY or RST_STREAM with the right code), and a fresh
// connection to the same server still works afterwards. A seeded fuzz run ends the file.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Flag, FrameType, PREFACE, SettingId } from "../../src/h2/frames.ts";
import { startH2Server, type H2Server } from "../../src/h2/server.ts";
import { H2Error, type H2ServerStream } from "../../src/h2/types.ts";
import { frameBytes, GET, mulberry32, mutate, POST, RawClient, settingsPayload, u32, validExchange } from "./raw.ts";

const MAX_STREAMS = 4;
const STREAM_WINDOW = 16384;
const CONN_WINDOW = 65535 * 2;
const MAX_HEADER_LIST = 4096;

describe("HTTP/2 protocol errors (raw frames)", () => {
  let server: H2Server;
  let port = 0;
  const held: H2ServerStream[] = [];
  const resets: number[] = [];
  const protocolErrors: string[] = [];
  const open: RawClient[] = [];

  before(async () => {
    server = await startH2Server({
      host: "127.0.0.1", port: 0,
      settings: { maxConcurrentStreams: MAX_STREAMS, initialWindowSize: STREAM_WINDOW, maxHeaderListSize: MAX_HEADER_LIST },
      connectionWindowSize: CONN_WINDOW,
      onProtocolError: (_remote, code, message) => protocolErrors.push(`${code} ${message}`),
      onStream(s) {
        const path = s.headers.find((h) => h[0] === ":path")?.[1];
        s.onReset = (code) => resets.push(code);
        if (path === "/hold") { held.push(s); return; }
        if (path === "/paused") s.pause();
        let n = 0;
        s.onData = (c) => { n += c.length; };
        s.onEnd = () => {
          s.respond([[":status", "200"]]);
          s.write(Buffer.from(`n=${n}`));
          s.end();
        };
      },
    });
    port = server.port;
  });

  after(async () => {
    for (const c of open) c.destroy();
    await server.close(100);
  });

  const connect = async (opts?: Parameters<typeof RawClient.connect>[1]): Promise<RawClient> => {
    const c = await RawClient.connect(port, opts);
    open.push(c);
    return c;
  };

  /** Connects and completes the SETTINGS exchange both ways. */
  const handshake = async (settings: [number, number][] = []): Promise<RawClient> => {
    const c = await connect({ settings });
    await c.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0, "the server's SETTINGS");
    c.settingsAck();
    return c;
  };

  /** A fresh connection gets a normal answer: the server is still serving. */
  const stillServes = async (): Promise<void> => {
    const c = await handshake();
    c.headers(1, GET, true);
    const h = await c.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 1, "response HEADERS");
    assert.deepEqual(h.headers?.[0], [":status", "200"]);
    await c.waitFor((f) => f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0, "the response's end");
    assert.equal(c.body(1).toString(), "n=0");
    c.destroy();
  };

  const expectGoaway = async (c: RawClient, code: number, lastStreamId?: number): Promise<void> => {
    const g = await c.goaway();
    assert.equal(g.code, code, `GOAWAY code ${g.code} (${g.debug}), expected ${code}`);
    if (lastStreamId !== undefined) assert.equal(g.lastStreamId, lastStreamId);
    await c.waitClosed();
    await stillServes();
  };

  it("a bad preface gets GOAWAY(PROTOCOL_ERROR) and is closed", async () => {
    const c = await connect({ preface: false });
    c.send(Buffer.from("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"));
    await expectGoaway(c, H2Error.PROTOCOL_ERROR);
    assert.ok(protocolErrors.some((e) => e.includes("invalid connection preface")));
  });

  it("an HTTP/1.1 request is closed when no HTTP/1 handler is set", async () => {
    const c = await connect({ preface: false });
    c.send(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await c.waitClosed();
    assert.equal(c.frames.length, 0);
    await stillServes();
  });

  it("a first frame other than SETTINGS is PROTOCOL_ERROR", async () => {
    const c = await connect({ preface: false });
    c.send(PREFACE);
    c.frame(FrameType.PING, 0, 0, new Uint8Array(8));
    await expectGoaway(c, H2Error.PROTOCOL_ERROR);
  });

  it("a frame over our SETTINGS_MAX_FRAME_SIZE is FRAME_SIZE_ERROR, judged from its header alone", async () => {
    const c = await handshake();
    c.send(frameBytes(FrameType.DATA, 0, 1, new Uint8Array(0), 16385));
    await expectGoaway(c, H2Error.FRAME_SIZE_ERROR);
  });

  it("DATA on stream 0 is PROTOCOL_ERROR", async () => {
    const c = await handshake();
    c.data(0, Buffer.from("x"));
    await expectGoaway(c, H2Error.PROTOCOL_ERROR);
  });

  it("HEADERS on an even stream id is PROTOCOL_ERROR", async () => {
    const c = await handshake();
    c.headers(2, GET, true);
    await expectGoaway(c, H2Error.PROTOCOL_ERROR);
  });

  it("a decreasing stream id is PROTOCOL_ERROR, and GOAWAY names the last stream processed", async () => {
    const c = await handshake();
    c.headers(5, GET, true);
    await c.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 5, "stream 5's response");
    c.headers(3, GET, true);
    await expectGoaway(c, H2Error.PROTOCOL_ERROR, 5);
  });

  it("HEADERS on a closed stream is STREAM_CLOSED", async () => {
    const c = await handshake();
    c.headers(1, GET, true);
    await c.waitFor((f) => f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0, "stream 1's end");
    c.headers(1, GET, true);
    await expectGoaway(c, H2Error.STREAM_CLOSED);
  });

  it("a frame between HEADERS and its CONTINUATION is PROTOCOL_ERROR", async () => {
    const c = await handshake();
    const block = c.encoder.encode(GET);
    c.frame(FrameType.HEADERS, Flag.END_STREAM, 1, block.subarray(0, 3));
    c.frame(FrameType.PING, 0, 0, new Uint8Array(8));
    await expectGoaway(c, H2Error.PROTOCOL_ERROR);
  });

  it("CONTINUATION without HEADERS is PROTOCOL_ERROR", async () => {
    const c = await handshake();
    c.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, c.encoder.encode(GET));
    await expectGoaway(c, H2Error.PROTOCOL_ERROR);
  });

  it("HEADERS split over CONTINUATION frames is accepted", async () => {
    const c = await handshake();
    const block = c.encoder.encode(GET);
    c.frame(FrameType.HEADERS, Flag.END_STREAM, 1, block.subarray(0, 2));
    c.frame(FrameType.CONTINUATION, 0, 1, block.subarray(2, 5));
    c.frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block.subarray(5));
    const h = await c.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 1, "the response");
    assert.deepEqual(h.headers?.[0], [":status", "200"]);
  });

  it("unknown frame types, PRIORITY on an idle stream and padded frames are accepted", async () => {
    const c = await handshake();
    c.frame(0xfa, 0xff, 0, Buffer.from("whatever"));
    c.frame(0xfa, 0, 7, new Uint8Array(0));
    c.frame(FrameType.PRIORITY, 0, 9, new Uint8Array([0, 0, 0, 0, 200]));
    const block = c.encoder.encode(POST);
    c.frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.PADDED | Flag.PRIORITY, 1, new Uint8Array([3, 0, 0, 0, 0, 16, ...block, 0, 0, 0]));
    c.frame(FrameType.DATA, Flag.PADDED | Flag.END_STREAM, 1, new Uint8Array([2, 65, 66, 0, 0]));
    await c.waitFor((f) => f.type === FrameType.DATA && f.streamId === 1 && (f.flags & Flag.END_STREAM) !== 0, "stream 1's response");
    assert.equal(c.body(1).toString(), "n=2");
    assert.equal(c.frames.some((f) => f.type === FrameType.GOAWAY || f.type === FrameType.RST_STREAM), false);
    c.destroy();
  });

  it("a CONTINUATION flood is cut off with ENHANCE_YOUR_CALM", async () => {
    const c = await handshake();
    c.frame(FrameType.HEADERS, 0, 1, c.encoder.encode(GET).subarray(0, 1));
    for (let i = 0; i < 2000; i++) c.frame(FrameType.CONTINUATION, 0, 1);
    await expectGoaway(c, H2Error.ENHANCE_YOUR_CALM);
  });

  it("WINDOW_UPDATE taking the connection window over 2^31-1 is FLOW_CONTROL_ERROR", async () => {
    const c = await handshake();
    c.windowUpdate(0, 0x7fffffff);
    await expectGoaway(c, H2Error.FLOW_CONTROL_ERROR);
  });

  it("WINDOW_UPDATE taking a stream window over 2^31-1 resets the stream with FLOW_CONTROL_ERROR", async () => {
    const c = await handshake();
    c.headers(1, [[":method", "GET"], [":scheme", "http"], [":path", "/hold"]], true);
    c.windowUpdate(1, 0x7fffffff);
    assert.equal(await c.rstCode(1), H2Error.FLOW_CONTROL_ERROR);
    c.destroy();
  });

  it("WINDOW_UPDATE of 0 is PROTOCOL_ERROR: on the connection GOAWAY, on a stream RST_STREAM", async () => {
    const s = await handshake();
    s.headers(1, [[":method", "GET"], [":scheme", "http"], [":path", "/hold"]], true);
    s.windowUpdate(1, 0);
    assert.equal(await s.rstCode(1), H2Error.PROTOCOL_ERROR);
    s.destroy();
    const c = await handshake();
    c.windowUpdate(0, 0);
    await expectGoaway(c, H2Error.PROTOCOL_ERROR);
  });

  it("DATA beyond a paused stream's window is FLOW_CONTROL_ERROR on the stream", async () => {
    const c = await handshake();
    c.headers(1, [[":method", "POST"], [":scheme", "http"], [":path", "/paused"]]);
    c.data(1, new Uint8Array(STREAM_WINDOW));
    c.data(1, new Uint8Array(1));
    assert.equal(await c.rstCode(1), H2Error.FLOW_CONTROL_ERROR);
    c.destroy();
  });

  it("DATA beyond the connection window is FLOW_CONTROL_ERROR on the connection", async () => {
    // Connection credit flows as the application reads, so only one frame larger than the
    // window can pass it: a server with large frames and the RFC's 65,535 connection window.
    const big = await startH2Server({
      host: "127.0.0.1", port: 0, connectionWindowSize: 65535,
      settings: { maxFrameSize: 1 << 20, initialWindowSize: 1 << 20 },
      onStream() {},
    });
    try {
      const c = await RawClient.connect(big.port);
      open.push(c);
      await c.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0, "the server's SETTINGS");
      c.settingsAck();
      c.headers(1, POST);
      c.data(1, new Uint8Array(65536));
      const g = await c.goaway();
      assert.equal(g.code, H2Error.FLOW_CONTROL_ERROR, g.debug);
      await c.waitClosed();
    } finally {
      await big.close(100);
    }
  });

  it("SETTINGS with bad values are connection errors with the RFC's codes", async () => {
    const cases: [string, Uint8Array, number][] = [
      ["ENABLE_PUSH=2", settingsPayload([[SettingId.ENABLE_PUSH, 2]]), H2Error.PROTOCOL_ERROR],
      ["INITIAL_WINDOW_SIZE=2^31", settingsPayload([[SettingId.INITIAL_WINDOW_SIZE, 2 ** 31]]), H2Error.FLOW_CONTROL_ERROR],
      ["MAX_FRAME_SIZE=16383", settingsPayload([[SettingId.MAX_FRAME_SIZE, 16383]]), H2Error.PROTOCOL_ERROR],
      ["MAX_FRAME_SIZE=2^24", settingsPayload([[SettingId.MAX_FRAME_SIZE, 2 ** 24]]), H2Error.PROTOCOL_ERROR],
      ["a 5-byte SETTINGS frame", new Uint8Array(5), H2Error.FRAME_SIZE_ERROR],
    ];
    for (const [what, payload, code] of cases) {
      const c = await handshake();
      c.frame(FrameType.SETTINGS, 0, 0, payload);
      const g = await c.goaway();
      assert.equal(g.code, code, `${what}: GOAWAY ${g.code} (${g.debug})`);
      await c.waitClosed();
    }
    await stillServes();
  });

  it("SETTINGS_INITIAL_WINDOW_SIZE that takes an open stream's window over 2^31-1 is FLOW_CONTROL_ERROR", async () => {
    const c = await handshake();
    c.headers(1, [[":method", "GET"], [":scheme", "http"], [":path", "/hold"]], true);
    c.windowUpdate(1, 0x7fffffff - 65535);
    c.frame(FrameType.SETTINGS, 0, 0, settingsPayload([[SettingId.INITIAL_WINDOW_SIZE, 65536]]));
    await expectGoaway(c, H2Error.FLOW_CONTROL_ERROR);
  });

  it("an undecodable header block is COMPRESSION_ERROR", async () => {
    const c = await handshake();
    c.frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, new Uint8Array([0x80]));
    await expectGoaway(c, H2Error.COMPRESSION_ERROR);
  });

  it("a header list over SETTINGS_MAX_HEADER_LIST_SIZE gets 431, and the connection goes on", async () => {
    const c = await handshake();
    c.headers(1, [...GET, ["x-big", "v".repeat(MAX_HEADER_LIST)]], true);
    const h = await c.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 1, "the 431");
    assert.deepEqual(h.headers, [[":status", "431"]]);
    c.headers(3, GET, true);
    const ok = await c.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 3, "stream 3's response");
    assert.deepEqual(ok.headers?.[0], [":status", "200"]);
    c.destroy();
  });

  it("a malformed request is a stream error (PROTOCOL_ERROR) and the connection goes on", async () => {
    const c = await handshake();
    c.headers(1, [[":method", "GET"], [":scheme", "http"]], true); // no :path
    c.headers(3, [...GET, ["connection", "keep-alive"]], true);
    c.headers(5, [[":method", "GET"], ["x-a", "1"], [":path", "/"], [":scheme", "http"]], true);
    c.headers(7, [...GET, ["content-length", "5"]], true);
    for (const id of [1, 3, 5, 7]) assert.equal(await c.rstCode(id), H2Error.PROTOCOL_ERROR, `stream ${id}`);
    c.headers(9, GET, true);
    await c.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 9, "stream 9's response");
    c.destroy();
  });

  it("DATA after the client ended the stream is STREAM_CLOSED", async () => {
    const c = await handshake();
    c.headers(1, [[":method", "GET"], [":scheme", "http"], [":path", "/hold"]], true);
    c.data(1, Buffer.from("late"));
    assert.equal(await c.rstCode(1), H2Error.STREAM_CLOSED);
    c.destroy();
  });

  it("trailers without END_STREAM are PROTOCOL_ERROR on the stream; trailers with it end the request", async () => {
    const c = await handshake();
    c.headers(1, POST);
    c.data(1, Buffer.from("abc"));
    c.headers(1, [["x-trailer", "1"]], true);
    await c.waitFor((f) => f.type === FrameType.DATA && f.streamId === 1 && (f.flags & Flag.END_STREAM) !== 0, "stream 1's response");
    assert.equal(c.body(1).toString(), "n=3");
    c.headers(3, POST);
    c.headers(3, [["x-trailer", "1"]], false);
    assert.equal(await c.rstCode(3), H2Error.PROTOCOL_ERROR);
    c.destroy();
  });

  it("PRIORITY of the wrong length is FRAME_SIZE_ERROR on the stream; padding beyond the payload is PROTOCOL_ERROR", async () => {
    const c = await handshake();
    c.frame(FrameType.PRIORITY, 0, 1, new Uint8Array(4));
    assert.equal(await c.rstCode(1), H2Error.FRAME_SIZE_ERROR);
    c.headers(3, POST);
    c.frame(FrameType.DATA, Flag.PADDED, 3, new Uint8Array([10, 1, 2]));
    await expectGoaway(c, H2Error.PROTOCOL_ERROR);
  });

  it("PUSH_PROMISE from a client is PROTOCOL_ERROR", async () => {
    const c = await handshake();
    c.frame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, u32(2));
    await expectGoaway(c, H2Error.PROTOCOL_ERROR);
  });

  it("streams over SETTINGS_MAX_CONCURRENT_STREAMS are refused (REFUSED_STREAM), the others go on", async () => {
    held.length = 0;
    const c = await handshake();
    for (let i = 0; i <= MAX_STREAMS; i++) c.headers(1 + 2 * i, [[":method", "GET"], [":scheme", "http"], [":path", "/hold"]], true);
    const refused = 1 + 2 * MAX_STREAMS;
    assert.equal(await c.rstCode(refused), H2Error.REFUSED_STREAM);
    assert.equal(held.length, MAX_STREAMS);
    for (const s of held) { s.respond([[":status", "204"]], true); }
    for (let i = 0; i < MAX_STREAMS; i++) await c.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 1 + 2 * i, `stream ${1 + 2 * i}'s response`);
    c.destroy();
  });

  it("rapid reset (streams opened and reset at once, CVE-2023-44487) gets ENHANCE_YOUR_CALM", async () => {
    const c = await handshake();
    const hold: [string, string][] = [[":method", "GET"], [":scheme", "http"], [":path", "/hold"]];
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < 1200; i++) {
      chunks.push(frameBytes(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1 + 2 * i, c.encoder.encode(hold)));
      chunks.push(frameBytes(FrameType.RST_STREAM, 0, 1 + 2 * i, u32(H2Error.CANCEL)));
    }
    c.send(Buffer.concat(chunks));
    await expectGoaway(c, H2Error.ENHANCE_YOUR_CALM);
    assert.ok(resets.filter((r) => r === H2Error.CANCEL).length >= 1000, "the application heard the resets");
  });

  it("a PING flood from a client that does not read gets ENHANCE_YOUR_CALM", async () => {
    const c = await handshake();
    c.pauseReading();
    const ping = frameBytes(FrameType.PING, 0, 0, new Uint8Array(8));
    const batch = Buffer.concat(Array.from({ length: 4096 }, () => ping));
    // ACKs fill the kernel's buffers first (a few MB); the debt is counted after that.
    for (let i = 0; i < 400 && !c.closed; i++) {
      c.send(batch);
      if (i % 16 === 15) await c.drained();
    }
    c.resumeReading();
    await expectGoaway(c, H2Error.ENHANCE_YOUR_CALM);
  });

  it("seeded fuzz: random and mutated frames on many connections never escape, every connection ends, the server serves on", async () => {
    const seed = Number(process.env.H2_FUZZ_SEED ?? 0x5eed);
    const rand = mulberry32(seed);
    const int = (n: number): number => Math.floor(rand() * n);
    const errorsBefore = protocolErrors.length;
    const codes = new Map<string, number>();
    const one = async (i: number): Promise<void> => {
      const bytes = mutate(validExchange(), int, rand);
      const c = await connect({ preface: false });
      // Split at random points so frames straddle socket chunks.
      for (let at = 0; at < bytes.length;) {
        const n = 1 + int(Math.min(bytes.length - at, int(4) === 0 ? 8 : 400));
        c.send(bytes.subarray(at, at + n));
        at += n;
      }
      c.end();
      try {
        await c.waitClosed(5000);
      } catch (err) {
        throw new Error(`seed ${seed}, connection ${i}: ${(err as Error).message}`);
      }
      const g = c.frames.find((f) => f.type === FrameType.GOAWAY);
      const key = g ? `GOAWAY ${g.payload[7]}` : "closed";
      codes.set(key, (codes.get(key) ?? 0) + 1);
    };
    const total = 300;
    for (let i = 0; i < total; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => one(i + k)));
    const internal = protocolErrors.slice(errorsBefore).filter((e) => e.startsWith(`${H2Error.INTERNAL_ERROR} `));
    assert.deepEqual(internal, [], `seed ${seed}: exceptions inside frame handling`);
    if (process.env.H2_FUZZ_VERBOSE) console.log(`seed ${seed}:`, JSON.stringify([...codes]));
    assert.ok(codes.size > 2, `seed ${seed}: the fuzz reached few outcomes: ${[...codes].join(" ")}`);
    await stillServes();
  });
});
