// `trireme data restore`: a NEW data directory for one member of a NEW cluster, built from a
// backup taken with `etcdctl snapshot save` (Maintenance.Snapshot) — etcdutl snapshot restore's
// job. Every member of the new cluster restores the same file with its own config, so every
// one starts from the same Raft snapshot: the backup's applied index and term, and the
// membership of `cluster.peers` (the old cluster's membership is dropped, as etcd does). The
// hard state starts at that term: a new leader's first entry then has a term above every term
// already in the (snapshotted) log.
//
// Nothing is written until the target directory is known to be empty and the file's hash
// checked; a failure after that removes everything this restore created.
import { createHash } from "node:crypto";
import { closeSync, createReadStream, existsSync, fsyncSync, openSync, readdirSync, rmSync, statSync } from "node:fs";
import { mkdir, open, rename } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config/types.ts";
import { MvccStore } from "../kv/mvcc.ts";
import type { SnapshotImage } from "../kv/types.ts";
import type { ConfState } from "../raft/types.ts";
import { openDataDir } from "../storage/index.ts";
import { bootstrapClusterId, clusterIdentity, restoredClusterId } from "./cluster-id.ts";
import { AddressBook } from "./address-book.ts";

/** etcd's backup trailer: the SHA-256 of the database, 32 bytes. */
export const BACKUP_HASH_BYTES = 32;
/** A SQLite file is a whole number of pages, each a power of two ≥ 512 bytes; etcd tells a
 *  hashed backup from a raw database file the same way (bbolt pages are too). */
const PAGE_MULTIPLE = 512;
const KV_FILE = "kv.db";
const STAGED_FILE = ".kv.db.restoring";

/** A refused or failed restore; `file` is what the operator has to look at. */
export class RestoreError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

export interface RestoreBackupOptions {
  /** The file `etcdctl snapshot save` wrote (or a raw kv.db with skipHashCheck). */
  snapshotFile: string;
  /** This member's validated config: node.id, node.data_dir, cluster.name and cluster.peers. */
  config: Config;
  /** Accept a file without etcd's trailing SHA-256 (a raw kv.db), like etcdutl's flag. */
  skipHashCheck?: boolean;
  /** Accepted for scripts written before restored clusters got ids of their own; the name no
   *  longer makes the id, so keeping the old cluster's name is always allowed. */
  sameClusterName?: boolean;
}

export interface RestoredBackup {
  dataDir: string;
  clusterId: number;
  nodeId: number;
  /** The Raft snapshot every member starts from. */
  index: number;
  term: number;
  conf: ConfState;
  /** The backup's store revision: new writes get revisions above it. */
  revision: number;
  /** Bytes of the kv image installed. */
  imageBytes: number;
  hashChecked: boolean;
}

/** Checks the backup's trailer; returns how many leading bytes are the database image. */
export async function checkBackupFile(file: string, skipHashCheck: boolean): Promise<{ imageBytes: number; hashChecked: boolean }> {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new RestoreError(file, "is not a regular file; pass the file `etcdctl snapshot save` wrote");
    size = st.size;
  } catch (err) {
    if (err instanceof RestoreError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new RestoreError(file, code === "ENOENT" ? "no such file (the backup to restore)" : `cannot read: ${(err as Error).message}`);
  }
  const hasHash = size > BACKUP_HASH_BYTES && size % PAGE_MULTIPLE === BACKUP_HASH_BYTES;
  if (!hasHash) {
    if (skipHashCheck) return { imageBytes: size, hashChecked: false };
    if (size > 0 && size % PAGE_MULTIPLE === 0) {
      throw new RestoreError(file, "has no SHA-256 trailer (it looks like a raw database file, not an `etcdctl snapshot save` backup); pass --skip-hash-check to restore it anyway");
    }
    throw new RestoreError(file, `is truncated or not a backup: ${size} bytes is neither a database plus etcd's 32-byte SHA-256 nor a whole database`);
  }
  const imageBytes = size - BACKUP_HASH_BYTES;
  if (skipHashCheck) return { imageBytes, hashChecked: false };
  const h = await open(file, "r");
  try {
    const hash = createHash("sha256");
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (let pos = 0; pos < imageBytes;) {
      const { bytesRead } = await h.read(buf, 0, Math.min(buf.length, imageBytes - pos), pos);
      if (bytesRead === 0) throw new RestoreError(file, `changed size while being read (ended at byte ${pos})`);
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    const trailer = Buffer.alloc(BACKUP_HASH_BYTES);
    await h.read(trailer, 0, BACKUP_HASH_BYTES, imageBytes);
    const digest = hash.digest();
    if (!digest.equals(trailer)) {
      throw new RestoreError(file, `SHA-256 mismatch: the data hashes to ${digest.toString("hex")} but the backup's last 32 bytes say ${trailer.toString("hex")}; the file is corrupt or was cut short, take the backup again`);
    }
  } finally {
    await h.close();
  }
  return { imageBytes, hashChecked: true };
}

/** Refuses a data directory that holds anything: a restore only ever builds a new one. */
export function checkEmptyDataDir(dir: string): { exists: boolean } {
  if (!existsSync(dir)) return { exists: false };
  if (!statSync(dir).isDirectory()) throw new RestoreError(dir, "exists and is not a directory; node.data_dir must name an empty or missing directory");
  const entries = readdirSync(dir);
  if (entries.length > 0) {
    const shown = entries.slice(0, 5).join(", ") + (entries.length > 5 ? `, ... (${entries.length} entries)` : "");
    throw new RestoreError(dir, `is not empty (holds ${shown}); a restore builds a NEW data directory: point node.data_dir (or --data-dir) at an empty or missing directory, or move this one aside`);
  }
  return { exists: true };
}

async function copyPrefix(from: string, to: string, bytes: number): Promise<void> {
  const src = await open(from, "r");
  try {
    const dst = await open(to, "wx");
    try {
      const buf = Buffer.allocUnsafe(1024 * 1024);
      for (let pos = 0; pos < bytes;) {
        const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, bytes - pos), pos);
        if (bytesRead === 0) throw new RestoreError(from, `ended at byte ${pos} of ${bytes} while being copied`);
        await dst.write(buf, 0, bytesRead);
        pos += bytesRead;
      }
      await dst.sync();
    } finally {
      await dst.close();
    }
  } finally {
    await src.close();
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function restoreBackup(opts: RestoreBackupOptions): Promise<RestoredBackup> {
  const { config, snapshotFile } = opts;
  const dir = config.node.data_dir;
  const { exists } = checkEmptyDataDir(dir);
  const { imageBytes, hashChecked } = await checkBackupFile(snapshotFile, opts.skipHashCheck === true);
  // The checks passed: from here on a failure removes what was created.
  await mkdir(dir, { recursive: true });
  try {
    const staged = join(dir, STAGED_FILE);
    await copyPrefix(snapshotFile, staged, imageBytes);
    let image: SnapshotImage;
    try {
      image = MvccStore.inspectImage(staged);
    } catch (err) {
      throw new RestoreError(snapshotFile, `is not a trireme backup: ${(err as Error).message.replace(staged, "its database")}`);
    }
    if (image.index <= 0) throw new RestoreError(snapshotFile, "records applied index 0: an empty store that never applied an entry; there is nothing to restore");

    // A NEW cluster: a member of the old one left running on an address the new one uses is
    // refused as another cluster's, whatever the names. Every member restoring this file with
    // its config of one cluster computes the same id.
    const origin = { clusterId: image.sourceClusterId ?? 0, index: image.index, term: image.term };
    const clusterId = restoredClusterId(bootstrapClusterId(config.cluster.name, config.cluster.token, config.cluster.peers), origin);
    const conf: ConfState = { voters: config.cluster.peers.map((p) => p.id).sort((a, b) => a - b), learners: [] };
    const data = await openDataDir({ dir, clusterId, identity: clusterIdentity(config), nodeId: config.node.id, persistence: config.raft.persistence });
    try {
      await data.hardState.save({ term: image.term, vote: 0 });
      await data.snapshots.write(
        { index: image.index, term: image.term, conf, metadata: new AddressBook(config.cluster.peers).encode() },
        createReadStream(staged),
      );
      // The log starts after the snapshot, as after any compaction.
      data.log.compactPrefix(image.index, image.term);
    } finally {
      await data.close();
    }
    // Opening migrates an older schema and switches the file to WAL, as a node would at start.
    await rename(staged, join(dir, KV_FILE));
    MvccStore.open(join(dir, KV_FILE)).close();
    fsyncDir(dir);
    return {
      dataDir: dir,
      clusterId,
      nodeId: config.node.id,
      index: image.index,
      term: image.term,
      conf,
      revision: image.revision,
      imageBytes,
      hashChecked,
    };
  } catch (err) {
    // The directory was empty or missing: leave it so.
    if (exists) for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
    else rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
