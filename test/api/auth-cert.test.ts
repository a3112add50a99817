// A client certificate's CN as the user name (etcd with --client-cert-auth): on a TLS client port
// that requires certificates, a call without a token is made as its certificate's CN, so a user
// added with --no-password works by certificate alone; a token still wins over the certificate,
// and a CN that names no user gets nothing.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeCerts } from "../../src/cli/certs.ts";
import { LocalBackend } from "../../src/api/local-backend.ts";
import { type ClientServer, startClientServer } from "../../src/api/server.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { CERT_FILES } from "../../src/tls/names.ts";
import { errorLine, etcdctl, LIMITS, requireEtcdctl } from "./harness.ts";

const PORT = 22321;

describe("client certificate CN as the user name", () => {
  const dir = mkdtempSync(join(tmpdir(), "trireme-auth-cert-"));
  const certs = join(dir, "tls");
  let store: MvccStore;
  let backend: LocalBackend;
  let server: ClientServer;
  before(async () => {
    requireEtcdctl();
    await writeCerts({ dir: certs, members: [{ id: 1, host: "127.0.0.1", basePort: 0 }], clusterName: "cn-test", days: 1, force: true });
    const read = (f: string) => readFileSync(join(certs, f), "utf8");
    store = MvccStore.open(join(dir, "kv.db"));
    backend = new LocalBackend(store, { clientURL: `https://127.0.0.1:${PORT}` });
    server = await startClientServer({
      address: `127.0.0.1:${PORT}`,
      backend,
      limits: LIMITS,
      auth: { bcryptCost: 4 },
      tls: { material: () => ({ cert: read(CERT_FILES.member(1)), key: read(CERT_FILES.memberKey(1)), ca: read(CERT_FILES.ca) }), requireClientCert: true },
    });
  });
  after(async () => {
    await server?.close(500);
    backend?.close();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** etcdctl over TLS with the operator's certificate (CN "operator") or a member's ("node-1"). */
  const ctl = (who: "operator" | "node-1", args: string[]) =>
    etcdctl(`https://127.0.0.1:${PORT}`, [
      `--cacert=${join(certs, CERT_FILES.ca)}`,
      `--cert=${join(certs, who === "operator" ? CERT_FILES.operator : CERT_FILES.member(1))}`,
      `--key=${join(certs, who === "operator" ? CERT_FILES.operatorKey : CERT_FILES.memberKey(1))}`,
      ...args,
    ]);
  const ok = async (who: "operator" | "node-1", args: string[]) => {
    const r = await ctl(who, args);
    assert.equal(r.code, 0, `etcdctl ${args.join(" ")} with ${who}'s certificate: ${r.stderr}`);
    return r.stdout;
  };

  test("a --no-password user works by certificate; a token wins; an unknown CN gets nothing", async () => {
    for (const args of [
      ["user", "add", "root:rootpw"], ["user", "grant-role", "root", "root"],
      ["user", "add", "operator", "--no-password"], ["role", "add", "app"],
      ["role", "grant-permission", "app", "readwrite", "/app/", "--prefix"], ["user", "grant-role", "operator", "app"],
      ["auth", "enable"],
    ]) await ok("operator", args);
    assert.equal(await ok("operator", ["put", "/app/x", "1"]), "OK\n");
    assert.equal(await ok("operator", ["get", "/app/x", "--print-value-only"]), "1\n");
    assert.equal(errorLine(await ctl("operator", ["get", "/other"])), "Error: etcdserver: permission denied");
    assert.equal(errorLine(await ctl("operator", ["user", "list"])), "Error: etcdserver: permission denied");
    // No password to log in with.
    assert.equal(errorLine(await ctl("operator", ["--user=operator:x", "get", "/app/x"])), "Error: etcdserver: authentication failed, invalid user ID or password");
    // node-1 is no user; with root's token the same connection is root.
    assert.equal(errorLine(await ctl("node-1", ["get", "/app/x"])), "Error: etcdserver: permission denied");
    assert.equal(await ok("node-1", ["--user=root:rootpw", "user", "list"]), "operator\nroot\n");
  });
});
