// HTTP/2 over TLS (ALPN h2) on Bun's sockets and on node:tls: mutual handshakes that carry
// requests, refusals at the handshake (no certificate, another CA's, a CN that allowed_cn does not
// name, SANs that miss allowed_hostname) reported with the remote address and the reason; a plaintext client told in its own
// protocol to use TLS (a gRPC error, an HTTP 400) and closed; TLS without client certificates; a
// client that refuses a server of another CA; certificate files replaced under a running listener.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as net from "node:net";
import * as tls from "node:tls";
import { connectH2 } from "../../src/h2/client.ts";
import { startH2Server, type H2Server } from "../../src/h2/server.ts";
import type { H2ClientConnection, H2ClientTls, H2ServerTls, HeaderList } from "../../src/h2/types.ts";
import { createAuthority, createLeaf, type Pem } from "../../src/tls/generate.ts";
import { peerAuthorizer } from "../../src/tls/options.ts";
import { CredentialFiles } from "../../src/tls/source.ts";

let dir = "";
let ca = "";
let member: Pem, operator: Pem, intruder: Pem, rotated: Pem, foreignServer: Pem;
const servers: H2Server[] = [];
const conns: H2ClientConnection[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "trireme-h2-tls-"));
  const authority = await createAuthority("h2 test CA", 7);
  const other = await createAuthority("other CA", 7);
  ca = authority.cert;
  member = await createLeaf(authority, { commonName: "node-1", hosts: ["127.0.0.1", "localhost"], role: "member", days: 7 });
  rotated = await createLeaf(authority, { commonName: "node-1", hosts: ["127.0.0.1", "localhost"], role: "member", days: 7 });
  operator = await createLeaf(authority, { commonName: "operator", hosts: [], role: "client", days: 7 });
  intruder = await createLeaf(other, { commonName: "node-1", hosts: ["127.0.0.1"], role: "member", days: 7 });
  foreignServer = await createLeaf(other, { commonName: "node-9", hosts: ["127.0.0.1"], role: "member", days: 7 });
});

after(async () => {
  for (const c of conns) c.destroy();
  await Promise.all(servers.map((s) => s.close(100)));
  rmSync(dir, { recursive: true, force: true });
});

const req: HeaderList = [[":method", "GET"], [":scheme", "https"], [":path", "/hello"], [":authority", "localhost"]];

function get(conn: H2ClientConnection): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = conn.request(req, true);
    let body = "";
    s.onHeaders = () => {};
    s.onData = (c) => { body += Buffer.from(c).toString(); };
    s.onEnd = () => resolve(body);
    s.onReset = (code) => reject(new Error(`reset ${code}`));
  });
}

interface Refusal { remote: string; reason: string }

/** A condition that must come true within the deadline. */
async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function serve(socket: "bun" | "node", t: Partial<H2ServerTls> & { material: H2ServerTls["material"] }): Promise<{ server: H2Server; refused: Refusal[]; reloads: (Error | undefined)[] }> {
  const refused: Refusal[] = [];
  const reloads: (Error | undefined)[] = [];
  const server = await startH2Server({
    host: "127.0.0.1",
    port: 0,
    socket,
    tls: { requireClientCert: true, onRefused: (remote, reason) => refused.push({ remote, reason }), onReloaded: (e) => reloads.push(e), ...t },
    onStream: (s) => {
      s.onData = () => {};
      s.onEnd = () => {};
      s.respond([[":status", "200"]]);
      s.end(); // the body is written below, before end
    },
  });
  servers.push(server);
  return { server, refused, reloads };
}

const fixed = (p: Pem) => () => ({ cert: p.cert, key: p.key, ca });
const client = (p?: Pem, caPem = ca): H2ClientTls => ({ material: () => ({ ...(p ? { cert: p.cert, key: p.key } : {}), ca: caPem }) });

for (const socket of ["bun", "node"] as const) {
  describe(`TLS on ${socket} sockets`, () => {
    test("a client with a certificate of the CA gets its answer over h2", async () => {
      const { server } = await serve(socket, { material: fixed(member) });
      const conn = await connectH2({ host: "127.0.0.1", port: server.port, socket, tls: client(operator) });
      conns.push(conn);
      assert.equal(await get(conn), "");
      assert.equal(server.connectionCount(), 1);
    });

    test("no client certificate, or one of another CA: refused at the handshake and logged with the remote address", async () => {
      const { server, refused } = await serve(socket, { material: fixed(member) });
      for (const who of [undefined, intruder]) {
        const before = refused.length;
        await assert.rejects(connectH2({ host: "127.0.0.1", port: server.port, socket, connectTimeoutMs: 5000, tls: client(who) }));
        await until("the refusal log", () => refused.length > before);
        assert.match(refused[refused.length - 1]!.remote, /^127\.0\.0\.1:\d+$/);
        assert.match(refused[refused.length - 1]!.reason, who ? /not signed by the trusted CA/ : /no client certificate/);
      }
      assert.equal(server.connectionCount(), 0);
    });

    test("allowed_cn: a certificate of the CA with another CN is refused with its CN in the reason", async () => {
      const { server, refused } = await serve(socket, {
        material: fixed(member),
        authorize: ({ commonName }) => (commonName === "node-1" ? undefined : `CN ${commonName} not allowed`),
      });
      await assert.rejects(connectH2({ host: "127.0.0.1", port: server.port, socket, connectTimeoutMs: 5000, tls: client(operator) }));
      await until("the refusal", () => refused.length > 0);
      assert.match(refused[0]!.reason, /CN operator not allowed/);
      const ok = await connectH2({ host: "127.0.0.1", port: server.port, socket, tls: client(member) });
      conns.push(ok);
      assert.equal(await get(ok), "");
    });

    test("allowed_hostname: a certificate of the CA whose SANs do not cover the name is refused, one that does is served", async () => {
      const { server, refused } = await serve(socket, { material: fixed(member), authorize: peerAuthorizer("", "localhost") });
      await assert.rejects(connectH2({ host: "127.0.0.1", port: server.port, socket, connectTimeoutMs: 5000, tls: client(operator) }));
      await until("the refusal", () => refused.length > 0);
      assert.match(refused[0]!.reason, /certificate SANs "\(none\)" do not cover tls\.peer\.allowed_hostname "localhost"/);
      const ok = await connectH2({ host: "127.0.0.1", port: server.port, socket, tls: client(member) });
      conns.push(ok);
      assert.equal(await get(ok), "");
    });

    test("a plaintext HTTP/2 client is told, as a gRPC error on its request, to use TLS; then GOAWAY; the refusal is logged", async () => {
      const { server, refused } = await serve(socket, { material: fixed(member) });
      const conn = await connectH2({ host: "127.0.0.1", port: server.port, socket, connectTimeoutMs: 5000 });
      conns.push(conn);
      let goaway = -1;
      conn.onGoaway = (code) => (goaway = code);
      const closed = new Promise<void>((resolve) => (conn.onClose = () => resolve()));
      const trailers = await new Promise<HeaderList>((resolve, reject) => {
        const s = conn.request([[":method", "POST"], [":scheme", "http"], [":path", "/etcdserverpb.KV/Range"], [":authority", "127.0.0.1"], ["content-type", "application/grpc"]], true);
        s.onHeaders = (h, end) => { if (end) resolve(h); };
        s.onData = () => {};
        s.onEnd = () => {};
        s.onReset = (code) => reject(new Error(`reset ${code}`));
      });
      const h = new Map(trailers);
      assert.equal(h.get("grpc-status"), "16");
      assert.match(h.get("grpc-message") ?? "", /^this port serves TLS only: connect with https:\/\//);
      await closed;
      assert.equal(goaway, 0, "the server ended the connection with GOAWAY(NO_ERROR)");
      await until("the refusal", () => refused.length > 0);
      assert.match(refused[0]!.remote, /^127\.0\.0\.1:\d+$/);
      assert.match(refused[0]!.reason, /not TLS \(a plaintext client/);
    });

    test("plaintext HTTP/1.1 gets 400 with the reason; bytes that are neither are closed at once", async () => {
      const { server, refused } = await serve(socket, { material: fixed(member) });
      const http1 = await rawExchange(server.port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.match(http1, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.match(http1, /Client sent an HTTP request to an HTTPS server: this port serves TLS only/);
      assert.equal(await rawExchange(server.port, "\x00\x01garbage"), "");
      await until("two refusals", () => refused.length >= 2);
      for (const r of refused) assert.match(r.reason, /not TLS/);
    });

    test("a port that also serves HTTP/1.1 offers it in ALPN, so an HTTP/1.1-only TLS client (a probe, curl --http1.1) is answered; a gRPC-only port refuses it", async () => {
      const answered = await startH2Server({
        host: "127.0.0.1", port: 0, socket,
        tls: { requireClientCert: true, material: fixed(member) },
        onStream: () => {},
        onHttp1: (sock) => { sock.write(Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")); sock.end(); },
      });
      servers.push(answered);
      const got = await tlsHttp1(answered.port);
      assert.equal(got.alpn, "http/1.1");
      assert.match(got.text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
      const { server: grpcOnly } = await serve(socket, { material: fixed(member) });
      await assert.rejects(tlsHttp1(grpcOnly.port), /protocol|ALPN|socket hang up|ECONNRESET|closed/i);
    });

    test("TLS without client certificates (client_cert_auth off): a client without one is served", async () => {
      const { server, refused } = await serve(socket, { material: fixed(member), requireClientCert: false });
      const conn = await connectH2({ host: "127.0.0.1", port: server.port, socket, tls: client() });
      conns.push(conn);
      assert.equal(await get(conn), "");
      assert.deepEqual(refused, []);
    });

    test("a server whose certificate is not of the client's CA is refused by the client", async () => {
      const { server } = await serve(socket, { material: () => ({ cert: foreignServer.cert, key: foreignServer.key, ca }) });
      await assert.rejects(
        connectH2({ host: "127.0.0.1", port: server.port, socket, connectTimeoutMs: 5000, tls: client(member) }),
        /TLS handshake with 127\.0\.0\.1:\d+ failed: certificate not signed by the trusted CA/,
      );
    });

    test("replaced certificate files are used by new connections; open ones go on", async () => {
      const sub = join(dir, socket);
      rmSync(sub, { recursive: true, force: true });
      mkdirSync(sub);
      const files = { certFile: join(sub, "m.pem"), keyFile: join(sub, "m-key.pem"), caFile: join(sub, "ca.pem") };
      writeFileSync(files.certFile, member.cert);
      writeFileSync(files.keyFile, member.key);
      writeFileSync(files.caFile, ca);
      const source = new CredentialFiles(files, 50);
      const { server, reloads } = await serve(socket, { material: () => source.material(), watch: (c) => source.watch(c) });
      const old = await connectH2({ host: "127.0.0.1", port: server.port, socket, tls: client(operator) });
      conns.push(old);
      assert.equal(await serialOnTheWire(server.port), serialOf(member.cert));
      writeFileSync(files.certFile, rotated.cert);
      writeFileSync(files.keyFile, rotated.key);
      await until("the reload", () => reloads.length > 0);
      assert.equal(reloads[0], undefined);
      assert.equal(await serialOnTheWire(server.port), serialOf(rotated.cert));
      assert.equal(await get(old), "", "a connection made before the rotation still serves");
      const fresh = await connectH2({ host: "127.0.0.1", port: server.port, socket, tls: client(operator) });
      conns.push(fresh);
      assert.equal(await get(fresh), "");
    });
  });
}

/** Sends `text` on a plain TCP connection; resolves with everything read until the server closed. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(text, "latin1"));
    let got = "";
    s.on("data", (d: Buffer) => (got += d.toString("latin1")));
    s.on("error", (e) => (/ECONNRESET/.test(e.message) ? undefined : reject(e)));
    s.on("close", () => resolve(got));
  });
}

/** One HTTP/1.1 GET over TLS from a client that offers only http/1.1 in ALPN. */
function tlsHttp1(port: number): Promise<{ alpn: string | false; text: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port, ca, cert: operator.cert, key: operator.key, ALPNProtocols: ["http/1.1"], checkServerIdentity: () => undefined }, () => {
      const alpn = s.alpnProtocol ?? false;
      s.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      let text = "";
      s.on("data", (d: Buffer) => (text += d.toString("latin1")));
      s.on("end", () => resolve({ alpn, text }));
    });
    s.on("error", reject);
    s.on("close", () => reject(new Error("closed before an answer")));
  });
}

function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber;
}

/** The serial of the certificate the server presents to a new connection, as node:tls sees it. */
function serialOnTheWire(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port, ca, cert: operator.cert, key: operator.key, ALPNProtocols: ["h2"], checkServerIdentity: () => undefined }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.destroy();
      resolve(serial);
    });
    s.on("error", reject);
  });
}

