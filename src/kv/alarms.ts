// Alarms in the replicated state (etcd's alarm store, server/etcdserver/api/v3alarm): the
// `alarm` table of kv.db holds one row per (member, alarm type) raised, so every member reports
// the same list, it survives a restart and travels in snapshots. Which requests an active alarm
// refuses is decided here too, at apply time, so every replica refuses the same entries
// (etcd's applierV3Capped for NOSPACE and applierV3Corrupt for CORRUPT).
import { EtcdError, StatusCode } from "./errors.ts";
import type { Statement } from "../storage/sqlite.ts";
import type { InternalRequest, PutRequest, RequestOp, TxnRequest } from "./types.ts";
import type { etcdserverpb } from "../gen/etcd.js";

export type AlarmRequest = etcdserverpb.AlarmRequest.$Properties;

/** etcdserverpb.AlarmType. */
export const AlarmType = { NONE: 0, NOSPACE: 1, CORRUPT: 2 } as const;
export type AlarmType = (typeof AlarmType)[keyof typeof AlarmType];
/** etcdserverpb.AlarmRequest.AlarmAction. */
export const AlarmAction = { GET: 0, ACTIVATE: 1, DEACTIVATE: 2 } as const;

export const ALARM_NAMES: Record<number, string> = { 0: "NONE", 1: "NOSPACE", 2: "CORRUPT" };

/** One raised alarm: the member it is about and its type (etcdserverpb.AlarmMember). */
export interface AlarmMember {
  memberID: number;
  alarm: AlarmType;
}

export const AlarmErrors = {
  /** etcd's ErrGRPCNoSpace. */
  noSpace: () => new EtcdError(StatusCode.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"),
  /** etcd's ErrGRPCCorrupt. */
  corrupt: () => new EtcdError(StatusCode.DATA_LOSS, "etcdserver: corrupt cluster"),
} as const;

/** etcd's quota costs (server/etcdserver/quota.go): what a request may add to the store. */
const KV_OVERHEAD = 256;
const LEASE_OVERHEAD = 64;

const costPut = (p: PutRequest) => KV_OVERHEAD + (p.key?.length ?? 0) + (p.value?.length ?? 0);

function costOps(ops: RequestOp[] | null | undefined): number {
  let n = 0;
  for (const op of ops ?? []) {
    if (op.requestPut) n += costPut(op.requestPut);
    // etcd counts only the top level; a put in a nested txn grows the store just the same.
    else if (op.requestTxn) n += costTxn(op.requestTxn);
  }
  return n;
}

/** The larger branch: only one of them runs, and which one is not known before apply. */
function costTxn(t: TxnRequest): number {
  return Math.max(costOps(t.success), costOps(t.failure));
}

/** Bytes a write may add to the store by etcd's rules; 0 for a request that cannot grow it
 *  (deletes, compaction, lease revoke, a txn without puts). */
export function quotaCost(req: InternalRequest): number {
  if (req.put) return costPut(req.put);
  if (req.txn) return costTxn(req.txn);
  if (req.leaseGrant) return LEASE_OVERHEAD;
  return 0;
}

/**
 * What an active alarm refuses, as etcd's appliers: CORRUPT refuses every write (put, delete,
 * txn, compaction, lease grant and revoke; reads are served, as etcd serves them from its base
 * applier); NOSPACE refuses what can grow the store (put, a txn with a put, lease grant) and lets
 * deletes, compaction and lease revokes through so an operator can make room.
 */
export function alarmRefusal(req: InternalRequest, active: readonly AlarmMember[]): EtcdError | undefined {
  if (active.length === 0 || req.alarm) return undefined;
  if (active.some((a) => a.alarm === AlarmType.CORRUPT)) {
    const write = req.put || req.deleteRange || req.txn || req.compaction || req.leaseGrant || req.leaseRevoke;
    if (write) return AlarmErrors.corrupt();
  }
  if (active.some((a) => a.alarm === AlarmType.NOSPACE) && quotaCost(req) > 0) return AlarmErrors.noSpace();
  return undefined;
}

/** The alarm table, through the store's statement cache (so it follows a restore). The list is
 *  read once and cached: every applied request consults it. */
export class AlarmTable {
  #cache: AlarmMember[] | undefined;

  constructor(private readonly stmt: (sql: string) => Statement) {}

  /** Forgets the cached list (the file changed under it: open, restore, a rolled-back batch). */
  reload(): void {
    this.#cache = undefined;
  }

  /** Every raised alarm, by member then type. */
  active(): readonly AlarmMember[] {
    this.#cache ??= this.stmt("SELECT member, type FROM alarm ORDER BY member, type")
      .all()
      .map((r) => ({ memberID: r.member as number, alarm: r.type as AlarmType }));
    return this.#cache;
  }

  /** Alarms of one type; NONE means all (etcd's AlarmStore.Get). */
  get(type: number): AlarmMember[] {
    return this.active().filter((a) => type === AlarmType.NONE || a.alarm === type);
  }

  /** Applies an AlarmRequest inside the caller's transaction and answers its alarms as etcd:
   *  GET the list, ACTIVATE the alarm raised (or already there), DEACTIVATE the one cleared
   *  (none when it was not raised). An unknown action or type changes nothing. */
  apply(req: AlarmRequest): AlarmMember[] {
    const member = req.memberID ?? 0;
    const type = (req.alarm ?? AlarmType.NONE) as number;
    switch (req.action ?? AlarmAction.GET) {
      case AlarmAction.GET:
        return this.get(type);
      case AlarmAction.ACTIVATE: {
        if (type !== AlarmType.NOSPACE && type !== AlarmType.CORRUPT) return [];
        this.stmt("INSERT OR IGNORE INTO alarm (member, type) VALUES (?, ?)").run(member, type);
        this.#cache = undefined;
        return [{ memberID: member, alarm: type }];
      }
      case AlarmAction.DEACTIVATE: {
        const had = this.active().some((a) => a.memberID === member && a.alarm === type);
        if (!had) return [];
        this.stmt("DELETE FROM alarm WHERE member = ? AND type = ?").run(member, type);
        this.#cache = undefined;
        return [{ memberID: member, alarm: type as AlarmType }];
      }
      default:
        return [];
    }
  }
}
