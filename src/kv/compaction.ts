// Physical compaction of kv.db's history, in the background. A Compaction request only moves
// the compaction point and makes the index forget the versions below it (MvccStore); the history
// rows those versions occupied are deleted here afterwards, a bounded step per event-loop turn,
// like etcd's scheduled compaction, so a large compaction never stalls the loop that runs
// heartbeats. What is left when the store closes is found again at the next open.
import type { GroupCommit } from "./group-commit.ts";
import type { KeyIndex } from "./key-index.ts";
import { COMPACTION_STEP_ROWS } from "./schema.ts";
import type { Statement } from "../storage/sqlite.ts";

export interface HistoryCompactorDeps {
  stmt(sql: string): Statement;
  /** The current connection's group commit (a restore replaces it). */
  group(): GroupCommit;
  compactRevision(): number;
  closed(): boolean;
  /** A step failed on its own (not during a caller's work): the store must stop. */
  onFailure?: (err: Error) => void;
}

export class HistoryCompactor {
  /** (rev, sub) of history rows a compaction made unreachable, still to delete in steps. */
  #unreachable: number[] = [];
  /** The compaction revision whose unreachable rows are all gone. */
  #compactedUpTo = 0;
  #cleanup: ReturnType<typeof setImmediate> | undefined;
  #idle: (() => void)[] = [];

  constructor(private readonly deps: HistoryCompactorDeps) {}

  get compactedUpTo(): number {
    return this.#compactedUpTo;
  }

  /** Starts over from the rows still to delete that opening the file found. */
  reset(unreachable: number[]): void {
    this.#unreachable = unreachable;
    this.#compactedUpTo = unreachable.length === 0 ? Math.max(this.deps.compactRevision(), 0) : 0;
  }

  /** The index forgets the versions below `rev` (the new compaction point); their rows join
   *  those to delete. */
  compact(index: KeyIndex, rev: number): void {
    index.compact(rev, this.#unreachable);
    if (this.#unreachable.length === 0) this.#compactedUpTo = rev;
  }

  /** Deletes the next step on a later turn, and so on until none is left. */
  schedule(): void {
    if (this.#cleanup !== undefined || this.deps.closed()) return;
    if (this.#unreachable.length === 0) {
      this.#compactedUpTo = Math.max(this.deps.compactRevision(), 0);
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    this.#cleanup = setImmediate(() => {
      this.#cleanup = undefined;
      if (this.deps.closed()) return;
      // Runs from the event loop, not from a caller: an error here (a commit that already failed
      // and stopped the store, a full disk) must reach onFailure, never escape as an uncaught
      // exception that kills the process. The rest of the removal is left for the next open.
      try {
        this.#step();
      } catch (err) {
        if (!this.deps.group().failedBefore()) this.deps.onFailure?.(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.schedule();
    });
  }

  /** Stops the steps (the connection is closing). */
  cancel(): void {
    if (this.#cleanup !== undefined) clearImmediate(this.#cleanup);
    this.#cleanup = undefined;
  }

  /** Deletes every row still to delete now: what every replica's file agrees on. */
  finish(): void {
    while (this.#unreachable.length > 0) this.#step();
  }

  /** Resolves when the background removal of compacted history has caught up. */
  idle(): Promise<void> {
    if (this.#unreachable.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** One bounded step: deletes up to COMPACTION_STEP_ROWS of the rows the index forgot. */
  #step(): void {
    const pairs = this.#unreachable.length - Math.max(0, this.#unreachable.length - 2 * COMPACTION_STEP_ROWS);
    const step = this.#unreachable.slice(this.#unreachable.length - pairs);
    this.deps.group().run(0, () => {
      const del = this.deps.stmt("DELETE FROM history WHERE rev = ? AND sub = ?");
      for (let i = 0; i < step.length; i += 2) del.run(step[i]!, step[i + 1]!);
    });
    this.#unreachable.length -= pairs;
    if (this.#unreachable.length === 0) this.#compactedUpTo = this.deps.compactRevision();
  }
}
