// Corrupt data found at start — kv.db (a checksum or SQLite's check), a log entry, the latest
// snapshot — is never served. In a cluster with other voters the member repairs itself as a
// MemFirst divergence does (divergence.ts): its files move aside into diverged-<time>/, it
// starts empty with its term and vote carried over (so it can never vote twice in a term), and
// the leader catches it up with a snapshot. A single member has no one to rebuild from: it
// stops, saying how to restore from a backup.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/types.ts";
import { isCorruptionError, kvCorrupt } from "../kv/integrity.ts";
import { MvccStore, type MvccStoreOptions } from "../kv/mvcc.ts";
import type { HardState } from "../raft/types.ts";
import { StorageError } from "../storage/errors.ts";
import { writeFileDurablySync } from "../storage/fsync.ts";
import { GENESIS_FILE } from "./member-files.ts";
import { openSqlite } from "../storage/sqlite.ts";

export const KV_FILE = "kv.db";

/** What start-up refuses that a rebuild from a peer mends: this member's data, not its identity
 *  (a foreign cluster or node, an unknown version, a directory in use or a full disk are not). */
export function isRepairable(err: unknown): err is StorageError {
  return err instanceof StorageError && (err.code === "corrupt" || err.code === "corrupt-sqlite" || err.code === "bad-snapshot" || err.code === "log-gap");
}

/** Whether this member can rebuild from others: some other voter holds the cluster's data. */
export function canRebuildFromPeers(config: Config): boolean {
  return config.cluster.peers.some((p) => p.id !== config.node.id);
}

/** The advice printed beside a corruption: what leads to a member that starts. */
export function repairAdvice(config: Config | undefined): string {
  const rebuild = "start the member: with other members running it moves its files into diverged-<time>/ in its data directory " +
    "and rebuilds from the leader's snapshot by itself (do not delete single files by hand: the log was compacted up to the snapshot)";
  const single = "a single-member cluster has no copy to rebuild from: restore it from a backup (trireme data restore --help)";
  if (config === undefined) return `${rebuild}; ${single}`;
  return canRebuildFromPeers(config) ? rebuild : single;
}

/** Opens kv.db after SQLite's quick_check (page structure: ~60 ms per 60 MB here); the store's
 *  own open checks every history row's checksum. Damage either finds is a StorageError
 *  "corrupt" naming the file. */
export function openCheckedStore(dataDir: string, opts: MvccStoreOptions): MvccStore {
  const path = join(dataDir, KV_FILE);
  if (existsSync(path)) quickCheck(path);
  try {
    return MvccStore.open(path, opts);
  } catch (err) {
    if (err instanceof StorageError || !isCorruptionError(err)) throw err;
    throw kvCorrupt(path, `SQLite cannot read it: ${(err as Error).message}`);
  }
}

function quickCheck(path: string): void {
  let problems: string[];
  try {
    const db = openSqlite(path, { readonly: true });
    try {
      problems = db.prepare("PRAGMA quick_check(5)").all().map((r) => String(Object.values(r)[0]));
    } finally {
      db.close();
    }
  } catch (err) {
    throw kvCorrupt(path, `SQLite cannot check it: ${(err as Error).message}`);
  }
  if (problems.length !== 1 || problems[0] !== "ok") throw kvCorrupt(path, `SQLite's quick_check failed: ${problems.join("; ")}`);
}

/** The term and vote log.db recorded, read without the writer (best effort: the file may be the
 *  damaged one). A rebuilt member carries them over. */
export function readSavedHardState(dataDir: string): HardState | undefined {
  const path = join(dataDir, "log.db");
  if (!existsSync(path)) return undefined;
  try {
    const db = openSqlite(path, { readonly: true });
    try {
      const meta = new Map(db.prepare("SELECT key, value FROM meta").all().map((r) => [String(r.key), Number(r.value)]));
      return { term: meta.get("hs_term") ?? 0, vote: meta.get("hs_vote") ?? 0 };
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/** After its files moved aside the member starts as one added with `member add` does: from no
 *  membership, so the core refuses the leader's appends until a snapshot arrives. Starting from
 *  the genesis membership instead, its empty log would answer a leader that remembers it as
 *  matched far ahead (under DiskFirst an acknowledged entry never goes missing, so the leader
 *  takes such a refusal for a stale one and waits forever). */
export function awaitSnapshotOnRestart(dataDir: string): void {
  const text = JSON.stringify({ voters: [], learners: [], initial_state: "existing", reason: "rebuilt from the leader after corrupt data" }, null, 2) + "\n";
  writeFileDurablySync(join(dataDir, GENESIS_FILE), join(dataDir, `${GENESIS_FILE}.tmp`), dataDir, text);
}

/** Where a rebuilt member keeps the index its log must reach again before it votes
 *  (RestoredState.voteFloor): a restart before it caught up must not forget it. */
export const VOTE_FLOOR_FILE = "vote-floor.json";

/** The last index log.db holds, read without the writer before the files move aside (best effort:
 *  it may be the damaged file): every entry this member may have acknowledged is at or below it.
 *  0 when it cannot be read. */
export function readSavedLastIndex(dataDir: string): number {
  const path = join(dataDir, "log.db");
  if (!existsSync(path)) return 0;
  try {
    const db = openSqlite(path, { readonly: true });
    try {
      return Number(db.prepare("SELECT max(idx) AS last FROM log").get()?.last ?? 0);
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/** Records the vote floor of a member about to start empty (durably: it must survive a crash). */
export function writeVoteFloor(dataDir: string, index: number): void {
  const text = JSON.stringify({ index, reason: "rebuilt after corrupt data: no vote until the log is back at this index" }) + "\n";
  writeFileDurablySync(join(dataDir, VOTE_FLOOR_FILE), join(dataDir, `${VOTE_FLOOR_FILE}.tmp`), dataDir, text);
}

/** The recorded vote floor, 0 when none; removed once the restored log has reached it. A file
 *  that does not parse keeps the member from voting until a snapshot arrives (floor 1). */
export function takeVoteFloor(dataDir: string, lastIndex: number): number {
  const path = join(dataDir, VOTE_FLOOR_FILE);
  if (!existsSync(path)) return 0;
  let floor = 1;
  try {
    const v = Number((JSON.parse(readFileSync(path, "utf8")) as { index?: unknown }).index);
    if (Number.isSafeInteger(v) && v > 0) floor = v;
  } catch { /* keep the conservative floor */ }
  if (lastIndex >= floor) {
    rmSync(path, { force: true });
    return 0;
  }
  return floor;
}
