// One open kv.db: the applying connection with its statement cache, the group commit that lets
// applied batches share transactions (group-commit.ts) and the checkpointer thread that makes
// them durable (checkpoint.ts). MvccStore opens one at start and a new one after a restore.
import { Checkpointer, type CheckpointerOptions, type CheckpointResult } from "./checkpoint.ts";
import { DEFAULT_GROUP_COMMIT, GroupCommit, type GroupCommitOptions } from "./group-commit.ts";
import { openKvFile } from "./open.ts";
import type { SqliteDb, SqliteDriver, Statement } from "../storage/sqlite.ts";

export interface KvFileOptions {
  /** SQLite `synchronous` of the applying connection. OFF (the default) is safe here because
   *  the checkpointer's connection does every sync, the Raft log is the source of truth and
   *  re-applying is idempotent (src/kv/README.md); NORMAL syncs a new WAL header after each WAL
   *  reset on this thread; FULL costs an fsync per batch. */
  synchronous?: "OFF" | "NORMAL" | "FULL";
  /** Which SQLite binding to use; the runtime's best by default (tests exercise both). */
  binding?: SqliteDriver;
  /** Tuning of the checkpointer thread (tests make it eager). */
  checkpoints?: Omit<CheckpointerOptions, "driver">;
  /** How applied batches share transactions (group-commit.ts); `{ intervalMs: 0 }` commits
   *  every batch. */
  groupCommit?: Partial<GroupCommitOptions>;
  /** A commit of applied batches failed after they were answered (a full disk, an I/O error):
   *  the store refuses all further work, and the member must stop. */
  onFailure?: (err: Error) => void;
  /** Every commit of applied batches, with how long SQLite's COMMIT took (etcd's
   *  etcd_disk_backend_commit_duration_seconds). */
  onCommit?: (seconds: number) => void;
}

export class KvConnection {
  readonly db: SqliteDb;
  readonly group: GroupCommit;
  /** The meta rows as the file was opened (schema, applied index/term, revisions). */
  readonly meta: Record<string, number>;
  #checkpointer: Checkpointer | undefined;
  readonly #stmts = new Map<string, Statement>();
  #closed = false;

  /** Throws an Error naming the file when it is not a trireme kv store (open.ts). */
  constructor(readonly path: string, private readonly opts: KvFileOptions) {
    const { db, meta } = openKvFile(path, { binding: opts.binding, synchronous: this.synchronous });
    this.db = db;
    this.meta = meta;
    this.group = new GroupCommit(
      (sql) => this.stmt(sql).run(),
      { ...DEFAULT_GROUP_COMMIT, ...opts.groupCommit },
      (seconds) => {
        this.#checkpointer!.noteBatch();
        opts.onCommit?.(seconds);
      },
      (err) => opts.onFailure?.(err),
      `kv store ${path}`,
    );
  }

  get synchronous(): "OFF" | "NORMAL" | "FULL" {
    return this.opts.synchronous ?? "OFF";
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts the checkpointer thread: once the store has read the file (its index, auth, alarms),
   *  so a file that fails to load leaves no thread behind. */
  startCheckpoints(): void {
    this.#checkpointer = new Checkpointer(this.path, { ...this.opts.checkpoints, driver: this.opts.binding });
  }

  /** A prepared statement, cached for the life of the connection. */
  stmt(sql: string): Statement {
    let st = this.#stmts.get(sql);
    if (st === undefined) {
      if (this.#closed) throw new Error(`kv store ${this.path} is closed`);
      st = this.db.prepare(sql);
      this.#stmts.set(sql, st);
    }
    return st;
  }

  /** Commits the open transaction and makes it durable (the WAL synced on the checkpointer
   *  thread; the applying connection keeps its write lock and goes on). */
  async flush(): Promise<void> {
    this.group.commit();
    await this.#checkpointer!.sync();
  }

  /** Commits the open transaction and runs a FULL checkpoint on the checkpointer thread: the
   *  data in kv.db itself, the WAL empty (a defragmented file shrinks only then). */
  async checkpointFully(): Promise<CheckpointResult> {
    this.group.commit();
    // The FULL checkpoint waits for the write lock between two transactions: keep them short.
    const release = this.group.hold();
    try {
      return await this.#checkpointer!.checkpointFully();
    } finally {
      release();
    }
  }

  /** Commits what is open and closes both connections, leaving kv.db whole without its WAL. */
  close(): void {
    if (this.#closed) return;
    try {
      this.group.commit();
    } catch {
      // Reported through onFailure when it happened; what was open is lost, the log has it.
    } finally {
      this.group.dispose();
    }
    this.#stmts.clear();
    // The worker's connection goes first, so this one is the last and its close checkpoints
    // (restoreFrom deletes the WAL files right after). That checkpoint must sync: once the WAL
    // is gone the file alone holds the data, so this connection syncs for its close.
    this.#checkpointer?.close();
    this.db.exec("PRAGMA synchronous = FULL");
    this.db.close();
    this.#closed = true;
  }
}
