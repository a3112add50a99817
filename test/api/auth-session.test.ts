// Tokens on the wire, with trireme's own gRPC client against the client port over a LocalBackend:
// a simple token works at once, is refused with etcd's invalid auth token (UNAUTHENTICATED) once
// `tokenTtlS` passes without use, and a deleted user's or a changed password's token is refused
// on the next call; a bad token is refused even where no permission is needed.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalBackend } from "../../src/api/local-backend.ts";
import { type ClientServer, startClientServer } from "../../src/api/server.ts";
import { etcdserverpb as pb } from "../../src/gen/etcd.js";
import { GrpcChannel } from "../../src/grpc/channel.ts";
import { GrpcCallError, unaryCall } from "../../src/grpc/client-call.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { LIMITS } from "./harness.ts";

const PORT = 22331;
const enc = <T>(type: { encode(m: T): { finish(): Uint8Array } }, m: T) => type.encode(m).finish();

describe("auth tokens on the client port", () => {
  const dir = mkdtempSync(join(tmpdir(), "trireme-auth-session-"));
  let store: MvccStore;
  let backend: LocalBackend;
  let server: ClientServer;
  let channel: GrpcChannel;
  before(async () => {
    store = MvccStore.open(join(dir, "kv.db"));
    backend = new LocalBackend(store, { clientURL: `http://127.0.0.1:${PORT}` });
    server = await startClientServer({ address: `127.0.0.1:${PORT}`, backend, limits: LIMITS, auth: { bcryptCost: 4, tokenTtlS: 2 } });
    channel = new GrpcChannel({ host: "127.0.0.1", port: PORT });
  });
  after(async () => {
    channel?.close();
    await server?.close(500);
    backend?.close();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (path: string, bytes: Uint8Array, token?: string) =>
    unaryCall(channel, path, bytes, (b) => b, { deadline: Date.now() + 10_000, waitForReady: true, ...(token ? { metadata: [["token", token]] } : {}) });
  const login = async (name: string, password: string) =>
    pb.AuthenticateResponse.decode(await call("/etcdserverpb.Auth/Authenticate", enc(pb.AuthenticateRequest, { name, password }))).token;
  const get = (token: string) => call("/etcdserverpb.KV/Range", enc(pb.RangeRequest, { key: Buffer.from("/app/a") }), token);
  const refused = async (p: Promise<unknown>, code: number, message: string) => {
    await assert.rejects(p, (e: unknown) => e instanceof GrpcCallError && e.code === code && e.message.includes(message));
  };

  test("expiry after the TTL without use, a deleted user, a changed password", { timeout: 30_000 }, async () => {
    const add = (name: string, password: string) => call("/etcdserverpb.Auth/UserAdd", enc(pb.AuthUserAddRequest, { name, password }));
    await add("root", "rootpw");
    await call("/etcdserverpb.Auth/UserGrantRole", enc(pb.AuthUserGrantRoleRequest, { user: "root", role: "root" }));
    await add("alice", "a");
    await add("bob", "b");
    const status = async (token?: string) => pb.AuthStatusResponse.decode(await call("/etcdserverpb.Auth/AuthStatus", new Uint8Array(0), token));
    const off = await status();
    assert.equal(off.enabled, false);
    await call("/etcdserverpb.Auth/AuthEnable", enc(pb.AuthEnableRequest, {}));
    // AuthStatus needs no permission: enabled, and the revision moved with every change above.
    const on = await status();
    assert.equal(on.enabled, true);
    assert.ok(Number(on.authRevision) > Number(off.authRevision), `auth revision ${off.authRevision} -> ${on.authRevision}`);
    await refused(login("alice", "wrong"), 3, "etcdserver: authentication failed, invalid user ID or password");
    // No permission needed for Status, but a bad token is still refused.
    await refused(call("/etcdserverpb.Maintenance/Status", new Uint8Array(0), "forged.1"), 16, "etcdserver: invalid auth token");

    let root = await login("root", "rootpw");
    const expiring = await login("alice", "a");
    await get(root);
    await refused(get(expiring), 7, "etcdserver: permission denied"); // valid token, no permission
    // Every use renews a simple token (etcd's TTL keeper), so it must sit unused for the TTL;
    // a check after that finds it expired whatever the load, since expiry is decided at the check.
    await new Promise((r) => setTimeout(r, 2_200));
    await refused(get(expiring), 16, "etcdserver: invalid auth token");
    await refused(get(root), 16, "etcdserver: invalid auth token");
    root = await login("root", "rootpw");
    // bob's token dies with bob, alice's with her password.
    const bob = await login("bob", "b");
    const alice = await login("alice", "a");
    await call("/etcdserverpb.Auth/UserDelete", enc(pb.AuthUserDeleteRequest, { name: "bob" }), root);
    await refused(get(bob), 16, "etcdserver: invalid auth token");
    await call("/etcdserverpb.Auth/UserChangePassword", enc(pb.AuthUserChangePasswordRequest, { name: "alice", password: "a2" }), root);
    await refused(get(alice), 16, "etcdserver: invalid auth token");
    await refused(login("alice", "a"), 3, "authentication failed");
    await login("alice", "a2");
    // etcd 3.5 clients may send the bcrypt hash (base64) instead of the password.
    const hash = await Bun.password.hash("c", { algorithm: "bcrypt", cost: 4 });
    await call("/etcdserverpb.Auth/UserAdd", enc(pb.AuthUserAddRequest, { name: "carol", hashedPassword: Buffer.from(hash).toString("base64") }), root);
    assert.equal(store.auth.user("carol")?.hash, hash);
    await login("carol", "c");
  });
});
