// etcd's Auth API end to end with etcd's own CLI (etcdctl 3.4) against the client port over a
// LocalBackend: users, roles, permissions, enable/disable and enforcement on KV, Txn, Watch,
// Lease, Maintenance and Auth itself, with etcd's errors; token expiry; a revoked role and a
// deleted user taking effect on the next request; a restart keeping it all.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalBackend } from "../../src/api/local-backend.ts";
import { type ClientServer, startClientServer } from "../../src/api/server.ts";
import type { AuthOptions } from "../../src/api/auth-service.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { errorLine, etcdctl, LIMITS, requireEtcdctl } from "./harness.ts";

const PORT = 22311;

describe("etcdctl user / role / auth against trireme", () => {
  const dir = mkdtempSync(join(tmpdir(), "trireme-auth-api-"));
  const endpoint = `127.0.0.1:${PORT}`;
  let store: MvccStore;
  let backend: LocalBackend;
  let server: ClientServer;
  const start = async (auth: Partial<AuthOptions> = {}) => {
    store = MvccStore.open(join(dir, "kv.db"));
    backend = new LocalBackend(store, { clientURL: `http://${endpoint}` });
    server = await startClientServer({ address: endpoint, backend, limits: LIMITS, auth: { bcryptCost: 4, ...auth } });
  };
  const stop = async () => {
    await server.close(500);
    backend.close();
    store.close();
  };
  before(async () => {
    requireEtcdctl();
    await start();
  });
  after(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const as = (user?: string) => (user ? [`--user=${user}`] : []);
  const ok = async (args: string[], user?: string, input?: string) => {
    const r = await etcdctl(endpoint, [...as(user), ...args], input);
    assert.equal(r.code, 0, `etcdctl ${args.join(" ")} as ${user ?? "nobody"} failed: ${r.stderr}`);
    return r.stdout;
  };
  const fails = async (args: string[], user?: string, input?: string) => {
    const r = await etcdctl(endpoint, [...as(user), ...args], input);
    assert.notEqual(r.code, 0, `etcdctl ${args.join(" ")} as ${user ?? "nobody"} should fail: ${r.stdout}`);
    return errorLine(r);
  };

  test("users and roles are managed with etcd's answers and errors, before auth is on", async () => {
    assert.equal(await ok(["user", "add", "root:rootpw"]), "User root created\n");
    assert.equal(await ok(["role", "add", "root"]), "Role root created\n");
    assert.equal(await ok(["user", "grant-role", "root", "root"]), "Role root is granted to user root\n");
    assert.equal(await ok(["user", "add", "app:apppw"]), "User app created\n");
    assert.equal(await ok(["role", "add", "app-read"]), "Role app-read created\n");
    assert.equal(
      await ok(["role", "grant-permission", "app-read", "read", "/app/", "--prefix"]),
      "Role app-read updated\n",
    );
    assert.equal(await ok(["user", "grant-role", "app", "app-read"]), "Role app-read is granted to user app\n");
    assert.equal(await ok(["user", "add", "rw:rwpw"]), "User rw created\n");
    assert.equal(await ok(["role", "add", "app-rw"]), "Role app-rw created\n");
    await ok(["role", "grant-permission", "app-rw", "readwrite", "/app/", "--prefix"]);
    await ok(["user", "grant-role", "rw", "app-rw"]);
    assert.equal(await ok(["user", "list"]), "app\nroot\nrw\n");
    // Stored as bcrypt hashes at the configured cost (bcrypt_cost = 4 here), never as the password.
    for (const name of ["root", "app", "rw"]) assert.match(store.auth.user(name)!.hash, /^\$2b\$04\$.{53}$/);
    assert.doesNotMatch(store.auth.user("app")!.hash, /apppw/);
    assert.equal(await ok(["role", "list"]), "app-read\napp-rw\nroot\n");
    assert.equal(await ok(["user", "get", "app"]), "User: app\nRoles: app-read\n");
    assert.equal(await ok(["role", "get", "app-read"]), "Role app-read\nKV Read:\n\t[/app/, /app0) (prefix /app/)\nKV Write:\n");

    // Bad input: etcd's errors, nothing changed.
    assert.equal(await fails(["user", "add", "app:x"]), "Error: etcdserver: user name already exists");
    assert.equal(await fails(["role", "add", "app-read"]), "Error: etcdserver: role name already exists");
    assert.equal(await fails(["user", "grant-role", "app", "ghost"]), "Error: etcdserver: role name not found");
    assert.equal(await fails(["user", "grant-role", "ghost", "app-read"]), "Error: etcdserver: user name not found");
    assert.equal(await fails(["role", "grant-permission", "app-read", "read", "b", "a"]), "Error: etcdserver: invalid auth management");
    assert.equal(await fails(["user", "revoke-role", "app", "app-rw"]), "Error: etcdserver: role is not granted to the user");
    assert.equal(await fails(["user", "add", `long:${"x".repeat(73)}`]), "Error: rpc error: code = Unknown desc = bcrypt: password length exceeds 72 bytes");
    assert.equal(await fails(["user", "get", "long"]), "Error: etcdserver: user name not found");
    assert.equal(await ok(["role", "get", "app-read"]), "Role app-read\nKV Read:\n\t[/app/, /app0) (prefix /app/)\nKV Write:\n");
  });

  test("auth enable needs root; then every request is checked with etcd's errors", async () => {
    await ok(["put", "/app/a", "1"]);
    await ok(["put", "/other", "2"]);
    assert.equal(await ok(["auth", "enable"]), "Authentication Enabled\n");
    assert.equal(await fails(["get", "/app/a"]), "Error: etcdserver: user name is empty");
    assert.equal(await fails(["get", "/app/a"], "app:wrong"), "Error: etcdserver: authentication failed, invalid user ID or password");
    assert.equal(await fails(["get", "/app/a"], "ghost:x"), "Error: etcdserver: authentication failed, invalid user ID or password");

    // READ on /app/: get --prefix works, put is denied.
    assert.equal(await ok(["get", "/app/", "--prefix"], "app:apppw"), "/app/a\n1\n");
    assert.equal(await fails(["put", "/app/x", "v"], "app:apppw"), "Error: etcdserver: permission denied");
    // READWRITE on /app/: cannot read /other; a txn touching one forbidden key is refused whole.
    assert.equal(await ok(["put", "/app/x", "v"], "rw:rwpw"), "OK\n");
    assert.equal(await fails(["get", "/other"], "rw:rwpw"), "Error: etcdserver: permission denied");
    assert.equal(await fails(["get", "", "--prefix"], "rw:rwpw"), "Error: etcdserver: permission denied");
    const txn = 'value("/app/a") = "1"\n\nput /app/t yes\nput /other no\n\n\n';
    assert.equal(await fails(["txn"], "rw:rwpw", txn), "Error: etcdserver: permission denied");
    assert.equal(await ok(["get", "/app/t"], "root:rootpw"), "", "the refused txn wrote nothing");
    assert.equal(await ok(["txn"], "rw:rwpw", 'value("/app/a") = "1"\n\nput /app/t yes\n\n\n'), "SUCCESS\n\nOK\n");
    // Watch: read permission on the range at creation.
    const w = await etcdctl(endpoint, ["--user=rw:rwpw", "watch", "/other"]);
    assert.notEqual(w.code, 0);
    assert.match(w.stderr + w.stdout, /permission denied/);
    // Compact, maintenance, membership and the Auth service itself: root only.
    assert.equal(await fails(["compaction", "2"], "rw:rwpw"), "Error: etcdserver: permission denied");
    assert.match(await fails(["defrag"], "rw:rwpw"), /Failed to defragment etcd member\[.*\] \(etcdserver: permission denied\)$/);
    assert.equal(await fails(["user", "list"], "rw:rwpw"), "Error: etcdserver: permission denied");
    assert.equal(await fails(["auth", "disable"], "rw:rwpw"), "Error: etcdserver: permission denied");
    assert.equal(await ok(["user", "get", "rw"], "rw:rwpw"), "User: rw\nRoles: app-rw\n");
    assert.match(await ok(["endpoint", "status"], "rw:rwpw"), new RegExp(endpoint));
    assert.match(await ok(["member", "list"], "rw:rwpw"), /started/);
    // Lease: a put with a lease needs write on the key; revoke needs write on every attached key.
    const grant = await ok(["lease", "grant", "60"], "root:rootpw");
    const id = /lease ([0-9a-f]+) granted/.exec(grant)![1]!;
    assert.equal(await ok(["put", "/other2", "v", `--lease=${id}`], "root:rootpw"), "OK\n");
    assert.equal(await fails(["lease", "revoke", id], "rw:rwpw"), "Error: failed to revoke lease (etcdserver: permission denied)");
    assert.equal(await ok(["lease", "revoke", id], "root:rootpw"), `lease ${id} revoked\n`);
    assert.equal(await fails(["user", "delete", "root"], "root:rootpw"), "Error: etcdserver: invalid auth management");
  });

  test("a revoked role and a deleted user take effect on the next request", async () => {
    await ok(["user", "revoke-role", "rw", "app-rw"], "root:rootpw");
    assert.equal(await fails(["get", "/app/a"], "rw:rwpw"), "Error: etcdserver: permission denied");
    await ok(["user", "grant-role", "rw", "app-rw"], "root:rootpw");
    assert.equal(await ok(["get", "/app/a", "--print-value-only"], "rw:rwpw"), "1\n");
    // etcdctl's other management commands, as root.
    assert.equal(await ok(["role", "add", "tmp"], "root:rootpw"), "Role tmp created\n");
    await ok(["role", "grant-permission", "tmp", "write", "/t/", "--prefix"], "root:rootpw");
    assert.equal(await ok(["role", "revoke-permission", "tmp", "/t/", "--prefix"], "root:rootpw"), "Permission of range [/t/, /t0) is revoked from role tmp\n");
    assert.equal(await fails(["role", "revoke-permission", "tmp", "/t/", "--prefix"], "root:rootpw"), "Error: etcdserver: permission is not granted to the role");
    assert.equal(await ok(["role", "delete", "tmp"], "root:rootpw"), "Role tmp deleted\n");
    assert.equal(await ok(["user", "passwd", "rw", "--interactive=false"], "root:rootpw", "rwpw2\n"), "Password updated\n");
    assert.equal(await fails(["get", "/app/a"], "rw:rwpw"), "Error: etcdserver: authentication failed, invalid user ID or password");
    assert.equal(await ok(["get", "/app/a", "--print-value-only"], "rw:rwpw2"), "1\n");
    assert.equal(await ok(["user", "delete", "rw"], "root:rootpw"), "User rw deleted\n");
    assert.equal(await fails(["get", "/app/a"], "rw:rwpw"), "Error: etcdserver: authentication failed, invalid user ID or password");
  });

  test("a restart keeps users, roles and the enabled flag; auth disable is root's", async () => {
    await stop();
    await start();
    assert.equal(await fails(["get", "/app/a"]), "Error: etcdserver: user name is empty");
    assert.equal(await ok(["get", "/app/a", "--print-value-only"], "app:apppw"), "1\n");
    assert.equal(await ok(["user", "list"], "root:rootpw"), "app\nroot\n");
    assert.equal(await ok(["auth", "disable"], "root:rootpw"), "Authentication Disabled\n");
    assert.equal(await ok(["put", "/other", "3"]), "OK\n");
  });
});
