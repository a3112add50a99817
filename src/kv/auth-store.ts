// The auth part of the state machine (etcd's auth store): users, roles, their permissions and the
// enabled flag, in kv.db's auth_user / auth_role tables and meta rows, so they are in snapshots,
// backups and restores like the keys. Held in memory too (it is small) and re-read whenever the
// file under it changes (open, restore, a rolled-back batch). Every change is an applied Raft
// entry; this module is deterministic given the entries, so every replica agrees.
import { authpb } from "../gen/etcd.js";
import { bytesEqual, compareBytes } from "./keys.ts";
import type { Statement } from "../storage/sqlite.ts";
import { PermissionCache } from "./auth-perms.ts";
import {
  AuthErrors,
  type AuthRole,
  type AuthUser,
  type Permission,
  type PermType,
  ROOT_ROLE,
  ROOT_USER,
} from "./auth-types.ts";
import type { AuthView } from "./store-view.ts";
import type { InternalRequest } from "./types.ts";

/** kv.db's auth tables (schema 5): one authpb message per row, as etcd's authUsers/authRoles buckets. */
export const AUTH_TABLES = `
CREATE TABLE IF NOT EXISTS auth_user (name TEXT PRIMARY KEY, user BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS auth_role (name TEXT PRIMARY KEY, role BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS auth_secret (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
`;

/** What changed, for whoever holds tokens: a deleted user's or a changed password's tokens go, a
 *  simple token issued by any member is remembered by every member. */
export type AuthChange =
  | { kind: "user"; name: string }
  | { kind: "disabled" }
  | { kind: "reloaded" }
  | { kind: "token"; name: string; token: string };

/** The auth requests an InternalRequest can carry. */
export function isAuthRequest(r: InternalRequest): boolean {
  return !!(r.authenticate || r.authEnable || r.authDisable || r.authUserAdd || r.authUserDelete || r.authUserChangePassword ||
    r.authUserGrantRole || r.authUserRevokeRole || r.authRoleAdd || r.authRoleDelete || r.authRoleGrantPermission ||
    r.authRoleRevokePermission);
}

const EMPTY = new Uint8Array(0);
const text = new TextDecoder();
const utf8 = new TextEncoder();

function decodeUser(bytes: Uint8Array): AuthUser {
  const u = authpb.User.decode(bytes);
  return {
    name: text.decode(u.name),
    hash: text.decode(u.password),
    roles: [...u.roles],
    noPassword: u.options?.noPassword === true,
  };
}

function encodeUser(u: AuthUser): Uint8Array {
  return authpb.User.encode({
    name: utf8.encode(u.name),
    password: utf8.encode(u.hash),
    roles: u.roles,
    options: { noPassword: u.noPassword },
  }).finish();
}

function decodeRole(bytes: Uint8Array): AuthRole {
  const r = authpb.Role.decode(bytes);
  return {
    name: text.decode(r.name),
    perms: r.keyPermission.map((p) => ({ permType: (p.permType ?? 0) as PermType, key: p.key ?? EMPTY, rangeEnd: p.rangeEnd ?? EMPTY })),
  };
}

function encodeRole(r: AuthRole): Uint8Array {
  return authpb.Role.encode({
    name: utf8.encode(r.name),
    keyPermission: r.perms.map((p) => ({ permType: p.permType, key: p.key, rangeEnd: p.rangeEnd })),
  }).finish();
}

const permOrder = (a: Permission, b: Permission) => compareBytes(a.key, b.key) || compareBytes(a.rangeEnd, b.rangeEnd);

/** etcd's isValidPermissionRange: a key, and an end that is empty, "\0" or after the key. */
function validPermissionRange(key: Uint8Array, rangeEnd: Uint8Array): boolean {
  if (key.length === 0) return false;
  if (rangeEnd.length === 0 || (rangeEnd.length === 1 && rangeEnd[0] === 0)) return true;
  return compareBytes(key, rangeEnd) < 0;
}

export class AuthStore implements AuthView {
  #users = new Map<string, AuthUser>();
  #roles = new Map<string, AuthRole>();
  #enabled = false;
  #revision = 0;
  #memberSecret: Uint8Array | undefined;
  #listeners = new Set<(c: AuthChange) => void>();
  readonly permissions = new PermissionCache(this);

  constructor(private readonly stmt: (sql: string) => Statement) {}

  get enabled(): boolean {
    return this.#enabled;
  }
  get revision(): number {
    return this.#revision;
  }
  /** What members send each other to act as root while auth is on (set by AuthEnable). */
  get memberSecret(): Uint8Array | undefined {
    return this.#memberSecret;
  }
  user(name: string): AuthUser | undefined {
    return this.#users.get(name);
  }
  role(name: string): AuthRole | undefined {
    return this.#roles.get(name);
  }
  userNames(): string[] {
    return [...this.#users.keys()].sort();
  }
  roleNames(): string[] {
    return [...this.#roles.keys()].sort();
  }

  /** Tells `fn` about changes that end sessions; returns the unsubscribe function. */
  onChange(fn: (c: AuthChange) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Re-reads everything from the file (it was opened, restored, or a batch rolled back). */
  load(): void {
    this.#users.clear();
    this.#roles.clear();
    for (const row of this.stmt("SELECT user FROM auth_user").all()) {
      const u = decodeUser(row.user as Uint8Array);
      this.#users.set(u.name, u);
    }
    for (const row of this.stmt("SELECT role FROM auth_role").all()) {
      const r = decodeRole(row.role as Uint8Array);
      this.#roles.set(r.name, r);
    }
    const meta = (name: string) => (this.stmt("SELECT value FROM meta WHERE name = ?").get(name)?.value as number | undefined) ?? 0;
    this.#enabled = meta("auth_enabled") === 1;
    this.#memberSecret = this.stmt("SELECT value FROM auth_secret WHERE name = 'member'").get()?.value as Uint8Array | undefined;
    // A reload may go back in time (a rollback): move the revision anyway, so cached permissions go.
    this.#revision = meta("auth_revision");
    this.permissions.invalidate();
    this.#tell({ kind: "reloaded" });
  }

  #tell(c: AuthChange): void {
    for (const fn of this.#listeners) fn(c);
  }

  #commit(): void {
    this.#revision++;
    this.stmt("INSERT OR REPLACE INTO meta (name, value) VALUES ('auth_revision', ?)").run(this.#revision);
  }

  #putUser(u: AuthUser): void {
    this.#users.set(u.name, u);
    this.stmt("INSERT OR REPLACE INTO auth_user (name, user) VALUES (?, ?)").run(u.name, encodeUser(u));
  }

  #putRole(r: AuthRole): void {
    this.#roles.set(r.name, r);
    this.stmt("INSERT OR REPLACE INTO auth_role (name, role) VALUES (?, ?)").run(r.name, encodeRole(r));
  }

  #deleteUser(name: string): void {
    this.#users.delete(name);
    this.stmt("DELETE FROM auth_user WHERE name = ?").run(name);
  }

  #deleteRole(name: string): void {
    this.#roles.delete(name);
    this.stmt("DELETE FROM auth_role WHERE name = ?").run(name);
  }

  #existingUser(name: string | null | undefined): AuthUser {
    const u = this.#users.get(name ?? "");
    if (u === undefined) throw AuthErrors.userNotFound();
    return u;
  }

  #existingRole(name: string | null | undefined): AuthRole {
    const r = this.#roles.get(name ?? "");
    if (r === undefined) throw AuthErrors.roleNotFound();
    return r;
  }

  /** Applies an auth request inside the caller's transaction; throws EtcdError (changing
   *  nothing) when etcd would refuse it. */
  apply(req: InternalRequest): void {
    if (req.authenticate) {
      // Nothing stored: the token lives in every member's memory (with its TTL). Decided here,
      // in log order, so a token is never issued to a user deleted before it.
      const name = req.authenticate.name ?? "";
      if (!this.#enabled) throw AuthErrors.authNotEnabled();
      if (!this.#users.has(name)) throw AuthErrors.authFailed();
      this.#tell({ kind: "token", name, token: req.authenticate.simpleToken ?? "" });
      return;
    }
    if (req.authEnable) {
      if (this.#enabled) return; // etcd: already enabled is a success that changes nothing
      const root = this.#users.get(ROOT_USER);
      if (root === undefined) throw AuthErrors.rootUserNotExist();
      if (!root.roles.includes(ROOT_ROLE)) throw AuthErrors.rootRoleNotExist();
      this.#setEnabled(true);
      const secret = req.authMemberSecret;
      if (secret && secret.length > 0) {
        this.#memberSecret = Uint8Array.from(secret);
        this.stmt("INSERT OR REPLACE INTO auth_secret (name, value) VALUES ('member', ?)").run(this.#memberSecret);
      }
    } else if (req.authDisable) {
      if (!this.#enabled) return;
      this.#setEnabled(false);
      this.#tell({ kind: "disabled" });
    } else if (req.authUserAdd) {
      const r = req.authUserAdd;
      const name = r.name ?? "";
      if (name.length === 0) throw AuthErrors.userEmpty();
      if (this.#users.has(name)) throw AuthErrors.userAlreadyExist();
      const noPassword = r.options?.noPassword === true;
      this.#putUser({ name, hash: noPassword ? "" : (r.hashedPassword ?? ""), roles: [], noPassword });
    } else if (req.authUserDelete) {
      const name = req.authUserDelete.name ?? "";
      if (this.#enabled && name === ROOT_USER) throw AuthErrors.invalidAuthMgmt();
      this.#existingUser(name);
      this.#deleteUser(name);
      this.#tell({ kind: "user", name });
    } else if (req.authUserChangePassword) {
      const r = req.authUserChangePassword;
      const u = this.#existingUser(r.name);
      this.#putUser({ ...u, hash: r.hashedPassword ?? "" });
      this.#tell({ kind: "user", name: u.name });
    } else if (req.authUserGrantRole) {
      const r = req.authUserGrantRole;
      const u = this.#existingUser(r.user);
      const role = r.role ?? "";
      // etcd: the root role need not have been added to be granted.
      if (role !== ROOT_ROLE) this.#existingRole(role);
      if (u.roles.includes(role)) return; // etcd ignores a grant of a role the user has
      this.#putUser({ ...u, roles: [...u.roles, role].sort() });
    } else if (req.authUserRevokeRole) {
      const r = req.authUserRevokeRole;
      if (this.#enabled && r.name === ROOT_USER && r.role === ROOT_ROLE) throw AuthErrors.invalidAuthMgmt();
      const u = this.#existingUser(r.name);
      if (!u.roles.includes(r.role ?? "")) throw AuthErrors.roleNotGranted();
      this.#putUser({ ...u, roles: u.roles.filter((x) => x !== r.role) });
    } else if (req.authRoleAdd) {
      const name = req.authRoleAdd.name ?? "";
      if (name.length === 0) throw AuthErrors.roleEmpty();
      if (this.#roles.has(name)) throw AuthErrors.roleAlreadyExist();
      this.#putRole({ name, perms: [] });
    } else if (req.authRoleDelete) {
      const name = req.authRoleDelete.role ?? "";
      if (this.#enabled && name === ROOT_ROLE) throw AuthErrors.invalidAuthMgmt();
      this.#existingRole(name);
      this.#deleteRole(name);
      // etcd takes the role away from every user that had it.
      for (const u of [...this.#users.values()]) if (u.roles.includes(name)) this.#putUser({ ...u, roles: u.roles.filter((x) => x !== name) });
    } else if (req.authRoleGrantPermission) {
      const r = req.authRoleGrantPermission;
      const role = this.#existingRole(r.name);
      if (!r.perm) throw AuthErrors.permissionNotGiven();
      const perm: Permission = { permType: (r.perm.permType ?? 0) as PermType, key: r.perm.key ?? EMPTY, rangeEnd: r.perm.rangeEnd ?? EMPTY };
      if (!validPermissionRange(perm.key, perm.rangeEnd)) throw AuthErrors.invalidAuthMgmt();
      const same = role.perms.findIndex((p) => bytesEqual(p.key, perm.key) && bytesEqual(p.rangeEnd, perm.rangeEnd));
      const perms = same >= 0 ? role.perms.map((p, i) => (i === same ? perm : p)) : [...role.perms, perm].sort(permOrder);
      this.#putRole({ ...role, perms });
    } else if (req.authRoleRevokePermission) {
      const r = req.authRoleRevokePermission;
      const role = this.#existingRole(r.role);
      const key = r.key ?? EMPTY, rangeEnd = r.rangeEnd ?? EMPTY;
      const perms = role.perms.filter((p) => !(bytesEqual(p.key, key) && bytesEqual(p.rangeEnd, rangeEnd)));
      if (perms.length === role.perms.length) throw AuthErrors.permissionNotGranted();
      this.#putRole({ ...role, perms });
    } else return;
    this.#commit();
  }

  #setEnabled(on: boolean): void {
    this.#enabled = on;
    this.stmt("INSERT OR REPLACE INTO meta (name, value) VALUES ('auth_enabled', ?)").run(on ? 1 : 0);
  }
}


