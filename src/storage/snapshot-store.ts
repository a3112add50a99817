// Snapshot files in `<data dir>/snapshots/`. Every write goes to a temporary file that is
// synced and then renamed over its final name, and the directory is synced, so a snapshot
// either exists whole or not at all. Content streams in and out in chunks: a 1 GiB snapshot is
// never held in memory.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readdir, stat, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { ConfState } from "../raft/types.ts";
import { StorageError } from "./errors.ts";
import { durableRename, syncDir, writeAll } from "./fsync.ts";
import { silentLog, type LogFn } from "../log/log.ts";
import {
  PREAMBLE_BYTES,
  SNAPSHOT_NAME_RE,
  TRAILER_BYTES,
  encodePreambleAndHeader,
  encodeTrailer,
  parseHeader,
  parsePreamble,
  parseTrailer,
  snapshotFileName,
  type SnapshotHeader,
} from "./snapshot-format.ts";

export const SNAPSHOT_DIR = "snapshots";
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

export interface SnapshotInfo {
  /** Absolute path of the file. */
  file: string;
  name: string;
  index: number;
  term: number;
  /** Whole file size, bytes (what the bulk plane sends). */
  size: number;
  contentOffset: number;
  contentLength: number;
  header: SnapshotHeader;
}

/** False for a marker: a snapshot without content, written where the state machine's own
 *  database is the snapshot (it records the index, term and membership the database is durable
 *  at). An image is a copy of that database, made to be sent or installed. */
export function holdsImage(info: SnapshotInfo): boolean {
  return info.contentLength > 0;
}

export interface NewSnapshot {
  index: number;
  term: number;
  conf: ConfState;
  /** Opaque member metadata bytes (names, URLs); empty by default. */
  metadata?: Uint8Array;
}

export interface SnapshotWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Seals the file (checksum), makes it durable and visible. */
  commit(): Promise<SnapshotInfo>;
  /** Deletes the unfinished temporary file. */
  abort(): Promise<void>;
}

async function readExactly(h: FileHandle, length: number, position: number, file: string, what: string): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let off = 0;
  while (off < length) {
    const { bytesRead } = await h.read(buf, off, length - off, position + off);
    if (bytesRead === 0) throw new StorageError("bad-snapshot", file, `truncated: ended while reading the ${what}`);
    off += bytesRead;
  }
  return buf;
}

/** Hashes everything except the last TRAILER_BYTES of a stream whose length is not known yet. */
class HoldbackHasher {
  private readonly hash = createHash("sha256");
  private hold: Buffer = Buffer.alloc(0);
  total = 0;

  update(chunk: Uint8Array): void {
    this.total += chunk.byteLength;
    const c = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (c.length >= TRAILER_BYTES) {
      // Common case (large chunks): no copy of the chunk, only of its last 40 bytes.
      if (this.hold.length > 0) this.hash.update(this.hold);
      this.hash.update(c.subarray(0, c.length - TRAILER_BYTES));
      this.hold = Buffer.from(c.subarray(c.length - TRAILER_BYTES));
      return;
    }
    const all = Buffer.concat([this.hold, c]);
    const cut = Math.max(0, all.length - TRAILER_BYTES);
    if (cut > 0) this.hash.update(all.subarray(0, cut));
    this.hold = Buffer.from(all.subarray(cut));
  }

  /** The held-back tail (the trailer when the stream is complete) and the digest before it. */
  finish(): { trailer: Buffer; digest: Buffer } {
    return { trailer: this.hold, digest: this.hash.digest() };
  }
}

export class SnapshotStore {
  private constructor(
    readonly dir: string,
    private readonly clusterId: number,
    private readonly nodeId: number,
  ) {}

  /** Creates the directory if needed. Leftover temporary files from a crash mid-write are
   *  removed, and each removal is logged. */
  static async open(dataDir: string, clusterId: number, nodeId: number, logger: LogFn = silentLog): Promise<SnapshotStore> {
    const dir = join(dataDir, SNAPSHOT_DIR);
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir)) {
      if (name.startsWith(".tmp-")) {
        await unlink(join(dir, name));
        logger("info", "removed an unfinished snapshot file left by a crash", { file: join(dir, name) });
      }
    }
    return new SnapshotStore(dir, clusterId, nodeId);
  }

  /** For inspection: no directory created, nothing removed. */
  static forReading(dataDir: string, clusterId: number, nodeId: number): SnapshotStore {
    return new SnapshotStore(join(dataDir, SNAPSHOT_DIR), clusterId, nodeId);
  }

  private tempPath(): string {
    return join(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString("hex")}.snap`);
  }

  /** Reads and checks the header and the trailer's length (not the checksum: see verify). */
  async info(file: string): Promise<SnapshotInfo> {
    const h = await open(file, "r");
    try {
      const size = (await h.stat()).size;
      const hlen = parsePreamble(await readExactly(h, Math.min(PREAMBLE_BYTES, size), 0, file, "preamble"), file);
      if (size < PREAMBLE_BYTES + hlen + TRAILER_BYTES) throw new StorageError("bad-snapshot", file, `truncated: ${size} bytes is shorter than its header and trailer`);
      const header = parseHeader(await readExactly(h, hlen, PREAMBLE_BYTES, file, "header"), file);
      const trailer = parseTrailer(await readExactly(h, TRAILER_BYTES, size - TRAILER_BYTES, file, "trailer"));
      const contentOffset = PREAMBLE_BYTES + hlen;
      const contentLength = size - contentOffset - TRAILER_BYTES;
      if (trailer.contentLength !== contentLength) {
        throw new StorageError("bad-snapshot", file, `truncated or corrupt: the trailer records ${trailer.contentLength} content bytes, the file holds ${contentLength}`);
      }
      if (header.clusterId !== this.clusterId) {
        throw new StorageError("foreign-cluster", file, `snapshot of cluster ${header.clusterId}, not of this node's cluster ${this.clusterId}`);
      }
      const name = file.slice(file.lastIndexOf("/") + 1);
      return { file, name, index: header.index, term: header.term, size, contentOffset, contentLength, header };
    } finally {
      await h.close();
    }
  }

  /** Every snapshot, oldest first. A file that is not a valid snapshot is an error, not skipped. */
  async list(): Promise<SnapshotInfo[]> {
    const names = (await readdir(this.dir)).filter((n) => SNAPSHOT_NAME_RE.test(n)).sort();
    const out: SnapshotInfo[] = [];
    for (const n of names) {
      try {
        out.push(await this.info(join(this.dir, n)));
      } catch (err) {
        // Pruned between readdir and open (a snapshot being taken meanwhile): not an error.
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      }
    }
    return out.sort((a, b) => a.index - b.index || a.term - b.term);
  }

  async latest(): Promise<SnapshotInfo | undefined> {
    return (await this.list()).at(-1);
  }

  /** Reads the whole file and compares the SHA-256 in its trailer. */
  async verify(info: SnapshotInfo): Promise<void> {
    const hasher = new HoldbackHasher();
    for await (const chunk of this.readFile(info)) hasher.update(chunk);
    const { trailer, digest } = hasher.finish();
    if (hasher.total !== info.size) throw new StorageError("bad-snapshot", info.file, `changed size while being verified`);
    if (!parseTrailer(trailer).sha256.equals(digest)) {
      throw new StorageError("bad-snapshot", info.file, `checksum mismatch: the SHA-256 of the file does not match its trailer (its bytes changed on disk)`);
    }
  }

  /** Starts a snapshot produced by this node; the content is written in chunks. */
  async create(meta: NewSnapshot): Promise<SnapshotWriter> {
    const header: SnapshotHeader = {
      clusterId: this.clusterId,
      nodeId: this.nodeId,
      index: meta.index,
      term: meta.term,
      conf: { voters: [...meta.conf.voters], learners: [...meta.conf.learners] },
      metadata: meta.metadata ?? new Uint8Array(0),
      created: new Date().toISOString(),
    };
    const tmp = this.tempPath();
    const h = await open(tmp, "wx");
    const hash = createHash("sha256");
    const head = encodePreambleAndHeader(header);
    let contentLength = 0;
    let done = false;
    try {
      await writeAll(h, head);
    } catch (err) {
      await h.close();
      await unlink(tmp).catch(() => {});
      throw err;
    }
    hash.update(head);
    const finalPath = join(this.dir, snapshotFileName(meta.index, meta.term));
    return {
      write: async (chunk) => {
        if (done) throw new StorageError("invalid-argument", tmp, "write after commit or abort");
        hash.update(chunk);
        contentLength += chunk.byteLength;
        await writeAll(h, chunk);
      },
      commit: async () => {
        if (done) throw new StorageError("invalid-argument", tmp, "commit after commit or abort");
        done = true;
        try {
          await writeAll(h, encodeTrailer(contentLength, hash.digest()));
          await h.sync();
        } finally {
          await h.close();
        }
        await durableRename(tmp, finalPath, this.dir);
        return this.info(finalPath);
      },
      abort: async () => {
        if (done) return;
        done = true;
        await h.close();
        await unlink(tmp).catch(() => {});
      },
    };
  }

  /** Convenience: a snapshot from bytes or a stream of chunks. */
  async write(meta: NewSnapshot, content: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<SnapshotInfo> {
    const w = await this.create(meta);
    try {
      if (content instanceof Uint8Array) await w.write(content);
      else for await (const chunk of content) await w.write(chunk);
    } catch (err) {
      await w.abort();
      throw err;
    }
    return w.commit();
  }

  /** Receives a snapshot file from a peer (the bytes `readFile` produced there). It is checked
   *  (format, cluster, checksum) before it replaces anything; a bad one leaves no trace. */
  async receive(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, from = "a peer"): Promise<SnapshotInfo> {
    const tmp = this.tempPath();
    const label = `snapshot received from ${from}`;
    const h = await open(tmp, "wx");
    const hasher = new HoldbackHasher();
    let head = Buffer.alloc(0);
    let header: SnapshotHeader | undefined;
    let hlen = 0;
    try {
      try {
        for await (const chunk of chunks) {
          hasher.update(chunk);
          await writeAll(h, chunk);
          if (header === undefined) {
            head = Buffer.concat([head, chunk]);
            if (hlen === 0 && head.length >= PREAMBLE_BYTES) hlen = parsePreamble(head, label);
            if (hlen > 0 && head.length >= PREAMBLE_BYTES + hlen) {
              header = parseHeader(head.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + hlen), label);
              head = Buffer.alloc(0);
              if (header.clusterId !== this.clusterId) {
                throw new StorageError("foreign-cluster", label, `snapshot of cluster ${header.clusterId}, not of this node's cluster ${this.clusterId}`);
              }
            }
          }
        }
        if (header === undefined) throw new StorageError("bad-snapshot", label, `truncated: ${hasher.total} bytes, the header is incomplete`);
        const { trailer, digest } = hasher.finish();
        const contentLength = hasher.total - PREAMBLE_BYTES - hlen - TRAILER_BYTES;
        if (contentLength < 0 || parseTrailer(trailer).contentLength !== contentLength) {
          throw new StorageError("bad-snapshot", label, `truncated: ${hasher.total} bytes do not match the length in its trailer`);
        }
        if (!parseTrailer(trailer).sha256.equals(digest)) {
          throw new StorageError("bad-snapshot", label, "checksum mismatch: the received bytes are corrupt");
        }
        await h.sync();
      } finally {
        await h.close();
      }
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    const finalPath = join(this.dir, snapshotFileName(header.index, header.term));
    await durableRename(tmp, finalPath, this.dir);
    return this.info(finalPath);
  }

  /** The whole file as chunks: what the bulk plane streams to a follower. */
  readFile(info: SnapshotInfo, chunkBytes = DEFAULT_CHUNK_BYTES): AsyncGenerator<Uint8Array> {
    return readRange(info.file, 0, info.size, chunkBytes);
  }

  /** The content only: what the state machine restores from. */
  readContent(info: SnapshotInfo, chunkBytes = DEFAULT_CHUNK_BYTES): AsyncGenerator<Uint8Array> {
    return readRange(info.file, info.contentOffset, info.contentLength, chunkBytes);
  }

  /** Keeps the newest `keep` snapshots (by index), deletes the rest; returns the deleted names. */
  async prune(keep: number): Promise<string[]> {
    const all = await this.list();
    const doomed = all.slice(0, Math.max(0, all.length - Math.max(1, keep)));
    for (const s of doomed) await unlink(s.file);
    if (doomed.length > 0) await syncDir(this.dir);
    return doomed.map((s) => s.name);
  }

  async sizeOnDisk(): Promise<number> {
    let total = 0;
    for (const n of await readdir(this.dir)) total += (await stat(join(this.dir, n))).size;
    return total;
  }
}

async function* readRange(file: string, offset: number, length: number, chunkBytes: number): AsyncGenerator<Uint8Array> {
  const h = await open(file, "r");
  try {
    let pos = offset;
    const end = offset + length;
    while (pos < end) {
      const n = Math.min(chunkBytes, end - pos);
      // A fresh buffer per chunk: the consumer may keep it (e.g. queued in an HTTP/2 stream).
      const buf = Buffer.allocUnsafe(n);
      const { bytesRead } = await h.read(buf, 0, n, pos);
      if (bytesRead === 0) throw new StorageError("bad-snapshot", file, `truncated: ended at byte ${pos} of ${end}`);
      pos += bytesRead;
      yield bytesRead === n ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await h.close();
  }
}
