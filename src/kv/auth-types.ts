// The auth store's shapes and etcd's auth errors (etcd api/v3rpc/rpctypes/error.go: the exact
// messages and gRPC codes clients match on).
import { EtcdError, StatusCode } from "./errors.ts";

export const ROOT_USER = "root";
export const ROOT_ROLE = "root";

/** authpb.Permission.Type. */
export const PermType = { READ: 0, WRITE: 1, READWRITE: 2 } as const;
export type PermType = (typeof PermType)[keyof typeof PermType];

export interface Permission {
  permType: PermType;
  key: Uint8Array;
  /** Empty: the key alone; "\0": every key from `key` on. */
  rangeEnd: Uint8Array;
}

export interface AuthUser {
  name: string;
  /** The bcrypt hash; "" for a user added with no_password (certificate only). */
  hash: string;
  /** Sorted, as etcd keeps them. */
  roles: string[];
  noPassword: boolean;
}

export interface AuthRole {
  name: string;
  /** Sorted by key, then range_end, as etcd keeps them. */
  perms: Permission[];
}

/** What the permission checks read. */
export interface AuthStoreView {
  readonly enabled: boolean;
  /** Moves on every change of users, roles, permissions or the enabled flag. */
  readonly revision: number;
  user(name: string): AuthUser | undefined;
  role(name: string): AuthRole | undefined;
}

const { PERMISSION_DENIED, UNAUTHENTICATED, INVALID_ARGUMENT, FAILED_PRECONDITION, UNKNOWN } = StatusCode;

const e = (code: StatusCode, message: string) => () => new EtcdError(code, message);

export const AuthErrors = {
  rootUserNotExist: e(FAILED_PRECONDITION, "etcdserver: root user does not exist"),
  rootRoleNotExist: e(FAILED_PRECONDITION, "etcdserver: root user does not have root role"),
  userAlreadyExist: e(FAILED_PRECONDITION, "etcdserver: user name already exists"),
  userEmpty: e(INVALID_ARGUMENT, "etcdserver: user name is empty"),
  userNotFound: e(FAILED_PRECONDITION, "etcdserver: user name not found"),
  roleAlreadyExist: e(FAILED_PRECONDITION, "etcdserver: role name already exists"),
  roleNotFound: e(FAILED_PRECONDITION, "etcdserver: role name not found"),
  roleEmpty: e(INVALID_ARGUMENT, "etcdserver: role name is empty"),
  authFailed: e(INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password"),
  permissionDenied: e(PERMISSION_DENIED, "etcdserver: permission denied"),
  roleNotGranted: e(FAILED_PRECONDITION, "etcdserver: role is not granted to the user"),
  permissionNotGranted: e(FAILED_PRECONDITION, "etcdserver: permission is not granted to the role"),
  authNotEnabled: e(FAILED_PRECONDITION, "etcdserver: authentication is not enabled"),
  invalidAuthToken: e(UNAUTHENTICATED, "etcdserver: invalid auth token"),
  invalidAuthMgmt: e(INVALID_ARGUMENT, "etcdserver: invalid auth management"),
  /** etcd's auth.ErrPermissionNotGiven (a grant without a permission). */
  permissionNotGiven: e(INVALID_ARGUMENT, "etcdserver: permission not given"),
  /** What etcd answers (codes.Unknown) when bcrypt refuses a password of more than 72 bytes. */
  passwordTooLong: e(UNKNOWN, "bcrypt: password length exceeds 72 bytes"),
} as const;
