// A member's disk space as its clients see it: etcd's space quota (quota.ts) refusing writes
// that would grow the store past it, the space reserve (disk-space.ts) that lets a member stop
// and start again on a full disk, the NOSPACE alarm raised when a write finds no room, and the
// log compaction that gives room back (the log counts towards the quota).
import { AlarmErrors, quotaCost } from "../kv/alarms.ts";
import type { EtcdError } from "../kv/errors.ts";
import type { ApplyEntry, ApplyResult, InternalRequest } from "../kv/types.ts";
import type { Logger } from "../log/log.ts";
import { reserveBytes, SpaceReserve } from "./disk-space.ts";
import { capAnswers, DataDirUsage, SpaceQuota, SUGGESTED_MAX_QUOTA_BYTES } from "./quota.ts";

export interface SpaceGuardHost {
  dataDir: string;
  /** `limits.quota_backend_bytes` and `limits.space_reserve_mib`. */
  quotaBackendBytes: number;
  spaceReserveMib: number;
  /** The previous incarnation stopped on a full disk: space is low until the reserve is back. */
  afterDiskFull: boolean;
  /** kv.db's size on disk. */
  dbSize(): number;
  /** This member's NOSPACE alarm is raised. */
  noSpaceRaised(): boolean;
  raiseNoSpace(why: string): Promise<void>;
  /** Applied entries are still in the log, and no snapshot is being taken. */
  canCompact(): boolean;
  /** Takes a snapshot keeping no entries behind it: every applied entry leaves the log. */
  compactAll(): void;
  /** Quota compactions happen at most once per this long. */
  electionTimeoutMs: number;
  log: Logger;
}

export class SpaceGuard {
  private readonly quota: SpaceQuota;
  private readonly usage: DataDirUsage;
  /** Released when a write fails for want of space, so the stop and the restart find room. */
  private readonly reserve: SpaceReserve;
  /** Space ran out (now or in the previous incarnation) and the reserve is not back yet. */
  private spaceLow: boolean;
  private checkedAt = -Infinity;
  /** When the quota last made this member compact its log. */
  private compactedAt = -Infinity;

  constructor(private readonly host: SpaceGuardHost) {
    this.usage = new DataDirUsage(host.dataDir, () => host.dbSize());
    this.reserve = new SpaceReserve(host.dataDir, host.log.log, reserveBytes(host.dataDir, host.spaceReserveMib));
    this.spaceLow = host.afterDiskFull;
    this.quota = new SpaceQuota({ configured: host.quotaBackendBytes, usage: () => this.usage.measure() });
    if (this.quota.enabled && this.quota.limit > SUGGESTED_MAX_QUOTA_BYTES) {
      host.log.warn("quota_backend_bytes exceeds the suggested maximum (etcd's: 8 GiB): a larger store slows snapshots and restarts", { quota: this.quota.limit });
    }
  }

  /** etcd's quotaKVServer: a write this member has no room for is refused before it is proposed. */
  refusal(req: InternalRequest): EtcdError | undefined {
    if (this.quota.admits(req) && !(this.spaceLow && quotaCost(req) > 0)) return undefined;
    this.check(true);
    return AlarmErrors.noSpace();
  }

  /** Before a batch is applied: which of its entries go past the quota. */
  applying(batch: readonly ApplyEntry[]): boolean[] | undefined {
    return this.quota.applying(batch);
  }

  /** etcd's quotaApplierV3: entries past the quota were applied all the same, and are answered
   *  `database space exceeded`. */
  answers(results: (ApplyResult | null)[], over: boolean[] | undefined): (ApplyResult | null)[] {
    if (over === undefined) return results;
    const answers = capAnswers(results, over);
    if (answers !== results) this.check(true);
    return answers;
  }

  /** Once serving: the reserve is written if there is room; after a full disk NOSPACE is raised. */
  started(): void {
    if (!this.spaceLow) void this.reserve.ensure();
    this.checkedAt = performance.now();
    if (this.spaceLow) this.check(true);
  }

  /** etcd raises NOSPACE only when a write finds no room for it (`refused`: at the proposer or
   *  at apply), so after `alarm disarm` a member still over quota raises it again at its next
   *  growing write, not at a tick. The tick only makes room: the log counts towards the quota. */
  check(refused = false): void {
    const now = performance.now();
    // Space comes back when the reserve can be written again (twice its size free).
    if (now - this.checkedAt >= (this.spaceLow ? 1000 : 5000)) {
      this.checkedAt = now;
      // After a full disk, room for the reserve three times over: compaction and defragment
      // made space, not the writes that happen to have stopped.
      const wasLow = this.spaceLow;
      void this.reserve.ensure(wasLow ? 3 : 2).then((held) => {
        if (held && wasLow && this.spaceLow) {
          this.spaceLow = false;
          this.host.log.info("free space is back: the reserve is written again");
        }
      });
    }
    if (!refused && !this.spaceLow && !this.quota.exceeded()) return;
    if (refused && !this.host.noSpaceRaised()) {
      const why = this.spaceLow ? "the disk was full" : `${this.quota.used()} bytes in use, quota ${this.quota.limit}`;
      void this.host.raiseNoSpace(why).catch(() => {});
    }
    // The log counts towards the quota: make room by dropping every applied entry (a follower
    // behind then gets a snapshot), at most once per election timeout while over quota.
    if (this.host.canCompact() && now - this.compactedAt >= this.host.electionTimeoutMs) {
      this.compactedAt = now;
      this.host.compactAll();
    }
  }

  /** For /metrics: the quota (0: none) and what counts towards it. */
  sample(): { limitBytes: number; usedBytes: number } {
    return { limitBytes: this.quota.enabled ? this.quota.limit : 0, usedBytes: this.quota.used() };
  }

  close(): void {
    this.usage.close();
  }
}
