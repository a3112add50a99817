// The hand-framed gRPC client against a scripted HTTP/2 server: success, status in trailers,
// trailers-only errors, malformed replies and client-side deadlines.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { etcdserverpb } from "../../src/gen/etcd.js";
import { H2KvConnection } from "../../src/bench/h2-client.ts";
import { CallError } from "../../src/bench/kv-client.ts";

const PORT = 25391;

function grpcFrame(bytes: Uint8Array): Buffer {
  const b = Buffer.alloc(5 + bytes.length);
  b.writeUInt32BE(bytes.length, 1);
  b.set(bytes, 5);
  return b;
}

describe("H2KvConnection", () => {
  let server: Http2Server;
  const seen: Array<{ path: string; key: string; timeout: string }> = [];
  const stalled: ServerHttp2Stream[] = [];

  before(async () => {
    server = createServer();
    server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const body = Buffer.concat(chunks);
        const req = etcdserverpb.PutRequest.decode(body.subarray(5));
        const key = Buffer.from(req.key).toString();
        seen.push({ path: String(headers[":path"]), key, timeout: String(headers["grpc-timeout"]) });
        if (key === "ok") {
          stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          stream.end(grpcFrame(etcdserverpb.PutResponse.encode({ header: { revision: 7 } }).finish()));
        } else if (key === "refused") {
          // Trailers-only response, message percent-encoded as the gRPC spec says.
          stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "9", "grpc-message": "etcdserver%3A no leader" }, { endStream: true });
        } else if (key === "garbage") {
          stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          stream.end(Buffer.from([0, 0, 0, 0, 9, 1]));
        } else {
          stalled.push(stream); // never answers
        }
      });
    });
    await new Promise<void>((r) => server.listen(PORT, "127.0.0.1", () => r()));
  });
  after(async () => {
    for (const s of stalled) s.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test("a successful call resolves and sends gRPC headers", async () => {
    const c = new H2KvConnection(`127.0.0.1:${PORT}`);
    await c.ready(2000);
    await c.put({ key: Buffer.from("ok"), value: Buffer.from("v") }, 5000);
    c.close();
    const last = seen.at(-1)!;
    assert.equal(last.path, "/etcdserverpb.KV/Put");
    assert.equal(last.key, "ok");
    assert.equal(last.timeout, "5000m");
  });

  test("errors carry the gRPC code name and the decoded message", async () => {
    const c = new H2KvConnection(`127.0.0.1:${PORT}`);
    await assert.rejects(c.put({ key: Buffer.from("refused") }, 5000), (e: unknown) => {
      assert.ok(e instanceof CallError);
      assert.equal(e.code, "FAILED_PRECONDITION");
      assert.equal(e.details, "etcdserver: no leader");
      return true;
    });
    await assert.rejects(c.put({ key: Buffer.from("garbage") }, 5000), (e: unknown) => e instanceof CallError && e.code === "INTERNAL" && /malformed Put response/.test(e.details));
    c.close();
  });

  test("a call with no answer fails with DEADLINE_EXCEEDED near its deadline", async () => {
    const c = new H2KvConnection(`127.0.0.1:${PORT}`);
    const t0 = performance.now();
    await assert.rejects(c.put({ key: Buffer.from("stall") }, 300), (e: unknown) => e instanceof CallError && e.code === "DEADLINE_EXCEEDED");
    const took = performance.now() - t0;
    assert.ok(took >= 290 && took < 2000, `took ${took} ms`);
    c.close();
  });

  test("close() fails calls in flight", async () => {
    const c = new H2KvConnection(`127.0.0.1:${PORT}`);
    const pending = c.put({ key: Buffer.from("stall") }, 10_000);
    c.close();
    await assert.rejects(pending, (e: unknown) => e instanceof CallError && e.code === "CANCELLED");
  });
});
