// What a user may touch, as two sorted lists of disjoint key intervals (read, write) merged from
// the permissions of the user's roles: a check is a binary search, never a query. Built lazily
// per user and thrown away whenever the auth revision moves (etcd's rangePermCache).
import { compareBytes } from "./keys.ts";
import type { AuthStoreView, Permission } from "./auth-types.ts";
import { PermType, ROOT_ROLE } from "./auth-types.ts";

/** [start, end); `end` null: no upper bound. */
interface Interval {
  start: Uint8Array;
  end: Uint8Array | null;
}

const ZERO = Uint8Array.of(0);

/** A key alone is the interval [key, key + "\0"). */
function after(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

/** etcd's range conventions: empty end = the key alone, "\0" = every key from `key` on. */
export function toInterval(key: Uint8Array, rangeEnd: Uint8Array | null | undefined): Interval {
  if (rangeEnd == null || rangeEnd.length === 0) return { start: key, end: after(key) };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { start: key, end: null };
  return { start: key, end: rangeEnd };
}

const endCmp = (a: Uint8Array | null, b: Uint8Array | null) =>
  a === null ? (b === null ? 0 : 1) : b === null ? -1 : compareBytes(a, b);

function merge(list: Interval[]): Interval[] {
  list.sort((a, b) => compareBytes(a.start, b.start));
  const out: Interval[] = [];
  for (const iv of list) {
    const last = out[out.length - 1];
    if (last !== undefined && (last.end === null || compareBytes(iv.start, last.end) <= 0)) {
      if (endCmp(iv.end, last.end) > 0) last.end = iv.end;
    } else out.push({ start: iv.start, end: iv.end });
  }
  return out;
}

/** Whether [start, end) lies inside one interval of `list` (sorted, disjoint, merged). */
function covers(list: Interval[], want: Interval): boolean {
  let lo = 0, hi = list.length - 1, at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (compareBytes(list[mid]!.start, want.start) <= 0) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (at < 0) return false;
  return endCmp(want.end, list[at]!.end) <= 0;
}

export class UserPermissions {
  constructor(readonly root: boolean, private readonly read: Interval[], private readonly write: Interval[]) {}

  /** May the user read (`write` false) or write every key of [key, rangeEnd)? */
  permits(write: boolean, key: Uint8Array, rangeEnd?: Uint8Array | null): boolean {
    if (this.root) return true;
    // A range starting at "" (etcdctl's `get "" --prefix` sends "\0"): same as from "\0".
    const want = toInterval(key.length === 0 ? ZERO : key, rangeEnd);
    return covers(write ? this.write : this.read, want);
  }
}

function build(view: AuthStoreView, name: string): UserPermissions | undefined {
  const user = view.user(name);
  if (user === undefined) return undefined;
  const read: Interval[] = [], write: Interval[] = [];
  let root = false;
  for (const roleName of user.roles) {
    if (roleName === ROOT_ROLE) root = true;
    for (const p of view.role(roleName)?.perms ?? ([] as Permission[])) {
      const iv = toInterval(p.key, p.rangeEnd);
      if (p.permType !== PermType.WRITE) read.push(iv);
      if (p.permType !== PermType.READ) write.push({ ...iv });
    }
  }
  return new UserPermissions(root, merge(read), merge(write));
}

/** One user's permissions, built once per auth revision. */
export class PermissionCache {
  #revision = -1;
  #byUser = new Map<string, UserPermissions | null>();

  constructor(private readonly view: AuthStoreView) {}

  /** Forgets everything (the store was re-read: the revision may have gone back). */
  invalidate(): void {
    this.#revision = -1;
    this.#byUser.clear();
  }

  /** undefined: no such user. */
  of(name: string): UserPermissions | undefined {
    if (this.#revision !== this.view.revision) {
      this.#byUser.clear();
      this.#revision = this.view.revision;
    }
    let p = this.#byUser.get(name);
    if (p === undefined) {
      p = build(this.view, name) ?? null;
      this.#byUser.set(name, p);
    }
    return p ?? undefined;
  }
}
