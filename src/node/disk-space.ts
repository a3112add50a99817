// A disk that really fills (ENOSPC, SQLITE_FULL) under kv.db, the log or a snapshot: the member
// must not crash and must be able to start again. Two pieces:
//
// - a reserve file in the data directory, written while there is room, deleted the moment a
//   write fails for want of space: the clean stop, the restart and the NOSPACE alarm's entry then
//   find at least that much free, whatever filled the disk;
// - `DiskFullError`, what the node stops with instead of a crash, so that `trireme start` waits
//   for room, starts the member again in the same process and raises NOSPACE.
import { existsSync, statfsSync, unlinkSync } from "node:fs";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { MaintenanceService } from "../api/services.ts";
import type { Config } from "../config/types.ts";
import { MemberClient } from "./member-client.ts";
import { AlarmAction, ALARM_NAMES } from "../kv/alarms.ts";
import { memberTls } from "../tls/options.ts";
import type { LogFn } from "../log/log.ts";

export const RESERVE_FILE = "space.reserve";
const MiB = 1024 * 1024;

/** Free bytes for an unprivileged writer on the filesystem holding `dir` (0 when unknown). */
export function freeBytes(dir: string): number {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return 0;
  }
}

/** The reserve for a filesystem: 5 % of it, at least 1 MiB and at most 64 MiB (a restart replays
 *  into kv.db's WAL and writes a marker: megabytes, not the store's size). */
export function reserveBytesFor(dir: string): number {
  try {
    const s = statfsSync(dir);
    const total = Number(s.blocks) * Number(s.bsize);
    return Math.min(64 * MiB, Math.max(MiB, Math.floor(total * 0.05)));
  } catch {
    return 16 * MiB;
  }
}

/** The reserve as configured (`limits.space_reserve_mib`): negative = reserveBytesFor's 5 %,
 *  0 = none, else that many MiB. */
export function reserveBytes(dir: string, configuredMib: number): number {
  return configuredMib < 0 ? reserveBytesFor(dir) : configuredMib * MiB;
}

const FULL = /database or disk is full|ENOSPC|no space left on device|SQLITE_FULL|disk quota exceeded|EDQUOT/i;

/** Whether `err` (or what caused it) is a write refused for want of space. */
export function isDiskFull(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "ENOSPC" || code === "EDQUOT" || code === "SQLITE_FULL" || FULL.test(e.message)) return true;
  }
  return false;
}

/** The member stopped because its disk is full; it starts again once there is room. */
export class DiskFullError extends Error {
  override readonly name = "DiskFullError";
  constructor(readonly dir: string, cause: Error) {
    super(`the disk under ${dir} is full (${cause.message}): this member stopped cleanly and starts again once ${dir} has room`, { cause });
  }
}

export class SpaceReserve {
  readonly path: string;
  readonly bytes: number;

  constructor(private readonly dir: string, private readonly log: LogFn, bytes = reserveBytesFor(dir)) {
    this.path = join(dir, RESERVE_FILE);
    this.bytes = bytes;
  }

  get held(): boolean {
    return existsSync(this.path);
  }

  /** Writes the reserve if it is missing and the filesystem has room for it `times` over (so it
   *  never takes the last free space); resolves true when it is in place. Zeros are written, not
   *  a sparse file: the blocks must really be taken. In 1 MiB steps off the event loop (64 MiB
   *  written at once stalled it 40-220 ms, longer than a heartbeat interval), into a temporary
   *  name renamed when complete, so `held` never counts a partial reserve. */
  ensure(times = 2): Promise<boolean> {
    if (this.bytes === 0 || this.held) return Promise.resolve(true); // none configured: nothing to hold
    if (freeBytes(this.dir) < times * this.bytes) return Promise.resolve(false);
    this.#writing ??= this.#write().finally(() => (this.#writing = undefined));
    return this.#writing;
  }

  #writing: Promise<boolean> | undefined;

  async #write(): Promise<boolean> {
    const partial = `${this.path}.partial`;
    const chunk = Buffer.alloc(MiB);
    let fh: FileHandle | undefined;
    try {
      fh = await open(partial, "w");
      for (let left = this.bytes; left > 0; left -= chunk.length) await fh.write(chunk, 0, Math.min(left, chunk.length));
      await fh.sync();
      await fh.close();
      fh = undefined;
      await rename(partial, this.path);
      this.log("info", "space reserve in place", { file: this.path, bytes: this.bytes });
      return true;
    } catch (err) {
      await fh?.close().catch(() => {});
      await unlink(partial).catch(() => {});
      this.log("warn", "cannot write the space reserve", { file: this.path, error: (err as Error).message });
      return false;
    }
  }

  /** Deletes the reserve (a write failed for want of space); true when there was one. */
  release(): boolean {
    return releaseReserve(this.dir, this.log);
  }
}

/** Deletes the reserve file of `dir`, if any, and says so. */
export function releaseReserve(dir: string, log: LogFn): boolean {
  const path = join(dir, RESERVE_FILE);
  try {
    unlinkSync(`${path}.partial`);
  } catch {
    // none being written
  }
  try {
    unlinkSync(path);
  } catch {
    return false;
  }
  log("warn", "disk full: released the space reserve", { file: path, free: freeBytes(dir) });
  return true;
}

/** Resolves once `dir` has `bytes` free (polled every `everyMs`), or when `stop()` says so. */
export async function waitForSpace(dir: string, bytes: number, stop: () => boolean, log: LogFn, everyMs = 1000): Promise<void> {
  let told = false;
  while (!stop() && freeBytes(dir) < bytes) {
    if (!told) log("error", "waiting for free space before starting again", { dir, free: freeBytes(dir), needed: bytes });
    told = true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Raises `alarm` for `memberId` through the other members' client ports (Maintenance.Alarm
 * ACTIVATE, what etcdctl would send): a member whose own disk is full cannot run Raft, but the
 * others can still replicate the alarm, and then refuse what would fill the disk further. True
 * once one member accepted it.
 */
export async function raiseThroughPeers(config: Config, alarm: number, memberId: number, log: LogFn, timeoutMs = 3000): Promise<boolean> {
  const peers = config.cluster.peers.filter((p) => p.id !== config.node.id).map((p) => p.client_address);
  const client = new MemberClient(memberTls(config.tls, () => {}).clientDial);
  try {
    for (const address of peers) {
      try {
        await client.call(address, MaintenanceService.Alarm, { action: AlarmAction.ACTIVATE, memberID: memberId, alarm }, timeoutMs);
        log("warn", "raised the alarm through a peer", { alarm: ALARM_NAMES[alarm], member: memberId.toString(16), via: address });
        return true;
      } catch (err) {
        log("warn", "cannot raise the alarm through a peer", { alarm: ALARM_NAMES[alarm], via: address, error: (err as Error).message });
      }
    }
    return false;
  } finally {
    client.close();
  }
}
