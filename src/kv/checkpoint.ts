// The main thread's side of kv.db's checkpointer (checkpoint-worker.ts). The applying
// connection runs with wal_autocheckpoint = 0, so it never checkpoints (and never fsyncs) on
// the event loop; it tells this class after each batch, which asks the worker for a PASSIVE
// checkpoint every `batchesPerCheckpoint` batches, or `idleMs` after the last write of a burst
// (a timer armed only while writes happen, so an idle store wakes nobody), which is then a
// TRUNCATE so an idle store's WAL file is empty. `sync()` is the durable point.
//
// TRUNCATE (and FULL) hold kv.db's write lock while they wait and sync, and the applying
// connection waits for it on its busy handler, on the event loop: under writes they run only
// when the WAL is past its bound. A PASSIVE checkpoint that reaches the WAL's end lets the next
// commit restart the WAL from its start, which is what keeps it small under load.
//
// The WAL is also bounded in bytes (`walBoundBytes`): a batch that leaves the WAL file past the
// bound asks for a TRUNCATE at once, and the applying connection's journal_size_limit cuts the
// file back to the bound when it restarts it. Frames not yet in kv.db must be copied into it
// before the WAL can shrink; after a full disk that copy is what a restart needs room for, and
// the member's space reserve (node/disk-space.ts, twice the bound) must cover it.
import { statfsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { Worker } from "node:worker_threads";
import type { SqliteDriver } from "../storage/sqlite.ts";
import { workerPath } from "../storage/worker-path.ts";

export type CheckpointMode = "PASSIVE" | "FULL" | "TRUNCATE";

export type CheckpointRequest =
  | { kind: "open"; path: string; driver: SqliteDriver | undefined }
  | { kind: "checkpoint"; seq: number; mode: CheckpointMode }
  | { kind: "sync"; seq: number }
  | { kind: "close"; done: Int32Array };

export type CheckpointReply =
  | { kind: "opened" }
  | { kind: "checkpointed"; seq: number; busy: number; log: number; done: number }
  | { kind: "synced"; seq: number }
  | { kind: "error"; seq: number; message: string };

/** What one checkpoint reported: WAL frames in the log and how many are in the database file. */
export interface CheckpointResult {
  busy: number;
  log: number;
  done: number;
}

export interface CheckpointerOptions {
  driver?: SqliteDriver;
  /** Applied batches between PASSIVE checkpoints. */
  batchesPerCheckpoint?: number;
  /** A burst's last batches are checkpointed this long after the write that armed the timer. */
  idleMs?: number;
  /** A batch leaving the WAL file larger than this checkpoints at once (default walBoundBytes;
   *  the applying connection's journal_size_limit must be the same). */
  walBoundBytes?: number;
}

const MiB = 1024 * 1024;

/** The bound on kv.db's WAL for the filesystem holding `path`: 2.5 % of it, 512 KiB to 16 MiB
 *  (half the space reserve's 5 %, 1 to 64 MiB). Large values fill 16 MiB in a few dozen puts:
 *  one checkpoint (one fsync) per 16 MiB written costs little, a WAL of 64 batches of them did
 *  not fit the room a restart has after a full disk. */
export function walBoundBytes(path: string): number {
  try {
    const s = statfsSync(dirname(path));
    return Math.min(16 * MiB, Math.max(MiB / 2, Math.floor(Number(s.blocks) * Number(s.bsize) * 0.025)));
  } catch {
    return 4 * MiB;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

interface Pending {
  resolve: (r: CheckpointResult | undefined) => void;
  reject: (e: Error) => void;
}

export class Checkpointer {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #batchesPer: number;
  readonly #idleMs: number;
  readonly #walPath: string;
  readonly walBound: number;
  #seq = 0;
  #batches = 0;
  #inFlight = false;
  /** Batches were applied since the last TRUNCATE began (or it failed). */
  #walDirty = false;
  #lastBatchAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** The last periodic checkpoint's failure, if any (reported by stats; flush() rejects itself). */
  lastError: string | undefined;
  /** Periodic checkpoints completed (tests, metrics). */
  completed = 0;

  constructor(path: string, opts: CheckpointerOptions = {}) {
    this.#batchesPer = opts.batchesPerCheckpoint ?? 64;
    this.#idleMs = opts.idleMs ?? 200;
    this.#walPath = `${path}-wal`;
    this.walBound = opts.walBoundBytes ?? walBoundBytes(path);
    this.#worker = new Worker(workerPath("checkpoint-worker", import.meta.url, "src/kv/checkpoint-worker.ts"));
    // The store's close() ends the worker; until then it must not keep the process alive alone.
    this.#worker.unref();
    this.#worker.on("message", (m: CheckpointReply) => this.#onReply(m));
    this.#worker.on("error", (err: Error) => this.#failAll(`kv checkpointer stopped: ${err.message}`));
    this.#post({ kind: "open", path, driver: opts.driver });
  }

  #post(m: CheckpointRequest): void {
    this.#worker.postMessage(m);
  }

  #onReply(m: CheckpointReply): void {
    if (m.kind === "opened") return;
    const p = this.#pending.get(m.seq);
    if (m.kind === "error" && p === undefined) {
      this.lastError = m.message;
      return;
    }
    if (p === undefined) return;
    this.#pending.delete(m.seq);
    if (m.kind === "error") p.reject(new Error(m.message));
    else if (m.kind === "synced") p.resolve(undefined);
    else p.resolve({ busy: m.busy, log: m.log, done: m.done });
  }

  #failAll(message: string): void {
    this.lastError = message;
    for (const p of this.#pending.values()) p.reject(new Error(message));
    this.#pending.clear();
  }

  /** Asks the worker for a checkpoint and resolves with what SQLite reported. */
  checkpoint(mode: CheckpointMode): Promise<CheckpointResult> {
    return this.#ask((seq) => ({ kind: "checkpoint", seq, mode })) as Promise<CheckpointResult>;
  }

  #ask(request: (seq: number) => CheckpointRequest): Promise<CheckpointResult | undefined> {
    if (this.#closed) return Promise.reject(new Error("kv store is closed: cannot checkpoint or sync kv.db"));
    const seq = ++this.#seq;
    return new Promise<CheckpointResult | undefined>((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      this.#post(request(seq));
    });
  }

  /** Called after every committed batch; cheap (a counter, at most one timer). */
  noteBatch(): void {
    if (this.#closed) return;
    this.#batches++;
    this.#walDirty = true;
    this.#lastBatchAt = performance.now();
    // A stat per batch (a few µs): batches come at most every group-commit interval.
    const overBound = fileSize(this.#walPath) > this.walBound;
    if (this.#batches >= this.#batchesPer || overBound) this.#periodicCheckpoint(overBound);
    this.#armTimer();
  }

  // Armed only while the WAL holds frames not yet truncated away, so an idle store has no timer.
  #armTimer(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#walDirty) return;
      // Only in a pause of the writes, when a TRUNCATE gets the WAL to itself and holds up no
      // commit.
      if (this.#inFlight || performance.now() - this.#lastBatchAt < this.#idleMs) this.#armTimer();
      else this.#periodicCheckpoint(true);
    }, this.#idleMs);
    this.#timer.unref?.();
  }

  #periodicCheckpoint(truncate: boolean): void {
    // One at a time: batches applied meanwhile are picked up by the next one.
    if (this.#inFlight) return;
    this.#inFlight = true;
    this.#batches = 0;
    const mode: CheckpointMode = truncate ? "TRUNCATE" : "PASSIVE";
    if (mode === "TRUNCATE") this.#walDirty = false;
    this.checkpoint(mode).then(
      (r) => {
        this.completed++;
        this.lastError = undefined;
        if (mode === "TRUNCATE" && r.busy !== 0) this.#walDirty = true;
      },
      (err: Error) => {
        this.lastError = err.message;
        if (mode === "TRUNCATE") this.#walDirty = true;
      },
    ).finally(() => {
      this.#inFlight = false;
      if (this.#walDirty) this.#armTimer();
    });
  }

  /** Makes every transaction committed so far durable without the write lock: the worker
   *  fdatasyncs the WAL (checkpoint-worker.ts says why that suffices). The applying connection
   *  keeps committing meanwhile, where a FULL checkpoint would hold it on its busy handler, on
   *  the event loop, for as long as copying the WAL and syncing kv.db take (tens to hundreds of
   *  ms under load). */
  async sync(): Promise<void> {
    await this.#ask((seq) => ({ kind: "sync", seq }));
  }

  /** Copies everything committed so far into kv.db itself and fsyncs the WAL and the file (a
   *  FULL checkpoint in the worker), for a file that must shrink or stand alone. Holds the write
   *  lock while it runs. Rejects if the checkpoint could not finish. */
  async checkpointFully(): Promise<CheckpointResult> {
    const r = await this.checkpoint("FULL");
    if (r.busy !== 0) throw new Error(`kv.db checkpoint could not finish (${r.done} of ${r.log} WAL frames copied): a reader or writer held it`);
    return r;
  }

  /** Stops the worker after its connection is closed. Blocks until then (at most 10 s, usually a
   *  checkpoint's length): the caller may delete the WAL files right after. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const done = new Int32Array(new SharedArrayBuffer(4));
    this.#post({ kind: "close", done });
    Atomics.wait(done, 0, 0, 10_000);
    this.#failAll("kv store is closed: cannot checkpoint kv.db");
    void this.#worker.terminate();
  }
}
