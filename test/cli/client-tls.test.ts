// The client commands over TLS, with etcdctl's flags: against a client port that requires client
// certificates, --cacert/--cert/--key with an https:// endpoint (or a bare one, as etcdctl) put,
// get and list members; without a certificate, without the CA, or in plaintext they fail with what
// to do; a half-given certificate or an unreadable file is a usage error. A TLS port without
// client_cert_auth serves a client that has the CA only.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalBackend } from "../../src/api/local-backend.ts";
import { type ClientServer, startClientServer } from "../../src/api/server.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { main } from "../../src/main.ts";
import { createAuthority, createLeaf } from "../../src/tls/generate.ts";

const PORT = 27111;
const ADDRESS = `127.0.0.1:${PORT}`;
/** A client port with TLS but without client_cert_auth. */
const OPEN_ADDRESS = "127.0.0.1:27113";

interface Run { code: number; stdout: string; stderr: string }

async function cli(...args: string[]): Promise<Run> {
  const out: string[] = [], err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(" "));
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(" "));
  try {
    const code = await main(args);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe("trireme client commands over TLS", () => {
  let dir = "";
  let store: MvccStore;
  let server: ClientServer;
  let open: ClientServer;
  const refused: string[] = [];
  const file = (n: string) => join(dir, n);
  const creds = () => ["--cacert", file("ca.pem"), "--cert", file("operator.pem"), "--key", file("operator-key.pem")];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "trireme-cli-tls-"));
    const ca = await createAuthority("cli test CA", 7);
    const member = await createLeaf(ca, { commonName: "node-1", hosts: ["127.0.0.1", "localhost"], role: "member", days: 7 });
    const operator = await createLeaf(ca, { commonName: "operator", hosts: [], role: "client", days: 7 });
    writeFileSync(file("ca.pem"), ca.cert);
    writeFileSync(file("operator.pem"), operator.cert);
    writeFileSync(file("operator-key.pem"), operator.key);
    store = MvccStore.open(join(dir, "kv.db"));
    const backend = new LocalBackend(store, { clusterId: 0x5eed, memberId: 7, name: "n-tls", clientURL: `https://${ADDRESS}`, peerURL: "https://127.0.0.1:27112", version: "3.5.0" });
    server = await startClientServer({
      address: ADDRESS, backend, limits: { max_request_bytes: 64 * 1024, max_txn_ops: 16 },
      tls: { material: () => ({ cert: member.cert, key: member.key, ca: ca.cert }), requireClientCert: true, onRefused: (_r, why) => refused.push(why) },
    });
    open = await startClientServer({
      address: OPEN_ADDRESS, backend, limits: { max_request_bytes: 64 * 1024, max_txn_ops: 16 },
      tls: { material: () => ({ cert: member.cert, key: member.key, ca: "" }), requireClientCert: false },
    });
  });

  after(async () => {
    await server.close(500);
    await open.close(500);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("--cacert --cert --key with an https:// endpoint: put, get, members", async () => {
    const put = await cli("put", "secure", "yes", "--endpoints", `https://${ADDRESS}`, ...creds());
    assert.equal(put.code, 0, put.stderr);
    assert.equal(put.stdout, "OK");
    const get = await cli("get", "secure", "--endpoints", `https://${ADDRESS}`, ...creds());
    assert.equal(get.stdout, "secure\nyes");
    const members = await cli("members", "--endpoints", `https://localhost:${PORT}`, ...creds());
    assert.equal(members.code, 0, members.stderr);
    assert.match(members.stdout, /n-tls \| https:\/\/127\.0\.0\.1:27112 \| https:\/\/127\.0\.0\.1:27111/);
  });

  test("a bare HOST:PORT with TLS flags is dialled with TLS, as etcdctl does", async () => {
    const get = await cli("get", "secure", "--endpoints", ADDRESS, ...creds());
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, "secure\nyes");
  });

  test("a TLS client port without client_cert_auth serves a client with the CA alone", async () => {
    const get = await cli("get", "secure", "--endpoints", `https://${OPEN_ADDRESS}`, "--cacert", file("ca.pem"));
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, "secure\nyes");
  });

  test("no client certificate, no CA, plaintext: exit 1 with what to do", async () => {
    const noCert = await cli("get", "secure", "--endpoints", `https://${ADDRESS}`, "--cacert", file("ca.pem"), "--timeout", "3000");
    assert.equal(noCert.code, 1);
    assert.match(noCert.stderr, /^Error: cannot reach 127\.0\.0\.1:27111: .*\(the member requires a client certificate: give --cert and --key\)$/);
    const noCa = await cli("get", "secure", "--endpoints", `https://${ADDRESS}`, "--cert", file("operator.pem"), "--key", file("operator-key.pem"), "--timeout", "3000");
    assert.equal(noCa.code, 1);
    assert.match(noCa.stderr, /give the cluster CA with --cacert\)$/);
    const plain = await cli("get", "secure", "--endpoints", ADDRESS, "--timeout", "3000");
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /^Error: this port serves TLS only: connect with https:\/\//);
    assert.ok(refused.some((r) => /no client certificate/.test(r)), refused.join("\n"));
  });

  test("--cert without --key, or a file that cannot be read: usage error (exit 2)", async () => {
    const half = await cli("get", "k", "--endpoints", `https://${ADDRESS}`, "--cert", file("operator.pem"));
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--cert needs --key/);
    const missing = await cli("get", "k", "--cacert", file("nope.pem"));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--cacert: cannot read ".*nope\.pem": ENOENT/);
  });
});
