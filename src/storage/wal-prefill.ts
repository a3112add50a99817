// Zero-filled room at the end of log.db's WAL, so that commits overwrite blocks the file already
// has instead of growing it. Growing a file makes its fsync journal the new size and blocks:
// measured here after 1 ms idle, 4 KiB write + fsync 300 µs p50 appending against 165 µs
// overwriting (scripts/bench-log-path.ts). SQLite gets there by itself only after its first WAL
// restart (a checkpoint, then the WAL is rewritten from its start at its old size); this makes
// it true from the first commit.
//
// Safe because it only ever writes past the end of the file, between two transactions of the
// one connection that writes the WAL (the writer worker; the directory lock keeps other
// processes out), and SQLite's WAL recovery stops at the first frame whose salt and checksum do
// not match the header: an all-zero frame never does. Stale frames of an earlier cycle past the
// valid ones are the normal state of a WAL that was restarted, and are skipped the same way.
import { closeSync, fdatasyncSync, fstatSync, openSync, statfsSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** Written at start-up, before the writer reports ready: 2,000 frames of 4 KiB pages, twice
 *  CHECKPOINT_FRAMES (the idle-checkpoint regime stays inside it), ~6 ms on this machine. */
export const WAL_PREFILL_INITIAL = 8 << 20;
/** Grown to in WAL_PREFILL_STEP pieces while the writer is idle: the size the WAL reaches
 *  anyway under constant load (CHECKPOINT_FRAMES_BUSY frames of 4,120 bytes, plus a batch).
 *  etcd preallocates 64 MiB WAL segments for the same reason. */
export const WAL_PREFILL_TARGET = 44 << 20;
export const WAL_PREFILL_STEP = 4 << 20;

const ZEROS = new Uint8Array(1 << 20);

/** A tenth of the filesystem holding `path`: on a small disk (a 64 MiB volume) the prefill must
 *  not be what fills it (the space quota and the disk-full handling, src/node/disk-space.ts). */
function tenthOfDisk(path: string): number {
  try {
    const s = statfsSync(dirname(path));
    return Math.floor((Number(s.blocks) * Number(s.bsize)) / 10);
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

export class WalPrefill {
  private constructor(
    private readonly fd: number,
    private readonly target: number,
  ) {}

  /** `walPath` must exist (SQLite creates it when the connection first reads in WAL mode). */
  static open(walPath: string, target = WAL_PREFILL_TARGET): WalPrefill {
    return new WalPrefill(openSync(walPath, "r+"), Math.min(target, tenthOfDisk(walPath)));
  }

  /** Appends up to `bytes` of zeros past the current end (never below it) and makes them
   *  durable, so later commits' fsyncs have no allocation to journal. Returns bytes added. */
  grow(bytes: number): number {
    let size = fstatSync(this.fd).size;
    const end = Math.min(this.target, size + bytes);
    const added = Math.max(0, end - size);
    while (size < end) {
      size += writeSync(this.fd, ZEROS, 0, Math.min(ZEROS.byteLength, end - size), size);
    }
    if (added > 0) fdatasyncSync(this.fd);
    return added;
  }

  close(): void {
    closeSync(this.fd);
  }
}
