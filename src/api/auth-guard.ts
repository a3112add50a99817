// The one place requests are authorized once auth is enabled, between the client port and the
// backend: every service's handlers are wrapped (wrapServices) so a call first resolves its user
// (the `token` metadata, etcd's; `authorization` too, as etcd 3.5's gateway) and passes its
// method's rule, else it is answered with etcd's error and never reaches the handler. Key checks
// are interval lookups in permissions cached per auth revision (kv/auth-perms.ts). While auth is
// off a call costs one boolean test.
import type { GrpcServer } from "../grpc/server.ts";
import type { Metadata } from "../grpc/metadata.ts";
import type { ServiceDefinition, ServiceImplementation, StreamHandler, UnaryHandler } from "../grpc/types.ts";
import { GrpcStatus, type StatusObject } from "../grpc/status.ts";
import { checkAdmin, checkKvRequest, permissionsOf } from "../kv/auth-check.ts";
import { AuthErrors, ROOT_USER } from "../kv/auth-types.ts";
import { timingSafeEqual } from "node:crypto";
import { EtcdError } from "../kv/errors.ts";
import type { InternalRequest, WatchCreateRequest } from "../kv/types.ts";
import type { AuthView, KvReads } from "../kv/store-view.ts";
import { SimpleTokens, type TokenProvider } from "./auth-tokens.ts";
import type { Decoded } from "./services.ts";
import { etcdserverpb as pb } from "../gen/etcd.js";

/** Throws etcd's error unless `user` may make the call with request `req`. */
type Rule = (auth: AuthView, user: string, req: never, store: KvReads) => void;

const admin: Rule = (auth, user) => checkAdmin(auth, user);

/** Methods without a rule need only a valid token (or none): LeaseGrant, LeaseKeepAlive,
 *  LeaseTimeToLive, LeaseLeases, Status, MemberList, AuthStatus, and Watch, whose creates are
 *  checked one by one (watchCreate). */
const RULES: Record<string, Rule> = {
  "/etcdserverpb.KV/Range": (a, u, r: pb.RangeRequest.$Properties) => checkKvRequest(a, u, { range: r }),
  "/etcdserverpb.KV/Put": (a, u, r: pb.PutRequest.$Properties) => checkKvRequest(a, u, { put: r }),
  "/etcdserverpb.KV/DeleteRange": (a, u, r: pb.DeleteRangeRequest.$Properties) => checkKvRequest(a, u, { deleteRange: r }),
  "/etcdserverpb.KV/Txn": (a, u, r: pb.TxnRequest.$Properties) => checkKvRequest(a, u, { txn: r }),
  "/etcdserverpb.KV/Compact": admin,
  // etcd: revoking deletes every attached key, so it needs write permission on each.
  "/etcdserverpb.Lease/LeaseRevoke": (a, u, r: pb.LeaseRevokeRequest.$Properties, store) => {
    for (const key of store.lease(r.ID ?? 0, true)?.keys ?? []) checkKvRequest(a, u, { deleteRange: { key } });
  },
  "/etcdserverpb.Maintenance/Alarm": (a, u, r: pb.AlarmRequest.$Properties) => {
    if ((r.action ?? 0) !== pb.AlarmRequest.AlarmAction.GET) checkAdmin(a, u);
  },
  "/etcdserverpb.Maintenance/Hash": admin,
  "/etcdserverpb.Maintenance/HashKV": admin,
  "/etcdserverpb.Maintenance/Defragment": admin,
  "/etcdserverpb.Maintenance/Snapshot": admin,
  "/etcdserverpb.Maintenance/MoveLeader": admin,
  "/etcdserverpb.Cluster/MemberAdd": admin,
  "/etcdserverpb.Cluster/MemberRemove": admin,
  "/etcdserverpb.Cluster/MemberUpdate": admin,
  "/etcdserverpb.Cluster/MemberPromote": admin,
  "/etcdserverpb.Auth/AuthEnable": admin,
  "/etcdserverpb.Auth/AuthDisable": admin,
  "/etcdserverpb.Auth/UserAdd": admin,
  "/etcdserverpb.Auth/UserList": admin,
  "/etcdserverpb.Auth/UserDelete": admin,
  "/etcdserverpb.Auth/UserGrantRole": admin,
  "/etcdserverpb.Auth/UserRevokeRole": admin,
  "/etcdserverpb.Auth/RoleAdd": admin,
  "/etcdserverpb.Auth/RoleList": admin,
  "/etcdserverpb.Auth/RoleDelete": admin,
  "/etcdserverpb.Auth/RoleGrantPermission": admin,
  "/etcdserverpb.Auth/RoleRevokePermission": admin,
  // etcd: users may look at themselves and at the roles they have.
  "/etcdserverpb.Auth/UserGet": (a, u, r: pb.AuthUserGetRequest.$Properties) => {
    if ((r.name ?? "") !== u || u === "") checkAdmin(a, u);
  },
  "/etcdserverpb.Auth/UserChangePassword": (a, u, r: pb.AuthUserChangePasswordRequest.$Properties) => {
    if ((r.name ?? "") !== u || u === "") checkAdmin(a, u);
  },
  "/etcdserverpb.Auth/RoleGet": (a, u, r: pb.AuthRoleGetRequest.$Properties) => {
    if (!a.user(u)?.roles.includes(r.role ?? "")) checkAdmin(a, u);
  },
};

/** The metadata members send each other (the member secret, hex) to act as root. */
export const MEMBER_AUTH = "trireme-member-auth";

/** What a member sends other members' client ports while auth is on. */
export function memberCredentials(store: KvReads): () => [string, string][] {
  return () => {
    const secret = store.auth.enabled ? store.auth.memberSecret : undefined;
    return secret === undefined ? [] : [[MEMBER_AUTH, Buffer.from(secret).toString("hex")]];
  };
}

/** Calls that need no token at all: logging in. */
const OPEN = new Set(["/etcdserverpb.Auth/Authenticate"]);

const toStatus = (err: unknown): StatusObject =>
  err instanceof EtcdError ? { code: err.code, details: err.message } : { code: GrpcStatus.UNKNOWN, details: String((err as Error)?.message ?? err) };

export class AuthGuard {
  /** The user and auth revision of the call whose handler is running right now: handlers
   *  propose synchronously, so `stamp` can put them into the entry (apply re-checks with them). */
  #current: { user: string; revision: number } | undefined;
  readonly #unsubscribe: () => void;

  constructor(private readonly store: KvReads, readonly tokens: TokenProvider) {
    this.#unsubscribe = store.auth.onChange((c) => {
      if (c.kind === "user") tokens.invalidateUser(c.name);
      else if (c.kind === "disabled") tokens.clear();
      else if (c.kind === "token" && tokens instanceof SimpleTokens) tokens.register(c.token, c.name);
    });
  }

  /** The user a call is made as: the token's, else a verified client certificate's CN (etcd's
   *  AuthInfoFromCtx, then AuthInfoFromTLS), else ""; throws etcd's invalid token error. */
  userOf(md: Metadata, commonName?: string): string {
    const member = md.get(MEMBER_AUTH)[0];
    if (member !== undefined) {
      // Another member (forwarded membership changes, corruption checks, alarms): root.
      const secret = this.store.auth.memberSecret;
      const got = Buffer.from(String(member), "hex");
      if (secret !== undefined && got.length === secret.length && timingSafeEqual(got, secret)) return ROOT_USER;
      throw AuthErrors.invalidAuthToken();
    }
    const raw = md.get("token")[0] ?? md.get("authorization")[0];
    if (raw === undefined) return commonName ?? "";
    const info = this.tokens.check(String(raw));
    if (info === undefined) throw AuthErrors.invalidAuthToken();
    return info.user;
  }

  /** The entry a handler proposes, with who proposed it and the auth revision it was checked at. */
  stamp(req: InternalRequest): InternalRequest {
    const c = this.#current;
    return c === undefined ? req : { ...req, authUser: c.user, authRevision: c.revision };
  }

  /** Watch creates: read permission on the watched range (etcd's isWatchPermitted). Returns
   *  etcd's cancel reason, or undefined when permitted. */
  watchCreate = (call: { metadata: Metadata; peerCommonName?: string }, req: WatchCreateRequest): string | undefined => {
    const auth = this.store.auth;
    if (!auth.enabled) return undefined;
    try {
      checkKvRequest(auth, this.userOf(call.metadata, call.peerCommonName), { range: { key: req.key, rangeEnd: req.rangeEnd } });
      return undefined;
    } catch (err) {
      return `rpc error: code = PermissionDenied desc = ${(err as Error).message}`;
    }
  };

  /** Makes every service added to `server` from now on go through the rules. */
  wrapServices(server: GrpcServer): void {
    const add = server.addService.bind(server);
    server.addService = (def: ServiceDefinition, impl: ServiceImplementation) => add(def, this.#wrap(def, impl));
  }

  #authorize(path: string, md: Metadata, commonName: string | undefined, req: unknown): string {
    if (OPEN.has(path)) return "";
    const user = this.userOf(md, commonName);
    const rule = RULES[path];
    if (rule !== undefined && req !== undefined) (rule as (a: AuthView, u: string, r: unknown, s: KvReads) => void)(this.store.auth, user, req, this.store);
    else if (rule !== undefined) permissionsOf(this.store.auth, user);
    return user;
  }

  #wrap(def: ServiceDefinition, impl: ServiceImplementation): ServiceImplementation {
    const out: ServiceImplementation = {};
    for (const [key, m] of Object.entries(def)) {
      const name = impl[m.originalName ?? ""] !== undefined ? m.originalName! : key;
      const handler = impl[name] as unknown as UnaryHandler<Decoded<unknown>, unknown> & StreamHandler<Decoded<unknown>, unknown>;
      if (handler === undefined) continue;
      const path = m.path;
      const unary = !m.requestStream && !m.responseStream;
      const wrapped = (call: Parameters<UnaryHandler<Decoded<unknown>, unknown>>[0], callback?: Parameters<UnaryHandler<Decoded<unknown>, unknown>>[1]) => {
        const auth = this.store.auth;
        if (!auth.enabled) return handler(call, callback!);
        let user: string;
        try {
          const d = m.requestStream ? undefined : call.request;
          user = this.#authorize(path, call.metadata, call.peerCommonName, d?.ok ? d.msg : undefined);
        } catch (err) {
          if (unary) callback!(toStatus(err));
          else call.emit("error", toStatus(err));
          return;
        }
        this.#current = { user, revision: auth.revision };
        try {
          return handler(call, callback!);
        } finally {
          this.#current = undefined;
        }
      };
      out[name] = wrapped as unknown as ServiceImplementation[string];
    }
    return out;
  }

  close(): void {
    this.#unsubscribe();
    this.tokens.close();
  }
}
