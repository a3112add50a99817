// etcd's Auth service on the client port: every change is a replicated write (the proposing
// member hashes passwords first, so the entry carries only the hash); reads answer from this
// member's applied auth store after a ReadIndex barrier; Authenticate checks the password off the
// event loop and issues a token (auth-tokens.ts). Who may call what is auth-guard.ts's job.
import { randomBytes } from "node:crypto";
import { etcdserverpb } from "../gen/etcd.js";
import { AuthErrors, type PermType } from "../kv/auth-types.ts";
import { EtcdError, StatusCode } from "../kv/errors.ts";
import type { InternalRequest, WriteResponse } from "../kv/types.ts";
import type { KvBackend } from "./backend.ts";
import type { AuthGuard } from "./auth-guard.ts";
import type { PasswordHasher } from "./auth-password.ts";
import { SimpleTokens } from "./auth-tokens.ts";
import { unaryMethods } from "./services.ts";
import pb = etcdserverpb;

export const AuthService = unaryMethods("Auth", {
  AuthEnable: [pb.AuthEnableRequest, pb.AuthEnableResponse],
  AuthDisable: [pb.AuthDisableRequest, pb.AuthDisableResponse],
  AuthStatus: [pb.AuthStatusRequest, pb.AuthStatusResponse],
  Authenticate: [pb.AuthenticateRequest, pb.AuthenticateResponse],
  UserAdd: [pb.AuthUserAddRequest, pb.AuthUserAddResponse],
  UserGet: [pb.AuthUserGetRequest, pb.AuthUserGetResponse],
  UserList: [pb.AuthUserListRequest, pb.AuthUserListResponse],
  UserDelete: [pb.AuthUserDeleteRequest, pb.AuthUserDeleteResponse],
  UserChangePassword: [pb.AuthUserChangePasswordRequest, pb.AuthUserChangePasswordResponse],
  UserGrantRole: [pb.AuthUserGrantRoleRequest, pb.AuthUserGrantRoleResponse],
  UserRevokeRole: [pb.AuthUserRevokeRoleRequest, pb.AuthUserRevokeRoleResponse],
  RoleAdd: [pb.AuthRoleAddRequest, pb.AuthRoleAddResponse],
  RoleGet: [pb.AuthRoleGetRequest, pb.AuthRoleGetResponse],
  RoleList: [pb.AuthRoleListRequest, pb.AuthRoleListResponse],
  RoleDelete: [pb.AuthRoleDeleteRequest, pb.AuthRoleDeleteResponse],
  RoleGrantPermission: [pb.AuthRoleGrantPermissionRequest, pb.AuthRoleGrantPermissionResponse],
  RoleRevokePermission: [pb.AuthRoleRevokePermissionRequest, pb.AuthRoleRevokePermissionResponse],
});

/** A hash a client sent (etcd 3.5's hashedPassword is the bcrypt hash in base64); undefined: none. */
function clientHash(sent: string | null | undefined): string | undefined {
  if (!sent) return undefined;
  if (sent.startsWith("$2")) return sent;
  const decoded = Buffer.from(sent, "base64").toString("latin1");
  if (!decoded.startsWith("$2")) throw new EtcdError(StatusCode.INVALID_ARGUMENT, "trireme: hashedPassword is not a bcrypt hash (raw, or base64 as etcd 3.5 sends it)");
  return decoded;
}

type Header = { header: ReturnType<AuthApiDeps["header"]> };

export interface AuthApiDeps {
  backend: KvBackend;
  header(revision: number): { clusterId: number; memberId: number; revision: number; raftTerm: number };
  write(req: InternalRequest): Promise<WriteResponse>;
  guard: AuthGuard;
  hasher: PasswordHasher;
}

/** The Auth service's handlers, (req) → answer, for the client port's `unary` adapter. */
export function authHandlers(d: AuthApiDeps) {
  const store = () => d.backend.store;
  const auth = () => d.backend.store.auth;
  const done = (): Header => ({ header: d.header(store().revision) });
  const change = (req: InternalRequest) => d.write(req).then(done);
  const read = <T>(fn: () => T): Promise<T> => d.backend.readBarrier().then(fn);

  return {
    authEnable: () => change({ authEnable: {}, authMemberSecret: randomBytes(32) }),
    authDisable: () => change({ authDisable: {} }),
    authStatus: () => read(() => ({ ...done(), enabled: auth().enabled, authRevision: auth().revision })),
    async authenticate(req: pb.AuthenticateRequest.$Properties) {
      await d.backend.readBarrier();
      if (!auth().enabled) throw AuthErrors.authNotEnabled();
      const name = req.name ?? "";
      const user = auth().user(name);
      if (user === undefined || user.noPassword) throw AuthErrors.authFailed();
      if (!(await d.hasher.verify(req.password ?? "", user.hash))) throw AuthErrors.authFailed();
      // The user may have gone (or changed password) while the hash was checked off-thread.
      if (auth().user(name)?.hash !== user.hash) throw AuthErrors.authFailed();
      const tokens = d.guard.tokens;
      if (!(tokens instanceof SimpleTokens)) return { ...done(), token: tokens.issue(name, auth().revision) };
      // A simple token is made known to every member through the log (etcd does the same), so
      // a client that spreads its calls over the members keeps one token.
      const token = tokens.generate();
      await d.write({ authenticate: { name, simpleToken: token } });
      return { ...done(), token };
    },
    async userAdd(req: pb.AuthUserAddRequest.$Properties) {
      const name = req.name ?? "";
      if (name.length === 0) throw AuthErrors.userEmpty();
      const noPassword = req.options?.noPassword === true;
      // An etcd 3.5 client may send the hash itself; the password never enters the log.
      const hashedPassword = noPassword ? "" : clientHash(req.hashedPassword) ?? (await d.hasher.hash(req.password ?? ""));
      return change({ authUserAdd: { name, options: { noPassword }, hashedPassword } });
    },
    userGet: (req: pb.AuthUserGetRequest.$Properties) =>
      read(() => {
        const u = auth().user(req.name ?? "");
        if (u === undefined) throw AuthErrors.userNotFound();
        return { ...done(), roles: u.roles };
      }),
    userList: () => read(() => ({ ...done(), users: auth().userNames() })),
    userDelete: (req: pb.AuthUserDeleteRequest.$Properties) => change({ authUserDelete: { name: req.name ?? "" } }),
    async userChangePassword(req: pb.AuthUserChangePasswordRequest.$Properties) {
      const name = req.name ?? "";
      if (auth().user(name) === undefined) throw AuthErrors.userNotFound();
      const hashedPassword = clientHash(req.hashedPassword) ?? (await d.hasher.hash(req.password ?? ""));
      return change({ authUserChangePassword: { name, hashedPassword } });
    },
    userGrantRole: (req: pb.AuthUserGrantRoleRequest.$Properties) => change({ authUserGrantRole: { user: req.user ?? "", role: req.role ?? "" } }),
    userRevokeRole: (req: pb.AuthUserRevokeRoleRequest.$Properties) => change({ authUserRevokeRole: { name: req.name ?? "", role: req.role ?? "" } }),
    roleAdd: (req: pb.AuthRoleAddRequest.$Properties) => change({ authRoleAdd: { name: req.name ?? "" } }),
    roleGet: (req: pb.AuthRoleGetRequest.$Properties) =>
      read(() => {
        const name = req.role ?? "";
        const r = auth().role(name);
        if (r === undefined) throw AuthErrors.roleNotFound();
        return { ...done(), perm: r.perms.map((p) => ({ permType: p.permType as PermType, key: p.key, rangeEnd: p.rangeEnd })) };
      }),
    roleList: () => read(() => ({ ...done(), roles: auth().roleNames() })),
    roleDelete: (req: pb.AuthRoleDeleteRequest.$Properties) => change({ authRoleDelete: { role: req.role ?? "" } }),
    roleGrantPermission: (req: pb.AuthRoleGrantPermissionRequest.$Properties) =>
      change({ authRoleGrantPermission: { name: req.name ?? "", perm: req.perm ?? null } }),
    roleRevokePermission: (req: pb.AuthRoleRevokePermissionRequest.$Properties) =>
      change({ authRoleRevokePermission: { role: req.role ?? "", key: req.key ?? new Uint8Array(0), rangeEnd: req.rangeEnd ?? new Uint8Array(0) } }),
  };
}
