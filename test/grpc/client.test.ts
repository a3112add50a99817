// Our gRPC client (GrpcChannel + ClientCall) against our server and against grpc-js's server (the
// reference): unary, streaming both ways, statuses, deadlines, gzip, and an address that is down.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { GrpcChannel } from "../../src/grpc/channel.ts";
import { ClientCall, GrpcCallError, unaryCall } from "../../src/grpc/client-call.ts";
import { GrpcServer } from "../../src/grpc/server.ts";
import { GrpcStatus, type StatusObject } from "../../src/grpc/status.ts";

const id = (b: Buffer) => b;
const def = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/test.Echo/${name}`, requestStream, responseStream,
  requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id,
  originalName: name[0]!.toLowerCase() + name.slice(1),
});
const Echo = { Unary: def("Unary", false, false), Fail: def("Fail", false, false), Never: def("Never", false, false), Sum: def("Sum", true, false), Chat: def("Chat", true, true) };

type Call = { request: Buffer; on(ev: string, f: (x: Buffer) => void): void; write(b: Buffer): boolean; end(): void; emit(ev: string, s: unknown): boolean };
const impl = {
  unary: (call: Call, cb: (e: Partial<StatusObject> | null, r?: Buffer) => void) => cb(null, Buffer.concat([Buffer.from("echo:"), call.request])),
  fail: (_c: Call, cb: (e: Partial<StatusObject> | null) => void) => cb({ code: GrpcStatus.FAILED_PRECONDITION, details: "etcdserver: nope ✓" }),
  never: () => {},
  sum: (call: Call, cb: (e: null, r: Buffer) => void) => {
    let n = 0;
    call.on("data", (b) => { n += b.length; });
    call.on("end", () => cb(null, Buffer.from(String(n))));
  },
  chat: (call: Call) => {
    call.on("data", (b) => call.write(Buffer.from(b.toString().toUpperCase())));
    call.on("end", () => call.end());
  },
};

const decode = (b: Uint8Array) => Buffer.from(b).toString();

for (const serverKind of ["ours", "grpc-js"] as const) {
  describe(`gRPC client against ${serverKind === "ours" ? "our server" : "grpc-js's server"}`, () => {
    let port = 0;
    let stop: () => Promise<void> = async () => {};
    let ch: GrpcChannel;
    before(async () => {
      if (serverKind === "ours") {
        const s = new GrpcServer({ maxReceiveMessageBytes: 8 << 20 });
        s.addService(Echo, impl);
        port = await s.listen("127.0.0.1", 0);
        stop = () => s.close(0);
      } else {
        const s = new grpc.Server();
        s.addService(Echo as unknown as grpc.ServiceDefinition, impl as unknown as grpc.UntypedServiceImplementation);
        port = await new Promise<number>((res, rej) => s.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
        stop = async () => { s.forceShutdown(); };
      }
      ch = new GrpcChannel({ host: "127.0.0.1", port });
    });
    after(async () => {
      ch.close();
      await stop();
    });

    it("makes unary calls, waiting for the first connection", async () => {
      const r = await unaryCall(ch, Echo.Unary.path, Buffer.from("hi"), decode, { deadline: Date.now() + 5000, waitForReady: true });
      assert.equal(r, "echo:hi");
      assert.equal(ch.state, "ready");
      const many = await Promise.all(Array.from({ length: 300 }, (_, i) => unaryCall(ch, Echo.Unary.path, Buffer.from(String(i)), decode)));
      many.forEach((r2, i) => assert.equal(r2, `echo:${i}`));
    });

    it("reports the server's status and message", async () => {
      const err = await unaryCall(ch, Echo.Fail.path, Buffer.alloc(0), decode).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof GrpcCallError);
      assert.equal(err.code, GrpcStatus.FAILED_PRECONDITION);
      assert.equal(err.details, "etcdserver: nope ✓");
      const unknown = await unaryCall(ch, "/test.Echo/Nope", Buffer.alloc(0), decode).then(() => undefined, (e: unknown) => e);
      assert.equal((unknown as GrpcCallError).code, GrpcStatus.UNIMPLEMENTED);
    });

    it("ends a call at its deadline with DEADLINE_EXCEEDED", async () => {
      const t0 = Date.now();
      const err = await unaryCall(ch, Echo.Never.path, Buffer.alloc(0), decode, { deadline: Date.now() + 100 }).then(() => undefined, (e: unknown) => e);
      assert.equal((err as GrpcCallError).code, GrpcStatus.DEADLINE_EXCEEDED);
      assert.ok(Date.now() - t0 < 2000);
    });

    it("streams requests, gzip-compressed, and gets one answer", async () => {
      const total = await new Promise<string>((resolve, reject) => {
        const call = new ClientCall(ch, Echo.Sum.path, decode, { compress: true });
        let got = "";
        call.onMessage = (m) => { got = m; };
        call.onStatus = (s) => (s.code === 0 ? resolve(got) : reject(new Error(s.details)));
        for (let i = 0; i < 40; i++) call.write(Buffer.alloc(50_000, i));
        call.end();
      });
      assert.equal(total, String(40 * 50_000));
    });

    it("runs a bidi stream to its end, and cancels one", async () => {
      const got: string[] = [];
      const status = await new Promise<StatusObject>((resolve) => {
        const call = new ClientCall(ch, Echo.Chat.path, decode);
        call.onMessage = (m) => got.push(m);
        call.onStatus = resolve;
        call.write(Buffer.from("a"));
        call.write(Buffer.from("b"));
        call.end();
      });
      assert.equal(status.code, GrpcStatus.OK);
      assert.deepEqual(got, ["A", "B"]);
      const cancelled = await new Promise<StatusObject>((resolve) => {
        const call = new ClientCall(ch, Echo.Chat.path, decode);
        call.onMessage = () => call.cancel();
        call.onStatus = resolve;
        call.write(Buffer.from("x"));
      });
      assert.equal(cancelled.code, GrpcStatus.CANCELLED);
    });
  });
}

describe("gRPC client: flow and connection options", () => {
  let server: GrpcServer;
  let port = 0;
  before(async () => {
    server = new GrpcServer({ maxReceiveMessageBytes: 8 << 20 });
    server.addService(Echo, impl);
    port = await server.listen("127.0.0.1", 0);
  });
  after(() => server.close(0));

  it("with gzip, write() says false once messages pile up (waiting for gzip or the window), and drain follows", async () => {
    const ch = new GrpcChannel({ host: "127.0.0.1", port });
    try {
      const size = 256 * 1024, count = 32;
      let refused = 0;
      const total = await new Promise<string>((resolve, reject) => {
        const call = new ClientCall(ch, Echo.Sum.path, decode, { compress: true, deadline: Date.now() + 20_000, waitForReady: true });
        let got = "";
        let i = 0;
        call.onMessage = (m) => { got = m; };
        call.onStatus = (st) => (st.code === 0 ? resolve(got) : reject(new Error(st.details)));
        const pump = (): void => {
          while (i < count) {
            // Random bytes do not shrink, so what waits for gzip is what the stream will carry.
            const ok = call.write(randomBytes(size));
            i++;
            if (!ok) { refused++; return; }
          }
          call.end();
        };
        call.onDrain = pump;
        pump();
      });
      assert.equal(total, String(size * count));
      assert.ok(refused > 0, "write() never said false, so nothing bounded what a writer queues");
    } finally {
      ch.close();
    }
  });

  it("a call with readyDeadline and no deadline waits for a server that starts later", async () => {
    const probe = new GrpcServer({ maxReceiveMessageBytes: 1024 });
    probe.addService(Echo, impl);
    const later = await probe.listen("127.0.0.1", 0);
    await probe.close(0);
    const ch = new GrpcChannel({ host: "127.0.0.1", port: later, backoff: { initialMs: 20, maxMs: 50 } });
    let late: GrpcServer | undefined;
    try {
      const got = new Promise<string[]>((resolve, reject) => {
        const call = new ClientCall(ch, Echo.Chat.path, decode, { waitForReady: true, readyDeadline: Date.now() + 5000 });
        const out: string[] = [];
        call.onMessage = (m) => { out.push(m); if (out.length === 2) call.end(); };
        call.onStatus = (st) => (st.code === 0 ? resolve(out) : reject(new Error(`${st.code}: ${st.details}`)));
        call.write(Buffer.from("p"));
        call.write(Buffer.from("q"));
      });
      await new Promise((r) => setTimeout(r, 150)); // a few refused attempts first
      late = new GrpcServer({ maxReceiveMessageBytes: 1024 });
      late.addService(Echo, impl);
      await late.listen("127.0.0.1", later);
      assert.deepEqual(await got, ["P", "Q"]);
    } finally {
      ch.close();
      await late?.close(0);
    }
  });

  // SO_KEEPALIVE itself is read off the socket with ss in test/transport/options.test.ts.
  it("a channel with tcpKeepAliveMs connects and reports connecting, then ready", async () => {
    const states: string[] = [];
    const ch = new GrpcChannel({ host: "127.0.0.1", port, tcpKeepAliveMs: 30_000, onState: (st) => states.push(st) });
    try {
      await ch.ready(Date.now() + 5000);
      assert.deepEqual(states, ["connecting", "ready"]);
    } finally {
      ch.close();
    }
  });
});

describe("gRPC client to an address nobody listens on", () => {
  it("fails UNAVAILABLE and says the request was never sent", async () => {
    const ch = new GrpcChannel({ host: "127.0.0.1", port: 1, backoff: { initialMs: 50, maxMs: 100 } });
    try {
      const err = await unaryCall(ch, "/x.Y/Z", Buffer.alloc(0), decode, { deadline: Date.now() + 500, waitForReady: true }).then(() => undefined, (e: unknown) => e);
      // As grpc-js: a call that waited for a connection until its deadline is DEADLINE_EXCEEDED.
      assert.ok(err instanceof GrpcCallError);
      assert.equal(err.code, GrpcStatus.DEADLINE_EXCEEDED);
      assert.equal(err.notSent, true);
      assert.match(err.details, /no connection/);
      const fast = await unaryCall(ch, "/x.Y/Z", Buffer.alloc(0), decode).then(() => undefined, (e: unknown) => e);
      assert.equal((fast as GrpcCallError).code, GrpcStatus.UNAVAILABLE);
      assert.equal((fast as GrpcCallError).notSent, true);
    } finally {
      ch.close();
    }
  });
});
