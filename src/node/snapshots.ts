// Snapshots from the node's point of view. As in etcd, kv.db *is* the state machine's snapshot:
// taking one for log compaction (every `snapshot_entries` applied entries) makes kv.db durable
// and records where it stands — a marker file with the index, term and membership and no
// content, O(1) whatever the store's size. A copy of the store (an image) is made only when a
// follower needs one, off the event loop, and streamed; a received image is installed into the
// state machine.
import { createReadStream, existsSync } from "node:fs";
import { mkdtemp, rm, unlink } from "node:fs/promises";
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { MvccStore } from "../kv/mvcc.ts";
import type { ConfState, Message, SnapshotMeta } from "../raft/types.ts";
import { holdsImage, type SnapshotInfo, type SnapshotStore } from "../storage/index.ts";
import type { SnapshotSink } from "../transport/index.ts";
import type { Logger } from "../log/log.ts";

export interface TakenSnapshot {
  index: number;
  term: number;
  bytes: number;
  seconds: number;
}

/** A push-to-pull bridge: the transport pushes received chunks, the snapshot store pulls them. */
class ChunkChannel implements AsyncIterable<Uint8Array> {
  private queue: Uint8Array[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private drained: (() => void) | undefined;

  async push(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    this.queue.push(chunk);
    this.wake?.();
    // Backpressure: wait until the consumer took it, so a slow disk slows the sender.
    if (this.queue.length > 4) await new Promise<void>((r) => (this.drained = r));
    if (this.failure) throw this.failure;
  }

  /** The consumer gave up (bad header, disk full): the producer's next push fails at once. */
  fail(err: Error): void {
    this.failure = err;
    this.ended = true;
    const d = this.drained;
    this.drained = undefined;
    d?.();
    this.wake?.();
  }

  end(err?: Error): void {
    this.ended = true;
    this.failure = err;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      if (this.queue.length > 0) {
        yield this.queue.shift()!;
        if (this.queue.length <= 4) {
          const d = this.drained;
          this.drained = undefined;
          d?.();
        }
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}

/** Where the membership and member table come from when a snapshot is written. */
export interface SnapshotContext {
  /** The membership in effect at an applied index. */
  confAt(index: number): ConfState;
  /** The member table (names, URLs) as the snapshot header carries it. */
  metadata(): Uint8Array;
}

export class SnapshotManager {
  private taking = false;
  /** The image being made for followers, shared by every sender that asks meanwhile. */
  private imaging: Promise<SnapshotInfo> | undefined;
  /** Index of the newest snapshot on disk (0: none). */
  lastIndex = 0;

  constructor(
    private readonly store: SnapshotStore,
    private readonly kv: MvccStore,
    private readonly dataDir: string,
    private readonly keep: number,
    private readonly log: Logger,
  ) {}

  get busy(): boolean {
    return this.taking;
  }

  /** Records a snapshot of the state machine at its applied index: kv.db is made durable past
   *  that index (a FULL checkpoint off the event loop), then a marker without content says so,
   *  so the log can be compacted up to it. Nothing is copied. */
  async take(ctx: SnapshotContext): Promise<TakenSnapshot | undefined> {
    if (this.taking) return undefined;
    this.taking = true;
    const t0 = performance.now();
    try {
      // Read before the flush: everything applied before flush() is durable when it resolves.
      const index = this.kv.appliedIndex;
      const term = this.kv.appliedTerm;
      await this.kv.flush();
      const info = await this.store.write({ index, term, conf: ctx.confAt(index), metadata: ctx.metadata() }, []);
      await this.store.prune(this.keep);
      this.lastIndex = Math.max(this.lastIndex, info.index);
      const taken = { index: info.index, term: info.term, bytes: info.size, seconds: (performance.now() - t0) / 1000 };
      this.log.info("snapshot taken", { index: taken.index, term: taken.term, ms: Math.round(taken.seconds * 1000) });
      return taken;
    } finally {
      this.taking = false;
    }
  }

  /** A snapshot with an image at or above the index the core names (any newer one serves the
   *  follower as well), with the Snap message rewritten to describe it. When none is on disk,
   *  an image of the store as it is now is made first (once, for every follower waiting). */
  async forSending(m: Message, ctx: SnapshotContext): Promise<{ message: Message; info: SnapshotInfo } | undefined> {
    if (m.snapshot === undefined) return undefined;
    const wanted = m.snapshot.index;
    let info = (await this.store.list()).filter(holdsImage).at(-1);
    if (info === undefined || info.index < wanted) {
      this.imaging ??= this.makeImage(ctx).finally(() => (this.imaging = undefined));
      info = await this.imaging;
      if (info.index < wanted) return undefined;
    }
    const snapshot: SnapshotMeta = { index: info.index, term: info.term, conf: info.header.conf };
    return { message: { ...m, snapshot }, info };
  }

  /** Copies the store from a second connection inside one read transaction, in steps (VACUUM
   *  INTO would stall the loop for seconds), into a snapshot file at the image's own index. */
  private async makeImage(ctx: SnapshotContext): Promise<SnapshotInfo> {
    const t0 = performance.now();
    const image = join(this.dataDir, "kv-image.tmp");
    try {
      const img = await this.kv.snapshotToAsync(image);
      const info = await this.store.write({ index: img.index, term: img.term, conf: ctx.confAt(img.index), metadata: ctx.metadata() }, createReadStream(image));
      this.lastIndex = Math.max(this.lastIndex, info.index);
      this.log.info("snapshot image made", { index: info.index, term: info.term, bytes: info.size, ms: Math.round(performance.now() - t0) });
      return info;
    } finally {
      if (existsSync(image)) await unlink(image).catch(() => {});
    }
  }

  chunks(info: SnapshotInfo): () => AsyncIterable<Uint8Array> {
    return () => this.store.readFile(info);
  }

  /** A sink for a snapshot streamed by the leader: verified and made durable by the store. */
  openSink(from: number): SnapshotSink {
    const channel = new ChunkChannel();
    const received = this.store.receive(channel, `member ${from.toString(16)}`);
    // Observed through commit()/abort(); a store that gives up must also stop the sender's writes.
    received.catch((err: Error) => channel.fail(err));
    return {
      write: (chunk) => channel.push(chunk),
      commit: async () => {
        channel.end();
        const info = await received;
        if (!holdsImage(info)) {
          // A marker only means something in the data directory that wrote it.
          await unlink(info.file).catch(() => {});
          throw new Error(`the snapshot at index ${info.index} from member ${from.toString(16)} has no kv image`);
        }
        this.log.info("snapshot received", { from, index: info.index, term: info.term, bytes: info.size });
      },
      abort: async (reason) => {
        channel.end(new Error(reason));
        await received.catch(() => {});
        this.log.warn("snapshot transfer aborted", { from, reason });
      },
    };
  }

  /** Replaces the kv store with the snapshot at `meta.index`; returns its member metadata. */
  async install(meta: SnapshotMeta): Promise<Uint8Array> {
    const info = (await this.store.list()).find((s) => s.index === meta.index && s.term === meta.term && holdsImage(s));
    if (info === undefined) throw new Error(`no snapshot image ${meta.index}/${meta.term} to install in ${this.dataDir}`);
    const dir = await mkdtemp(join(this.dataDir, "install-"));
    const image = join(dir, "kv.db");
    try {
      const h = await open(image, "w");
      try {
        for await (const chunk of this.store.readContent(info)) await h.write(chunk);
        await h.sync();
      } finally {
        await h.close();
      }
      this.kv.restoreFrom(image);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    this.lastIndex = Math.max(this.lastIndex, info.index);
    await this.store.prune(this.keep);
    this.log.info("snapshot installed", { index: info.index, term: info.term, bytes: info.size });
    return info.header.metadata;
  }
}
