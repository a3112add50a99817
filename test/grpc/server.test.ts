// Our gRPC server against grpc-js's client, the reference implementation nobody here wrote:
// unary and streaming calls, statuses, metadata, deadlines, gzip, limits and cancellation.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import * as http2 from "node:http2";
import type { ServerCall } from "../../src/grpc/call.ts";
import { GrpcServer } from "../../src/grpc/server.ts";
import { GrpcStatus } from "../../src/grpc/status.ts";
import type { MethodDefinition, ServiceDefinition, UnaryCallback } from "../../src/grpc/types.ts";

// Messages are raw bytes: the codecs are the identity, so the test sees exactly what travelled.
const id = (b: Buffer) => b;
const def = (name: string, requestStream: boolean, responseStream: boolean): MethodDefinition<Buffer, Buffer> => ({
  path: `/test.Echo/${name}`,
  requestStream,
  responseStream,
  requestSerialize: id,
  requestDeserialize: id,
  responseSerialize: id,
  responseDeserialize: id,
  originalName: name[0]!.toLowerCase() + name.slice(1),
});
const Echo = {
  Unary: def("Unary", false, false),
  Fail: def("Fail", false, false),
  Slow: def("Slow", false, false),
  Meta: def("Meta", false, false),
  Count: def("Count", false, true),
  Sum: def("Sum", true, false),
  Chat: def("Chat", true, true),
} satisfies ServiceDefinition;

const MAX = 64 * 1024;

describe("gRPC server against grpc-js's client", () => {
  const server = new GrpcServer({ maxReceiveMessageBytes: MAX });
  const Client = grpc.makeGenericClientConstructor(Echo as unknown as grpc.ServiceDefinition, "Echo");
  let client: InstanceType<typeof Client>;
  let gzipClient: InstanceType<typeof Client>;
  const cancelled: string[] = [];
  let slowCalls: ServerCall<Buffer, Buffer>[] = [];
  let port = 0;

  before(async () => {
    server.addService(Echo, {
      unary: (call: ServerCall<Buffer, Buffer>, cb: UnaryCallback<Buffer>) => cb(null, Buffer.concat([Buffer.from("echo:"), call.request])),
      fail: (_call: ServerCall<Buffer, Buffer>, cb: UnaryCallback<Buffer>) => cb({ code: GrpcStatus.NOT_FOUND, details: "etcdserver: key not found 100% ✓" }),
      slow: (call: ServerCall<Buffer, Buffer>) => {
        slowCalls.push(call);
        call.on("cancelled", () => cancelled.push("slow"));
      },
      meta: (call: ServerCall<Buffer, Buffer>, cb: UnaryCallback<Buffer>) => {
        const text = call.metadata.get("x-text")[0];
        const bin = call.metadata.get("x-data-bin")[0];
        cb(null, Buffer.from(JSON.stringify({ text, bin: Buffer.isBuffer(bin) ? [...bin] : null })));
      },
      count: (call: ServerCall<Buffer, Buffer>) => {
        const n = call.request[0]!;
        for (let i = 0; i < n; i++) call.write(Buffer.from([i]));
        call.end();
      },
      sum: (call: ServerCall<Buffer, Buffer>) => {
        let total = 0;
        call.on("data", (b: Buffer) => { total += b.length; });
        call.on("end", () => {
          call.write(Buffer.from(String(total)));
          call.end();
        });
      },
      chat: (call: ServerCall<Buffer, Buffer>) => {
        call.on("data", (b: Buffer) => {
          if (b.toString() === "bye") call.emit("error", { code: GrpcStatus.ABORTED, details: "bye" });
          else call.write(Buffer.from(b.toString().toUpperCase()));
        });
        // No end() on "end": Bun's node:http2 client half-closes before it resets a cancelled
        // stream, and answering that end would finish the call before the cancel arrives.
        call.on("cancelled", () => cancelled.push("chat"));
      },
    });
    port = await server.listen("127.0.0.1", 0);
    client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    gzipClient = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { "grpc.default_compression_algorithm": 2 });
  });
  after(async () => {
    client.close();
    gzipClient.close();
    await server.close(0);
  });

  type Unary = (req: Buffer, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Buffer) => void) => void;
  const unary = (c: InstanceType<typeof Client>, name: string, req: Buffer, md = new grpc.Metadata(), opts: grpc.CallOptions = {}) =>
    new Promise<{ err: grpc.ServiceError | null; res?: Buffer }>((resolve) =>
      ((c as unknown as Record<string, Unary>)[name]!).call(c, req, md, opts, (err, res) => resolve({ err, res })));

  it("answers a unary call", async () => {
    const { err, res } = await unary(client, "Unary", Buffer.from("hi"));
    assert.equal(err, null);
    assert.equal(res?.toString(), "echo:hi");
  });

  it("answers many concurrent calls on one connection", async () => {
    const all = await Promise.all(Array.from({ length: 500 }, (_, i) => unary(client, "Unary", Buffer.from(String(i)))));
    all.forEach((r, i) => assert.equal(r.res?.toString(), `echo:${i}`));
  });

  it("ends a call with the handler's status and a message with non-ASCII text", async () => {
    const { err } = await unary(client, "Fail", Buffer.alloc(0));
    assert.equal(err?.code, GrpcStatus.NOT_FOUND);
    assert.equal(err?.details, "etcdserver: key not found 100% ✓");
  });

  it("answers UNIMPLEMENTED for an unknown method, with grpc-go's words", async () => {
    const raw = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      raw.makeUnaryRequest("/test.Echo/Nope", id, id, Buffer.alloc(0), (e) => resolve(e)));
    const err2 = await new Promise<grpc.ServiceError | null>((resolve) =>
      raw.makeUnaryRequest("/test.Other/Nope", id, id, Buffer.alloc(0), (e) => resolve(e)));
    raw.close();
    assert.equal(err?.code, GrpcStatus.UNIMPLEMENTED);
    assert.equal(err?.details, "unknown method Nope for service test.Echo");
    assert.equal(err2?.details, "unknown service test.Other");
  });

  it("hands metadata to the handler, binary values decoded", async () => {
    const md = new grpc.Metadata();
    md.set("x-text", "hello");
    md.set("x-data-bin", Buffer.from([0, 1, 255]));
    const { res } = await unary(client, "Meta", Buffer.alloc(0), md);
    assert.deepEqual(JSON.parse(res!.toString()), { text: "hello", bin: [0, 1, 255] });
  });

  it("takes gzip-compressed requests", async () => {
    const big = Buffer.alloc(20_000, "a");
    const { err, res } = await unary(gzipClient, "Unary", big);
    assert.equal(err, null);
    assert.equal(res?.length, 5 + big.length);
  });

  it("refuses a message over the limit with RESOURCE_EXHAUSTED, plain or after decompression", async () => {
    const { err } = await unary(client, "Unary", Buffer.alloc(MAX + 1));
    assert.equal(err?.code, GrpcStatus.RESOURCE_EXHAUSTED);
    assert.match(err!.details, /larger than max/);
    const zipped = await unary(gzipClient, "Unary", Buffer.alloc(MAX * 4));
    assert.equal(zipped.err?.code, GrpcStatus.RESOURCE_EXHAUSTED);
    const after = await unary(client, "Unary", Buffer.from("still"));
    assert.equal(after.res?.toString(), "echo:still");
  });

  it("ends a call at its grpc-timeout with DEADLINE_EXCEEDED and tells the handler", async () => {
    slowCalls = [];
    const { err } = await unary(client, "Slow", Buffer.alloc(0), new grpc.Metadata(), { deadline: Date.now() + 150 });
    assert.equal(err?.code, GrpcStatus.DEADLINE_EXCEEDED);
    assert.equal(slowCalls.length, 1);
    // The client's own timer and ours expire together: either the client's reset or our deadline
    // cancels the call on the server.
    await waitFor(() => slowCalls[0]!.cancelled && cancelled.includes("slow"), "the slow handler was never told its call ended");
  });

  it("enforces grpc-timeout itself when the client does not: trailers say DEADLINE_EXCEEDED", async () => {
    slowCalls = [];
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const req = session.request({ ":method": "POST", ":path": "/test.Echo/Slow", "content-type": "application/grpc", te: "trailers", "grpc-timeout": "100m" });
    req.end(Buffer.from([0, 0, 0, 0, 0]));
    const trailers = await new Promise<http2.IncomingHttpHeaders>((resolve) => {
      req.on("trailers", resolve);
      req.on("response", (h) => { if (h["grpc-status"] !== undefined) resolve(h); });
      req.resume();
    });
    session.close();
    assert.equal(trailers["grpc-status"], String(GrpcStatus.DEADLINE_EXCEEDED));
    assert.equal(slowCalls[0]?.cancelled, true);
  });

  it("streams responses (server streaming)", async () => {
    const call = (client as unknown as Record<string, (r: Buffer) => grpc.ClientReadableStream<Buffer>>).Count!.call(client, Buffer.from([50]));
    const got: number[] = [];
    call.on("data", (b: Buffer) => got.push(b[0]!));
    await new Promise<void>((resolve, reject) => { call.on("end", resolve); call.on("error", reject); });
    assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i));
  });

  it("reads a request stream (client streaming), messages split across frames", async () => {
    const res = await new Promise<Buffer>((resolve, reject) => {
      const call = (client as unknown as Record<string, (cb: (e: Error | null, r: Buffer) => void) => grpc.ClientWritableStream<Buffer>>).Sum!.call(
        client, (e, r) => (e ? reject(e) : resolve(r)));
      for (let i = 0; i < 20; i++) call.write(Buffer.alloc(30_000));
      call.end();
    });
    assert.equal(res.toString(), String(20 * 30_000));
  });

  it("runs a bidi stream, ends it with a status, and sees a client's cancel", async () => {
    const open = () => (client as unknown as Record<string, () => grpc.ClientDuplexStream<Buffer, Buffer>>).Chat!.call(client);
    const call = open();
    const got: string[] = [];
    call.on("data", (b: Buffer) => got.push(b.toString()));
    const status = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    call.on("error", () => {});
    call.write(Buffer.from("a"));
    call.write(Buffer.from("b"));
    call.write(Buffer.from("bye"));
    const s = await status;
    assert.deepEqual(got, ["A", "B"]);
    assert.equal(s.code, GrpcStatus.ABORTED);

    const second = open();
    second.on("error", () => {});
    const first = new Promise<void>((resolve) => second.once("data", () => resolve()));
    second.write(Buffer.from("x"));
    await first;
    const before = cancelled.length;
    second.cancel();
    await waitFor(() => cancelled.length > before, "the handler never saw the cancel");
    assert.equal(cancelled.at(-1), "chat");
  });
});

async function waitFor(cond: () => boolean, message: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(message);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("gRPC server: the handled-calls hook", () => {
  const handled: string[] = [];
  const server = new GrpcServer({ maxReceiveMessageBytes: MAX, onHandled: (path, kind, code) => handled.push(`${path} ${kind} ${code}`) });
  let client: grpc.Client;
  before(async () => {
    server.addService(Echo, {
      unary: (call: ServerCall<Buffer, Buffer>, cb: UnaryCallback<Buffer>) => cb(null, call.request),
      fail: (_call: ServerCall<Buffer, Buffer>, cb: UnaryCallback<Buffer>) => cb({ code: GrpcStatus.NOT_FOUND, details: "no" }),
    });
    const port = await server.listen("127.0.0.1", 0);
    client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.close(0);
  });

  it("reports every call that reached a method once, with its kind and final code", async () => {
    const call = (path: string) => new Promise<void>((resolve) =>
      client.makeUnaryRequest(path, id, id, Buffer.from("x"), () => resolve()));
    await call("/test.Echo/Unary");
    await call("/test.Echo/Fail");
    await call("/test.Echo/Nope");
    await waitFor(() => handled.length >= 2, "no handled calls reported");
    assert.deepEqual(handled, ["/test.Echo/Unary unary 0", `/test.Echo/Fail unary ${GrpcStatus.NOT_FOUND}`]);
  });
});
