// Raising and clearing alarms from inside a member (etcd's s.raftRequest(AlarmRequest{ACTIVATE})):
// an alarm is a replicated write, so every member applies it, reports it in `etcdctl alarm list`
// and refuses the same requests (kv/alarms.ts). The quota (quota.ts), a full disk and the
// corruption checks call `raise`; an operator clears alarms with `etcdctl alarm disarm`.
//
//   node.alarms.raise(AlarmType.CORRUPT, memberId, "hash of revision 42 differs from the leader's")
//
import { AlarmAction, type AlarmMember, ALARM_NAMES, AlarmType } from "../kv/alarms.ts";
import type { MvccStore } from "../kv/mvcc.ts";
import type { InternalRequest, WriteResponse } from "../kv/types.ts";
import type { LogFn } from "../log/log.ts";

export { AlarmType, type AlarmMember } from "../kv/alarms.ts";

/** Between two attempts to replicate an alarm that did not commit (no leader, a timeout). */
const RETRY_MS = 500;

export interface NodeAlarmsDeps {
  /** This member's id: the default member an alarm is raised for. */
  id: number;
  store: MvccStore;
  /** Proposes a write (the node's KvBackend.write, which forwards to the leader). */
  write(req: InternalRequest): Promise<WriteResponse>;
  /** False once the member stops: no more retries. */
  accepting(): boolean;
  log: LogFn;
}

export class NodeAlarms {
  /** "member/type" of alarms being replicated: a burst of refused writes raises one entry. */
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(private readonly deps: NodeAlarmsDeps) {}

  /** The alarms this member has applied (every member holds the same list once it caught up). */
  active(): readonly AlarmMember[] {
    return this.deps.store.alarms();
  }

  /** Whether an alarm of `type` is applied here, for any member (or for `member`). */
  has(type: AlarmType, member?: number): boolean {
    return this.active().some((a) => a.alarm === type && (member === undefined || a.memberID === member));
  }

  /**
   * Raises `type` for `member` (default: this member) through Raft. Resolves once the alarm is
   * applied here; retried until then while the member runs (a raise must not be lost to an
   * election), so callers may fire and forget. Raising an alarm already raised, or being raised,
   * costs nothing.
   */
  raise(type: AlarmType, member: number = this.deps.id, reason?: string): Promise<void> {
    if (this.has(type, member)) return Promise.resolve();
    const key = `${member}/${type}`;
    let p = this.#inFlight.get(key);
    if (p === undefined) {
      this.deps.log("warn", "raising alarm", { alarm: ALARM_NAMES[type], member: member.toString(16), ...(reason ? { reason } : {}) });
      p = this.#replicate({ action: AlarmAction.ACTIVATE, memberID: member, alarm: type }, () => this.has(type, member))
        .finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, p);
    }
    return p;
  }

  /** Clears `type` for `member` through Raft (what `etcdctl alarm disarm` does for each alarm). */
  clear(type: AlarmType, member: number = this.deps.id): Promise<void> {
    if (!this.has(type, member)) return Promise.resolve();
    return this.#replicate({ action: AlarmAction.DEACTIVATE, memberID: member, alarm: type }, () => !this.has(type, member));
  }

  async #replicate(alarm: InternalRequest["alarm"], done: () => boolean): Promise<void> {
    for (;;) {
      if (done()) return;
      if (!this.deps.accepting()) throw new Error(`alarm ${ALARM_NAMES[alarm?.alarm ?? 0]} not replicated: the member is stopping`);
      try {
        await this.deps.write({ alarm });
        return;
      } catch (err) {
        this.deps.log("warn", "alarm not replicated yet, retrying", { alarm: ALARM_NAMES[alarm?.alarm ?? 0], error: (err as Error).message });
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }
}

export const alarmName = (type: number): string => ALARM_NAMES[type] ?? String(type);
