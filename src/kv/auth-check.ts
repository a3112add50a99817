// Whether a user may make a request, by etcd's rules (etcd server/etcdserver/apply_auth.go): a
// Range needs read on its range; a Put write on its key (and read with prev_kv); a DeleteRange
// write on its range (and read with prev_kv); a Txn read on every compared range and the
// permission of every op in BOTH branches, nested txns too, so one forbidden key refuses it all;
// a Compaction the root role. Run by the client port before proposing, and again at apply when
// the auth store moved in between (every replica then decides the same).
import type { UserPermissions } from "./auth-perms.ts";
import { AuthErrors } from "./auth-types.ts";
import type { AuthView } from "./store-view.ts";
import type { DeleteRangeRequest, PutRequest, RangeRequest, TxnRequest } from "./types.ts";

const EMPTY = new Uint8Array(0);

export interface KvRequest {
  range?: RangeRequest | null;
  put?: PutRequest | null;
  deleteRange?: DeleteRangeRequest | null;
  txn?: TxnRequest | null;
  compaction?: unknown;
}

/** The user's permissions when auth is on; throws etcd's error when the user is missing. */
export function permissionsOf(store: AuthView, user: string): UserPermissions {
  if (user.length === 0) throw AuthErrors.userEmpty();
  const p = store.permissions.of(user);
  // etcd: a token whose user has gone is refused as a permission problem, not a login one.
  if (p === undefined) throw AuthErrors.permissionDenied();
  return p;
}

function txnPermitted(p: UserPermissions, txn: TxnRequest): boolean {
  for (const c of txn.compare ?? []) if (!p.permits(false, c.key ?? EMPTY, c.rangeEnd)) return false;
  for (const op of [...(txn.success ?? []), ...(txn.failure ?? [])]) {
    if (op.requestRange && !rangePermitted(p, op.requestRange)) return false;
    if (op.requestPut && !putPermitted(p, op.requestPut)) return false;
    if (op.requestDeleteRange && !deletePermitted(p, op.requestDeleteRange)) return false;
    if (op.requestTxn && !txnPermitted(p, op.requestTxn)) return false;
  }
  return true;
}

const rangePermitted = (p: UserPermissions, r: RangeRequest) => p.permits(false, r.key ?? EMPTY, r.rangeEnd);
const putPermitted = (p: UserPermissions, r: PutRequest) =>
  p.permits(true, r.key ?? EMPTY) && (!r.prevKv || p.permits(false, r.key ?? EMPTY));
const deletePermitted = (p: UserPermissions, r: DeleteRangeRequest) =>
  p.permits(true, r.key ?? EMPTY, r.rangeEnd) && (!r.prevKv || p.permits(false, r.key ?? EMPTY, r.rangeEnd));

/** Throws etcd's error unless `user` may make `req` (nothing is checked while auth is off). */
export function checkKvRequest(store: AuthView, user: string, req: KvRequest): void {
  if (!store.enabled) return;
  const p = permissionsOf(store, user);
  if (p.root) return;
  const ok = req.range ? rangePermitted(p, req.range)
    : req.put ? putPermitted(p, req.put)
    : req.deleteRange ? deletePermitted(p, req.deleteRange)
    : req.txn ? txnPermitted(p, req.txn)
    : false; // compaction, and anything else: the root role only
  if (!ok) throw AuthErrors.permissionDenied();
}

/** Throws unless `user` has the root role (auth off: anyone). */
export function checkAdmin(store: AuthView, user: string): void {
  if (!store.enabled) return;
  if (!permissionsOf(store, user).root) throw AuthErrors.permissionDenied();
}
