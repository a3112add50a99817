// A flipped byte inside a SQLite WAL is not reported by SQLite: when it opens the file it replays
// frames up to the first whose checksum fails and silently drops that one and every later one —
// committed transactions included (for log.db: entries this member acknowledged). With
// synchronous=FULL every transaction is synced before the next one begins, so a power loss can
// only tear the *last* one: a bad frame followed by two valid commit frames of the same WAL
// generation is damage, not a crash. (Not for kv.db: its applying connection does not sync, and
// a power loss may leave any unsynced frame torn — which loses commits the log replays.) This check reads the WAL before SQLite does and tells
// the two apart. Format: https://www.sqlite.org/fileformat2.html#walformat — a 32-byte header
// (magic, version, page size, checkpoint sequence, salts, checksum), then frames of a 24-byte
// header (page, db size after a commit or 0, salts, cumulative checksum) and one page.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { StorageError } from "./errors.ts";

const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/** SQLite's WAL checksum over `b` (a multiple of 8 bytes), continuing from (s0, s1). */
function checksum(b: Buffer, bigEndian: boolean, s0: number, s1: number): [number, number] {
  for (let i = 0; i < b.length; i += 8) {
    const x0 = bigEndian ? b.readUInt32BE(i) : b.readUInt32LE(i);
    const x1 = bigEndian ? b.readUInt32BE(i + 4) : b.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

/**
 * Throws a StorageError "corrupt" naming `walPath` when a frame fails its checksum while two later
 * commit frames of the same generation check out (SQLite would drop that committed data unseen).
 * For a file whose every commit is synced (synchronous=FULL). A torn tail, stale frames of an earlier generation, the zero-filled
 * prefill past the end and a missing or empty WAL are all fine.
 */
export function checkWal(walPath: string, dbFile: string): void {
  if (!existsSync(walPath) || statSync(walPath).size < WAL_HEADER) return;
  const fd = openSync(walPath, "r");
  try {
    const head = Buffer.alloc(WAL_HEADER);
    readSync(fd, head, 0, WAL_HEADER, 0);
    const magic = head.readUInt32BE(0);
    if (magic !== 0x377f0682 && magic !== 0x377f0683) return; // not a live WAL: SQLite ignores it too
    const bigEndian = magic === 0x377f0683;
    const pageSize = head.readUInt32BE(8);
    const [h0, h1] = checksum(head.subarray(0, 24), bigEndian, 0, 0);
    if (h0 !== head.readUInt32BE(24) || h1 !== head.readUInt32BE(28)) return; // a header never synced: no frame counts
    const salt1 = head.readUInt32BE(16), salt2 = head.readUInt32BE(20);
    const frame = Buffer.alloc(FRAME_HEADER + pageSize);
    let s: [number, number] = [h0, h1];
    let firstBad: number | undefined;
    /** Valid commit frames after the first bad one: the second proves the bad one was synced. */
    let commitsAfter = 0;
    for (let n = 0, pos = WAL_HEADER; readSync(fd, frame, 0, frame.length, pos) === frame.length; n++, pos += frame.length) {
      // Another generation's frame (or the prefill's zeros): the log ends here for SQLite too.
      if (frame.readUInt32BE(8) !== salt1 || frame.readUInt32BE(12) !== salt2) break;
      const stored: [number, number] = [frame.readUInt32BE(16), frame.readUInt32BE(20)];
      const body = Buffer.concat([frame.subarray(0, 8), frame.subarray(FRAME_HEADER)]);
      const [c0, c1] = checksum(body, bigEndian, s[0], s[1]);
      if (c0 !== stored[0] || c1 !== stored[1]) firstBad ??= n;
      else if (firstBad !== undefined && frame.readUInt32BE(4) !== 0 && ++commitsAfter >= 2) {
        throw new StorageError(
          "corrupt",
          walPath,
          `WAL frame ${firstBad} (page ${pageOf(fd, firstBad, pageSize)}) fails its checksum but committed frames follow it: its bytes changed on disk, ` +
            `and SQLite would silently drop every transaction from there on when it opens ${dbFile}`,
        );
      }
      // The next frame's checksum continues from this one's stored value, so one bad frame does
      // not hide whether the frames after it are intact.
      s = stored;
    }
  } finally {
    closeSync(fd);
  }
}

function pageOf(fd: number, frame: number, pageSize: number): number {
  const b = Buffer.alloc(4);
  readSync(fd, b, 0, 4, WAL_HEADER + frame * (FRAME_HEADER + pageSize));
  return b.readUInt32BE(0);
}
