import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import { HpackDecoder, HpackEncoder, type HpackDecodeResult } from "../../src/h2/hpack.ts";
import type { HeaderList } from "../../src/h2/types.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/\s/g, "").match(/../g)!.map((h) => parseInt(h, 16)));
const bytes = (...parts: (number | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "number" ? [p] : [...p].map((c) => c.charCodeAt(0)))));

function decodeOk(d: HpackDecoder, block: Uint8Array): HeaderList {
  const r = d.decode(block);
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.ok ? r.headers : [];
}
function assertFatal(r: HpackDecodeResult, what: RegExp): void {
  assert.ok(!r.ok && r.fatal, `expected a fatal error, got ${JSON.stringify(r)}`);
  if (!r.ok) assert.match(r.error, what);
}
function assertStreamError(r: HpackDecodeResult, what: RegExp, tooLarge = false): void {
  assert.ok(!r.ok && !r.fatal, `expected a stream error, got ${JSON.stringify(r)}`);
  if (!r.ok && !r.fatal) {
    assert.match(r.error, what);
    // The server answers 431 for this reason alone, and resets the stream for every other.
    assert.equal(r.tooLarge, tooLarge, `tooLarge for "${r.error}"`);
  }
}

/** One RFC 7541 Appendix C step: the block, the list it carries, the table after it (newest first) and its size. */
type Step = [block: string, headers: HeaderList, table: HeaderList, size: number];

const AUTH: [string, string] = [":authority", "www.example.com"];
const REQUESTS: HeaderList[] = [
  [[":method", "GET"], [":scheme", "http"], [":path", "/"], AUTH],
  [[":method", "GET"], [":scheme", "http"], [":path", "/"], AUTH, ["cache-control", "no-cache"]],
  [[":method", "GET"], [":scheme", "https"], [":path", "/index.html"], AUTH, ["custom-key", "custom-value"]],
];
const REQUEST_TABLES: [HeaderList, number][] = [
  [[AUTH], 57],
  [[["cache-control", "no-cache"], AUTH], 110],
  [[["custom-key", "custom-value"], ["cache-control", "no-cache"], AUTH], 164],
];
const C3 = ["828684410f7777772e6578616d706c652e636f6d", "828684be58086e6f2d6361636865",
  "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565"];
const C4 = ["828684418cf1e3c2e5f23a6ba0ab90f4ff", "828684be5886a8eb10649cbf",
  "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf"];

const DATE1 = "Mon, 21 Oct 2013 20:13:21 GMT";
const DATE2 = "Mon, 21 Oct 2013 20:13:22 GMT";
const LOC: [string, string] = ["location", "https://www.example.com"];
const PRIV: [string, string] = ["cache-control", "private"];
const COOKIE: [string, string] = ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"];
const RESPONSES: HeaderList[] = [
  [[":status", "302"], PRIV, ["date", DATE1], LOC],
  [[":status", "307"], PRIV, ["date", DATE1], LOC],
  [[":status", "200"], PRIV, ["date", DATE2], LOC, ["content-encoding", "gzip"], COOKIE],
];
const RESPONSE_TABLES: [HeaderList, number][] = [
  [[LOC, ["date", DATE1], PRIV, [":status", "302"]], 222],
  [[[":status", "307"], LOC, ["date", DATE1], PRIV], 222],
  [[COOKIE, ["content-encoding", "gzip"], ["date", DATE2]], 215],
];
const C5 = [
  "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
  "4803333037c1c0bf",
  "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
];
const C6 = [
  "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
  "4883640effc1c0bf",
  "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
];
const steps = (blocks: string[], lists: HeaderList[], tables: [HeaderList, number][]): Step[] =>
  blocks.map((b, i) => [b, lists[i]!, tables[i]![0], tables[i]![1]]);

/** `encoded`: what our encoder must produce for each step (the RFC's block unless given). */
function runSteps(tableSize: number, all: Step[], encode: boolean, encoded: (string | undefined)[] = []): void {
  const d = new HpackDecoder(tableSize);
  const e = new HpackEncoder(tableSize);
  for (const [i, [block, headers, table, size]] of all.entries()) {
    assert.deepEqual(decodeOk(d, hex(block)), headers);
    assert.deepEqual(d.tableEntries(), table);
    assert.equal(d.tableSize, size);
    if (encode) {
      assert.deepEqual(e.encode(headers), hex(encoded[i] ?? block), "our encoder makes the RFC's choices byte for byte");
      assert.deepEqual(e.tableEntries(), table);
    }
  }
}

describe("HPACK decoder: RFC 7541 Appendix C", () => {
  it("C.2: literal with, without and never indexing, and an indexed field", () => {
    const d = new HpackDecoder();
    assert.deepEqual(decodeOk(d, hex("400a637573746f6d2d6b65790d637573746f6d2d686561646572")), [["custom-key", "custom-header"]]);
    assert.deepEqual(d.tableEntries(), [["custom-key", "custom-header"]]);
    assert.equal(d.tableSize, 55);
    const fresh = new HpackDecoder();
    assert.deepEqual(decodeOk(fresh, hex("040c2f73616d706c652f70617468")), [[":path", "/sample/path"]]);
    assert.deepEqual(decodeOk(fresh, hex("100870617373776f726406736563726574")), [["password", "secret"]]);
    assert.deepEqual(decodeOk(fresh, hex("82")), [[":method", "GET"]]);
    assert.equal(fresh.tableSize, 0);
  });
  it("C.3: requests without Huffman, table checked after each", () => runSteps(4096, steps(C3, REQUESTS, REQUEST_TABLES), false));
  it("C.4: requests with Huffman; the encoder produces the same bytes", () => runSteps(4096, steps(C4, REQUESTS, REQUEST_TABLES), true));
  it("C.5: responses with eviction in a 256-octet table", () => runSteps(256, steps(C5, RESPONSES, RESPONSE_TABLES), false));
  // "307" is 3 octets either way; like nghttp2 and Go we send it raw, so that block is C.5's.
  it("C.6: responses with Huffman and eviction; the encoder produces the same bytes", () =>
    runSteps(256, steps(C6, RESPONSES, RESPONSE_TABLES), true, [undefined, C5[1]]));
});

describe("HPACK decoder: errors", () => {
  const fatalCases: [string, Uint8Array, RegExp][] = [
    ["indexed field 0", bytes(0x80), /index 0/],
    ["static index past 61 with an empty dynamic table", bytes(0xbe), /past the end of the dynamic table/],
    ["literal name index past the table", bytes(0x7e, 0x01, "a"), /name index 62 is past/],
    ["size update above the advertised 4096", bytes(0x3f, 0xe2, 0x1f), /4097 is above the 4096/],
    ["size update after a field", bytes(0x82, 0x20), /after the first field/],
    ["truncated integer", bytes(0xff), /ends inside an integer/],
    ["integer past 2^31-1", bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f), /too large/],
    ["literal without its name string", bytes(0x40), /ends before a string literal/],
    ["literal without its value string", bytes(0x44), /ends before a string literal/],
    ["string longer than the block", bytes(0x44, 0x05, "ab"), /runs past the end/],
    ["Huffman string with bad padding", bytes(0x44, 0x81, 0x06), /padding/],
    ["Huffman string with EOS", bytes(0x44, 0x84, 0xff, 0xff, 0xff, 0xff), /Huffman/],
  ];
  for (const [what, block, error] of fatalCases) it(`fatal: ${what}`, () => assertFatal(new HpackDecoder().decode(block), error));

  it("fatal: index just past a non-empty dynamic table, and a size update above a smaller limit", () => {
    const d = new HpackDecoder(256);
    decodeOk(d, bytes(0x40, 0x01, "a", 0x01, "b"));
    assert.deepEqual(decodeOk(d, bytes(0xbe)), [["a", "b"]]);
    assertFatal(d.decode(bytes(0xbf)), /index 63 is past the end of the dynamic table \(1 entries\)/);
    assertFatal(d.decode(bytes(0x3f, 0xe2, 0x01)), /257 is above the 256/);
  });

  it("an uppercase name is a stream error, the table still takes it and the rest of the block", () => {
    const d = new HpackDecoder();
    assertStreamError(d.decode(bytes(0x40, 0x03, "Foo", 0x03, "bar", 0x40, 0x01, "x", 0x01, "y")), /uppercase/);
    assert.deepEqual(d.tableEntries(), [["x", "y"], ["Foo", "bar"]]);
    assert.deepEqual(decodeOk(d, bytes(0xbe)), [["x", "y"]]);
    assertStreamError(d.decode(bytes(0xbf)), /uppercase/);
    assertStreamError(d.decode(bytes(0x0f, 0x30, 0x01, "z")), /uppercase/); // the name of entry 63
  });
  it("a fatal error after a stream error in the same block wins", () => {
    assertFatal(new HpackDecoder().decode(bytes(0x00, 0x01, "A", 0x00, 0x80)), /index 0/);
  });
  it("invalid name characters and NUL/CR/LF in values are stream errors", () => {
    assertStreamError(new HpackDecoder().decode(bytes(0x00, 0x02, "a ", 0x00)), /outside visible ASCII/);
    assertStreamError(new HpackDecoder().decode(bytes(0x00, 0x00, 0x01, "v")), /empty/);
    for (const c of [0x00, 0x0a, 0x0d]) assertStreamError(new HpackDecoder().decode(bytes(0x04, 0x02, "/", c)), /NUL, CR or LF/);
  });
  it("a header list over the limit is a stream error and keeps the table in step", () => {
    const d = new HpackDecoder(4096, 120);
    const e = new HpackEncoder();
    const big: HeaderList = [["x-a", "1".repeat(40)], ["x-b", "2".repeat(40)], ["x-c", "3"]];
    assertStreamError(d.decode(e.encode(big)), /larger than the 120 bytes/, true);
    assert.deepEqual(d.tableEntries(), e.tableEntries());
    assert.deepEqual(decodeOk(d, e.encode([["x-c", "3"], ["x-a", "1".repeat(40)]])), [["x-c", "3"], ["x-a", "1".repeat(40)]]);
    // A few bytes referencing a large entry over and over stop being collected at the limit.
    const small = new HpackDecoder(4096, 8192);
    decodeOk(small, bytes(0x40, 0x01, "k", 0x7f, 0xe9, 0x06, "v".repeat(1000)));
    assertStreamError(small.decode(new Uint8Array(10_000).fill(0xbe)), /larger than the 8192/, true);
  });
  it("random and mutated blocks never throw", () => {
    const rand = prng(7);
    const e = new HpackEncoder();
    for (let i = 0; i < 3000; i++) {
      const block = i % 2 ? Uint8Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256))
        : e.encode(randomList(rand));
      if (i % 2 === 0 && block.length > 0) block[Math.floor(rand() * block.length)] ^= 1 << Math.floor(rand() * 8);
      const r = new HpackDecoder(4096, 4096).decode(block);
      assert.equal(typeof r.ok, "boolean");
    }
  });
});

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const NAMES = [":path", ":status", "content-type", "user-agent", "grpc-timeout", "authorization", "cookie", "token", "x-trace", "accept-encoding"];
function randomString(rand: () => number, len: number, lo: number, hi: number): string {
  let s = "";
  for (let i = 0; i < len; i++) s += String.fromCharCode(lo + Math.floor(rand() * (hi - lo + 1)));
  return s;
}
function randomList(rand: () => number): HeaderList {
  const list: HeaderList = [];
  for (let n = Math.floor(rand() * 8); n > 0; n--) {
    const name = rand() < 0.8 ? NAMES[Math.floor(rand() * NAMES.length)]! : randomString(rand, 1 + Math.floor(rand() * 12), 0x61, 0x7a);
    const r = rand();
    // Few values (so they repeat and hit the table), printable ASCII, latin1 octets, or over 1 KiB.
    const value = r < 0.5 ? `v${Math.floor(rand() * 6)}` : r < 0.8 ? randomString(rand, Math.floor(rand() * 30), 0x20, 0x7e)
      : r < 0.95 ? randomString(rand, Math.floor(rand() * 30), 0xa0, 0xff) : randomString(rand, 1025 + Math.floor(rand() * 500), 0x21, 0x7e);
    list.push([name, value]);
  }
  return list;
}

describe("HPACK encoder", () => {
  it("round-trips random header lists with table size changes, tables in step", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = prng(seed);
      const e = new HpackEncoder();
      const d = new HpackDecoder();
      for (let i = 0; i < 400; i++) {
        if (rand() < 0.05) e.setMaxTableSize([0, 64, 256, 1000, 4096][Math.floor(rand() * 5)]!);
        if (rand() < 0.02) { e.setMaxTableSize(0); e.setMaxTableSize(4096); }
        const list = randomList(rand);
        assert.deepEqual(decodeOk(d, e.encode(list)), list, `seed ${seed}, list ${i}`);
        assert.deepEqual(d.tableEntries(), e.tableEntries(), `seed ${seed}, list ${i}`);
        assert.equal(d.tableSize, e.tableSize);
      }
    }
  });
  it("warm gRPC response headers and trailers take one byte per field", () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    const response: HeaderList = [[":status", "200"], ["content-type", "application/grpc"], ["grpc-encoding", "identity"],
      ["grpc-accept-encoding", "identity,gzip"]];
    const trailers: HeaderList = [["grpc-status", "0"]];
    decodeOk(d, e.encode(response)); decodeOk(d, e.encode(trailers));
    for (let i = 0; i < 3; i++) {
      const r = e.encode(response), t = e.encode(trailers);
      assert.equal(r.length, 4);
      assert.equal(t.length, 1);
      assert.deepEqual(decodeOk(d, r), response);
      assert.deepEqual(decodeOk(d, t), trailers);
    }
  });
  it("sends credentials never-indexed and values over 1 KiB without indexing", () => {
    const e = new HpackEncoder();
    for (const name of ["authorization", "cookie", "token", "proxy-authorization"]) {
      const block = e.encode([[name, "secret"]]);
      assert.equal(block[0]! & 0xf0, 0x10, name);
      assert.deepEqual(e.encode([[name, "secret"]]), block, "still a literal the second time");
    }
    const big = e.encode([["x-big", "b".repeat(1100)]]);
    assert.equal(big[0], 0x00);
    assert.equal(e.tableSize, 0);
    assert.equal(e.encode([["x-small", "s"]])[0], 0x40);
  });
  it("uses Huffman only when shorter", () => {
    const e = new HpackEncoder();
    assert.deepEqual(e.encode([[":path", "/"]]), bytes(0x84));
    assert.deepEqual(e.encode([["x", "{}{}"]]), bytes(0x40, 0x01, "x", 0x04, "{}{}"));
  });
  it("signals the smallest size since the last block, then the final one", () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    decodeOk(d, e.encode([["x-a", "1"]]));
    e.setMaxTableSize(100); e.setMaxTableSize(0); e.setMaxTableSize(8192);
    const block = e.encode([["x-b", "2"]]);
    assert.deepEqual(block.subarray(0, 4), bytes(0x20, 0x3f, 0xe1, 0x1f), "0, then 4096 (capped at the constructor's size)");
    assert.deepEqual(decodeOk(d, block), [["x-b", "2"]]);
    assert.deepEqual(d.tableEntries(), [["x-b", "2"]]);
    assert.equal(d.tableMaxSize, 4096);
  });
  it("sends a char above 0xff as UTF-8 rather than dropping bits", () => {
    const r = new HpackDecoder().decode(new HpackEncoder().encode([["x", "\u20ac"]]));
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(r.headers, [["x", "\xe2\x82\xac"]]);
  });
});

/** A raw HTTP/2 server on node:net: hands each request's header block to onBlock and answers with the
 *  block it returns, as one HEADERS frame that ends the stream. */
function rawServer(onBlock: (block: Uint8Array) => Uint8Array): net.Server {
  const frame = (type: number, flags: number, stream: number, payload: Uint8Array): Buffer => {
    const h = Buffer.alloc(9);
    h.writeUIntBE(payload.length, 0, 3); h[3] = type; h[4] = flags; h.writeUInt32BE(stream, 5);
    return Buffer.concat([h, payload]);
  };
  return net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    let prefaceSeen = false;
    let pending: Buffer[] = [];
    sock.write(frame(4, 0, 0, new Uint8Array()));
    sock.on("error", () => {});
    sock.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!prefaceSeen) { if (buf.length < 24) return; buf = buf.subarray(24); prefaceSeen = true; }
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3), type = buf[3]!, flags = buf[4]!, stream = buf.readUInt32BE(5) & 0x7fffffff;
        if (buf.length < 9 + len) return;
        let p = buf.subarray(9, 9 + len);
        buf = buf.subarray(9 + len);
        if (type === 4 && !(flags & 1)) sock.write(frame(4, 1, 0, new Uint8Array()));
        if (type !== 1 && type !== 9) continue;
        if (type === 1) {
          const pad = flags & 0x8 ? p[0]! : 0;
          p = p.subarray(flags & 0x8 ? 1 : 0, p.length - pad);
          if (flags & 0x20) p = p.subarray(5);
        }
        pending.push(p);
        if (flags & 0x4) {
          const block = Buffer.concat(pending);
          pending = [];
          sock.write(frame(1, 0x4 | 0x1, stream, onBlock(block)));
        }
      }
    });
  });
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
};

describe("HPACK interop with node:http2 (Bun's client)", () => {
  const decoder = new HpackDecoder();
  const encoder = new HpackEncoder();
  const received: HpackDecodeResult[] = [];
  const blockSizes: number[] = [];
  let responseFor: (i: number) => HeaderList = () => [[":status", "200"]];
  let server: net.Server;
  let client: http2.ClientHttp2Session;
  before(async () => {
    server = rawServer((block) => {
      blockSizes.push(block.length);
      received.push(decoder.decode(block));
      return encoder.encode(responseFor(received.length - 1));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    client = http2.connect(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    client.on("error", () => {});
  });
  after(async () => {
    client?.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("decodes the request blocks the client sends, and the client decodes ours, over many requests", async () => {
    responseFor = (i) => {
      if (i === 5) { encoder.setMaxTableSize(50); encoder.setMaxTableSize(4096); }
      return [[":status", i % 3 ? "200" : "404"], ["content-type", "application/grpc"], ["grpc-encoding", "identity"],
        ["grpc-accept-encoding", "identity,gzip"], ["x-call", `${i % 4}`], ["x-long", "L".repeat(i === 7 ? 3000 : 10)]];
    };
    for (let i = 0; i < 12; i++) {
      const sent: Record<string, string> = {
        ":method": "POST", ":path": `/etcdserverpb.KV/${i % 2 ? "Put" : "Range"}`, "content-type": "application/grpc",
        "user-agent": "grpc-node/1.14.7", te: "trailers", "grpc-timeout": `${4999900 + i}u`, authorization: "Bearer abc",
        "x-value": i === 4 ? "v".repeat(20_000) : `value-${i % 3}`, "x-latin1": "caf\xe9",
      };
      const req = client.request(sent, { endStream: true });
      const headers = await within(new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        req.on("response", resolve); req.on("error", reject);
      }), 5000, `response ${i}`);
      req.resume();
      await within(new Promise((resolve) => req.on("close", resolve)), 5000, `close of stream ${i}`);

      const r = received[i]!;
      assert.ok(r.ok, r.ok ? "" : r.error);
      if (!r.ok) return;
      const got = new Map(r.headers);
      for (const [k, v] of Object.entries(sent)) assert.equal(got.get(k), v, `request ${i}: ${k}`);
      assert.equal(got.get(":scheme"), "http");
      assert.ok(got.get(":authority")?.startsWith("127.0.0.1:"));
      for (const [k, v] of responseFor(i)) assert.equal(String(headers[k]), v, `response ${i}: ${k}`);
    }
    // The client did use its dynamic table, and the 20 kB value came in CONTINUATION frames.
    assert.ok(blockSizes[2]! < blockSizes[0]! / 2, `request blocks ${blockSizes.join(", ")}`);
    assert.ok(blockSizes[4]! > 16_384, `request blocks ${blockSizes.join(", ")}`);
  });
});
