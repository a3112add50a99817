// Applied batches share SQLite transactions (etcd's backend batch: bbolt commits every 100 ms or
// 10,000 writes). A commit costs the WAL frames of every page the transaction dirtied, one
// pwrite pair each; consecutive batches dirty the same leaf pages (the newest keys and
// revisions), so committing once per interval instead of once per batch writes a fraction of
// the frames. Readers on the applying connection see the open transaction, so reads, txns and
// watches are unaffected; other connections (the checkpointer, a snapshot image) see only
// what was committed, which is why every path that hands kv.db to them commits first.
//
// Durability is unchanged in kind: kv.db was never synced per batch (synchronous=OFF), and a
// process crash now loses the open transaction as a power loss could lose unsynced frames —
// the applied index is committed with the data, so the node replays the rest from the log.

export interface GroupCommitOptions {
  /** How long a transaction stays open after its first batch. 0 commits every batch. */
  intervalMs: number;
  /** Entries after which the transaction commits whatever the interval. */
  maxEntries: number;
  /** Fault injection (tests): asked before each COMMIT; an error it returns is that COMMIT's
   *  failure, taking the path a real one takes (rollback, the store failed for good). */
  injectCommitFailure?: () => Error | undefined;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { intervalMs: 10, maxEntries: 10_000 };

export class GroupCommit {
  #open = false;
  #entries = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #holds = 0;
  #failure: Error | undefined;
  readonly #commitLater = (): void => {
    this.#timer = undefined;
    try {
      this.commit();
    } catch {
      // Recorded in #failure: the next write or read of the store throws it.
    }
  };

  constructor(
    private readonly exec: (sql: string) => void,
    private readonly opts: GroupCommitOptions,
    /** Called after each commit with how long COMMIT took (the checkpointer counts them; etcd's
     *  backend commit duration). */
    private readonly committed: (seconds: number) => void,
    /** Called once when a commit failed: the store no longer matches what it answered. */
    private readonly failed: (err: Error) => void,
    private readonly where: string,
  ) {}

  /** Throws when an earlier commit failed: the file lost batches this process has answered. */
  check(): void {
    if (this.#failure) throw this.#failure;
  }

  /** An earlier commit failed (and was reported through `failed`). */
  failedBefore(): boolean {
    return this.#failure !== undefined;
  }

  get open(): boolean {
    return this.#open;
  }

  /** Runs `write` inside the open transaction as one savepoint: all of it or none. */
  run<T>(entries: number, write: () => T): T {
    this.check();
    if (!this.#open) {
      this.exec("BEGIN IMMEDIATE");
      this.#open = true;
    }
    this.exec("SAVEPOINT batch");
    let result: T;
    try {
      result = write();
      this.exec("RELEASE batch");
    } catch (err) {
      try {
        this.exec("ROLLBACK TO batch");
        this.exec("RELEASE batch");
      } catch (rollbackErr) {
        // SQLite rolled the whole transaction back (an I/O error, a full disk): the batches
        // before this one are gone too.
        this.#fail(new Error(`${this.where}: a failed write (${(err as Error).message}) rolled back the applied batches before it (${(rollbackErr as Error).message})`, { cause: err }));
      }
      throw err;
    }
    this.#entries += entries;
    if (this.opts.intervalMs <= 0 || this.#entries >= this.opts.maxEntries || this.#holds > 0) this.commit();
    else this.#timer ??= setTimeout(this.#commitLater, this.opts.intervalMs);
    return result;
  }

  /** Commits the open transaction, if any. Throws (and stays failed) when SQLite cannot. */
  commit(): void {
    this.check();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#open) return;
    const t0 = performance.now();
    try {
      const injected = this.opts.injectCommitFailure?.();
      if (injected !== undefined) throw injected;
      this.exec("COMMIT");
    } catch (err) {
      this.#fail(new Error(`${this.where}: committing applied entries failed: ${(err as Error).message}`, { cause: err }));
      try {
        this.exec("ROLLBACK");
      } catch {
        // Already rolled back by SQLite.
      }
      this.#open = false;
      throw this.#failure;
    }
    this.#open = false;
    this.#entries = 0;
    this.committed((performance.now() - t0) / 1000);
  }

  /** Until the returned release is called, every batch commits at once: someone on another
   *  connection (a FULL checkpoint) is waiting for the write lock between transactions. */
  hold(): () => void {
    this.#holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
    };
  }

  /** Stops the timer without committing (the connection is being closed after a failure). */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    this.failed(err);
  }
}
