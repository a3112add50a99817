// The auth store alone (kv/auth-store.ts) on a bare SQLite file: etcd's rules for users, roles,
// permissions and enable/disable, what is kept across a reload, and the permission checks
// (kv/auth-check.ts) the client port and the applier run.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite, type SqliteDb, type Statement } from "../../src/storage/sqlite.ts";
import { AUTH_TABLES, AuthStore } from "../../src/kv/auth-store.ts";
import { checkAdmin, checkKvRequest } from "../../src/kv/auth-check.ts";
import { PermType } from "../../src/kv/auth-types.ts";
import { EtcdError } from "../../src/kv/errors.ts";
import type { InternalRequest } from "../../src/kv/types.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { SCHEMA_VERSION } from "../../src/kv/schema.ts";

const b = (s: string) => new TextEncoder().encode(s);

describe("auth store", () => {
  const dir = mkdtempSync(join(tmpdir(), "trireme-auth-"));
  const dbs: SqliteDb[] = [];
  after(() => {
    for (const db of dbs) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = (name: string) => {
    const db = openSqlite(join(dir, name));
    dbs.push(db);
    db.exec("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;" + AUTH_TABLES);
    const stmts = new Map<string, Statement>();
    const stmt = (sql: string) => stmts.get(sql) ?? (stmts.set(sql, db.prepare(sql)), stmts.get(sql)!);
    const s = new AuthStore(stmt);
    s.load();
    return s;
  };
  const refuses = (s: AuthStore, req: InternalRequest, message: string) => {
    const before = s.revision;
    assert.throws(() => s.apply(req), (e: unknown) => e instanceof EtcdError && e.message === message);
    assert.equal(s.revision, before, "a refused change must not move the auth revision");
  };

  test("enable needs a root user with the root role; etcd's errors for bad input change nothing", () => {
    const s = open("a.db");
    refuses(s, { authEnable: {} }, "etcdserver: root user does not exist");
    s.apply({ authUserAdd: { name: "root", hashedPassword: "$2b$04$x" } });
    refuses(s, { authEnable: {} }, "etcdserver: root user does not have root role");
    refuses(s, { authUserAdd: { name: "" } }, "etcdserver: user name is empty");
    refuses(s, { authUserAdd: { name: "root" } }, "etcdserver: user name already exists");
    refuses(s, { authRoleAdd: { name: "" } }, "etcdserver: role name is empty");
    refuses(s, { authUserGrantRole: { user: "root", role: "nope" } }, "etcdserver: role name not found");
    refuses(s, { authUserGrantRole: { user: "nobody", role: "root" } }, "etcdserver: user name not found");
    s.apply({ authUserGrantRole: { user: "root", role: "root" } });
    s.apply({ authRoleAdd: { name: "app" } });
    refuses(s, { authRoleAdd: { name: "app" } }, "etcdserver: role name already exists");
    refuses(s, { authRoleGrantPermission: { name: "app", perm: { permType: PermType.READ, key: b("b"), rangeEnd: b("a") } } }, "etcdserver: invalid auth management");
    refuses(s, { authRoleGrantPermission: { name: "ghost", perm: { permType: PermType.READ, key: b("a") } } }, "etcdserver: role name not found");
    refuses(s, { authRoleRevokePermission: { role: "app", key: b("a") } }, "etcdserver: permission is not granted to the role");
    refuses(s, { authUserRevokeRole: { name: "root", role: "app" } }, "etcdserver: role is not granted to the user");
    s.apply({ authEnable: {} });
    assert.equal(s.enabled, true);
    refuses(s, { authUserDelete: { name: "root" } }, "etcdserver: invalid auth management");
    refuses(s, { authUserRevokeRole: { name: "root", role: "root" } }, "etcdserver: invalid auth management");
  });

  test("permissions: key, range and prefix; read vs write; a txn is checked as a whole; kept across a reload", () => {
    const s = open("b.db");
    s.apply({ authUserAdd: { name: "root", hashedPassword: "h" } });
    s.apply({ authUserGrantRole: { user: "root", role: "root" } });
    s.apply({ authUserAdd: { name: "alice", hashedPassword: "h" } });
    s.apply({ authRoleAdd: { name: "reader" } });
    s.apply({ authRoleGrantPermission: { name: "reader", perm: { permType: PermType.READ, key: b("/app/"), rangeEnd: b("/app0") } } });
    s.apply({ authRoleAdd: { name: "writer" } });
    s.apply({ authRoleGrantPermission: { name: "writer", perm: { permType: PermType.READWRITE, key: b("/rw/"), rangeEnd: b("/rw0") } } });
    s.apply({ authRoleGrantPermission: { name: "writer", perm: { permType: PermType.WRITE, key: b("single") } } });
    s.apply({ authUserGrantRole: { user: "alice", role: "reader" } });
    s.apply({ authUserGrantRole: { user: "alice", role: "writer" } });
    // Nothing is checked while auth is off.
    checkKvRequest(s, "", { put: { key: b("/other") } });
    s.apply({ authEnable: {} });
    const denied = (fn: () => void) => assert.throws(fn, /etcdserver: permission denied/);
    checkKvRequest(s, "alice", { range: { key: b("/app/"), rangeEnd: b("/app0") } });
    checkKvRequest(s, "alice", { range: { key: b("/app/x") } });
    denied(() => checkKvRequest(s, "alice", { put: { key: b("/app/x") } }));
    denied(() => checkKvRequest(s, "alice", { range: { key: b("/other") } }));
    denied(() => checkKvRequest(s, "alice", { range: { key: b("/app/"), rangeEnd: Uint8Array.of(0) } }));
    checkKvRequest(s, "alice", { put: { key: b("/rw/1") } });
    checkKvRequest(s, "alice", { put: { key: b("single") } });
    denied(() => checkKvRequest(s, "alice", { put: { key: b("single"), prevKv: true } }));
    denied(() => checkKvRequest(s, "alice", { range: { key: b("single") } }));
    checkKvRequest(s, "alice", { deleteRange: { key: b("/rw/"), rangeEnd: b("/rw0") } });
    const txn = (key: string) => ({
      txn: { compare: [{ key: b("/app/a") }], success: [{ requestPut: { key: b("/rw/a") } }], failure: [{ requestRange: { key: b(key) } }] },
    });
    checkKvRequest(s, "alice", txn("/app/b"));
    denied(() => checkKvRequest(s, "alice", txn("/other")));
    denied(() => checkKvRequest(s, "alice", { compaction: {} }));
    denied(() => checkAdmin(s, "alice"));
    checkAdmin(s, "root");
    checkKvRequest(s, "root", { put: { key: b("/anything") } });
    assert.throws(() => checkKvRequest(s, "", { range: { key: b("/app/x") } }), /etcdserver: user name is empty/);
    denied(() => checkKvRequest(s, "ghost", { range: { key: b("/app/x") } }));

    // A revoked role takes effect at once (the cache is per auth revision).
    s.apply({ authUserRevokeRole: { name: "alice", role: "reader" } });
    denied(() => checkKvRequest(s, "alice", { range: { key: b("/app/x") } }));
    checkKvRequest(s, "alice", { range: { key: b("/rw/x") } });
    const rev = s.revision;
    s.load();
    assert.equal(s.revision, rev);
    assert.equal(s.enabled, true);
    assert.deepEqual(s.user("alice")?.roles, ["writer"]);
    assert.deepEqual(s.role("writer")?.perms.map((p) => new TextDecoder().decode(p.key)), ["/rw/", "single"]);
    // Deleting a role takes it from its users.
    s.apply({ authRoleDelete: { role: "writer" } });
    assert.deepEqual(s.user("alice")?.roles, []);
    denied(() => checkKvRequest(s, "alice", { range: { key: b("/rw/x") } }));
  });

  test("a deleted user or role stays deleted across a reload; other users and roles stay", () => {
    const s = open("c.db");
    for (const req of [
      { authUserAdd: { name: "alice", hashedPassword: "h" } },
      { authUserAdd: { name: "bob", hashedPassword: "h" } },
      { authRoleAdd: { name: "reader" } },
      { authRoleAdd: { name: "writer" } },
      { authUserDelete: { name: "alice" } },
      { authRoleDelete: { role: "reader" } },
    ] as InternalRequest[]) s.apply(req);
    refuses(s, { authUserDelete: { name: "alice" } }, "etcdserver: user name not found");
    refuses(s, { authRoleDelete: { role: "reader" } }, "etcdserver: role name not found");
    s.load();
    assert.deepEqual(s.userNames(), ["bob"]);
    assert.deepEqual(s.roleNames(), ["writer"]);
  });

  test("users, roles and the enabled flag are applied through the store and travel in its snapshot images", async () => {
    const st = MvccStore.open(join(dir, "kv.db"));
    const reqs: InternalRequest[] = [
      { authUserAdd: { name: "root", hashedPassword: "h" } },
      { authUserGrantRole: { user: "root", role: "root" } },
      { authRoleAdd: { name: "r" } },
      { authRoleGrantPermission: { name: "r", perm: { permType: PermType.READ, key: b("k") } } },
      { authEnable: {} },
      { authRoleAdd: { name: "r" } },
    ];
    const results = st.applyBatch(reqs.map((request, i) => ({ index: i + 1, term: 1, request })));
    assert.deepEqual(results.map((r) => r?.op), ["auth", "auth", "auth", "auth", "auth", "error"]);
    const image = join(dir, "image.db");
    await st.snapshotToAsync(image);
    const other = MvccStore.open(join(dir, "other.db"));
    try {
      assert.equal(other.auth.enabled, false);
      other.restoreFrom(image);
      assert.equal(other.auth.enabled, true);
      assert.equal(other.auth.revision, st.auth.revision);
      assert.deepEqual(other.auth.userNames(), ["root"]);
      assert.equal(other.auth.role("r")?.perms.length, 1);
    } finally {
      other.close();
      st.close();
    }
  });

  test("a schema-4 store (before auth) opens as the current schema, with auth off and no users", () => {
    const path = join(dir, "old.db");
    MvccStore.open(path).close();
    const db = openSqlite(path);
    db.exec("DROP TABLE auth_user; DROP TABLE auth_role; UPDATE meta SET value = 4 WHERE name = 'schema'");
    db.close();
    const st = MvccStore.open(path);
    try {
      assert.equal(st.auth.enabled, false);
      assert.deepEqual(st.auth.userNames(), []);
      st.apply({ index: 1, term: 1, request: { authUserAdd: { name: "u", hashedPassword: "h" } } });
      assert.deepEqual(st.auth.userNames(), ["u"]);
    } finally {
      st.close();
    }
    const again = openSqlite(path);
    try {
      assert.equal(again.prepare("SELECT value FROM meta WHERE name = 'schema'").get()!.value, SCHEMA_VERSION);
    } finally {
      again.close();
    }
  });

  test("a write checked against an older auth revision is checked again at apply, the same on every replica", () => {
    const st = MvccStore.open(join(dir, "recheck.db"));
    try {
      let index = 0;
      const apply = (request: InternalRequest) => st.apply({ index: ++index, term: 1, request });
      for (const request of [
        { authUserAdd: { name: "root", hashedPassword: "h" } },
        { authUserGrantRole: { user: "root", role: "root" } },
        { authUserAdd: { name: "alice", hashedPassword: "h" } },
        { authRoleAdd: { name: "w" } },
        { authRoleGrantPermission: { name: "w", perm: { permType: PermType.WRITE, key: b("k") } } },
        { authUserGrantRole: { user: "alice", role: "w" } },
        { authEnable: {} },
      ] as InternalRequest[]) assert.equal(apply(request)?.op, "auth");
      const checkedAt = st.auth.revision;
      assert.equal(apply({ put: { key: b("k"), value: b("1") }, authUser: "alice", authRevision: checkedAt })?.op, "put");
      // The role goes between the proposer's check and the apply: refused, nothing written.
      apply({ authUserRevokeRole: { name: "alice", role: "w" } });
      const late = apply({ put: { key: b("k"), value: b("2") }, authUser: "alice", authRevision: checkedAt });
      assert.equal(late?.op, "error");
      assert.match(late?.op === "error" ? late.error.message : "", /etcdserver: permission denied/);
      assert.equal(new TextDecoder().decode(st.range({ key: b("k") }).kvs[0]!.value), "1");
      // Checked at the current revision: not checked again (the member already did).
      assert.equal(apply({ put: { key: b("k"), value: b("3") }, authUser: "root", authRevision: st.auth.revision })?.op, "put");
    } finally {
      st.close();
    }
  });
});
