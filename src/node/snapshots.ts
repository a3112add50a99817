// Snapshots from the node's point of view: take one every `snapshot_entries` applied entries
// (a consistent kv image wrapped by the snapshot store), stream the latest one to a follower
// that needs it, receive one from the leader, and install it into the state machine.
import { createReadStream, existsSync } from "node:fs";
import { mkdtemp, rm, unlink } from "node:fs/promises";
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { MvccStore } from "../kv/mvcc.ts";
import type { ConfState, Message, SnapshotMeta } from "../raft/types.ts";
import type { SnapshotInfo, SnapshotStore } from "../storage/index.ts";
import type { SnapshotSink } from "../transport/index.ts";
import type { Logger } from "./log.ts";

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

export class SnapshotManager {
  private taking = false;
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

  /** Writes a snapshot of the kv store as it is now (its applied index), recording the
   *  membership in effect at that index (`confAt`), not the one when the copy started or ended. */
  async take(confAt: (index: number) => ConfState, metadata: Uint8Array): Promise<TakenSnapshot | undefined> {
    if (this.taking) return undefined;
    this.taking = true;
    const t0 = performance.now();
    const image = join(this.dataDir, "kv-snapshot.tmp");
    try {
      // Copies in steps from a second connection: VACUUM INTO would stall the loop for seconds.
      const img = await this.kv.snapshotToAsync(image);
      // kv.db itself durable past the image's index (a FULL checkpoint off the event loop), so a
      // power loss after the log is compacted to it leaves a store start-up can use as it is.
      await this.kv.flush();
      const info = await this.store.write({ index: img.index, term: img.term, conf: confAt(img.index), metadata }, createReadStream(image));
      await this.store.prune(this.keep);
      this.lastIndex = info.index;
      const taken = { index: info.index, term: info.term, bytes: info.size, seconds: (performance.now() - t0) / 1000 };
      this.log.info("snapshot taken", { index: taken.index, term: taken.term, bytes: taken.bytes, ms: Math.round(taken.seconds * 1000) });
      return taken;
    } finally {
      if (existsSync(image)) await unlink(image).catch(() => {});
      this.taking = false;
    }
  }

  /** The newest snapshot at or above `atLeast`, with the Snap message rewritten to describe it
   *  (the core names its compaction point; any newer snapshot serves the follower as well). */
  async forSending(m: Message): Promise<{ message: Message; info: SnapshotInfo } | undefined> {
    const info = await this.store.latest();
    if (info === undefined || m.snapshot === undefined || info.index < m.snapshot.index) return undefined;
    const snapshot: SnapshotMeta = { index: info.index, term: info.term, conf: info.header.conf };
    return { message: { ...m, snapshot }, info };
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
    const info = (await this.store.list()).find((s) => s.index === meta.index && s.term === meta.term);
    if (info === undefined) throw new Error(`snapshot ${meta.index}/${meta.term} to install is not in ${this.dataDir}`);
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
