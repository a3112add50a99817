// Catching watchers up from history (etcd's unsynced watcher group). A watcher that started in
// the past, or whose client stopped reading (etcd's "victims"), is not handed batches as they
// are applied; it reads the history table instead, in bounded steps (one per event-loop turn,
// within a time budget, so heartbeats keep flowing), and joins the synced watchers in the same
// synchronous step that reads history up to the current revision, so the switch can neither
// lose nor repeat a revision. The hub (watch.ts) owns the watchers; this owns which of them are
// behind and the timer that steps them.
import { Errors } from "./errors.ts";
import type { WatchSource } from "./store-view.ts";
import { accepts, answer, eventBytes, OVERHEAD, type StreamState, type Watcher } from "./watch-stream.ts";
import type { WatchHubOptions } from "./watch-types.ts";

export type CatchUpLimits = Required<Pick<WatchHubOptions, "catchUpEvents" | "catchUpBytes" | "catchUpRevisions" | "catchUpBudgetMs">>;

export interface CatchUpDeps {
  store: WatchSource;
  limits: CatchUpLimits;
  /** Drops a watcher whose next revision was compacted away (the hub's cancel). */
  remove(w: Watcher): void;
  /** Ends a stream whose history read failed. */
  abort(st: StreamState, err: Error): void;
  /** One of the stream's watchers has caught up (a progress answer may be due). */
  synced(st: StreamState): void;
  closed(): boolean;
}

export class WatchCatchUp {
  readonly #unsynced = new Set<Watcher>();
  #timer: ReturnType<typeof setImmediate> | undefined;

  constructor(private readonly deps: CatchUpDeps) {}

  /** Watchers catching up. */
  get size(): number {
    return this.#unsynced.size;
  }

  /** `w` has to see revisions from `w.minRev` on that it will not be handed as they are applied. */
  add(w: Watcher): void {
    if (w.synced) w.synced = false;
    else if (this.#unsynced.has(w)) return;
    this.#unsynced.add(w);
    w.stream.unsynced++;
    this.kick();
  }

  /** `w` is gone (cancelled, its stream closed) while still catching up. */
  forget(w: Watcher): void {
    this.#unsynced.delete(w);
    w.stream.unsynced--;
  }

  /** Steps on the next turn unless one is due already (a stream drained, a watcher joined). */
  kick(): void {
    if (this.#timer !== undefined || this.#unsynced.size === 0 || this.deps.closed()) return;
    this.#timer = setImmediate(() => {
      this.#timer = undefined;
      this.#step();
    });
  }

  cancel(): void {
    if (this.#timer !== undefined) clearImmediate(this.#timer);
    this.#timer = undefined;
  }

  /** One bounded read per unsynced watcher whose stream has room; again next turn if any can
   *  go on (a stream that is blocked calls resume() when it drains). */
  #step(): void {
    const deadline = performance.now() + this.deps.limits.catchUpBudgetMs;
    let more = false;
    let stepped = false;
    for (const w of [...this.#unsynced]) {
      if (stepped && performance.now() > deadline) {
        more = true; // out of time (after at least one step): the rest go first next turn
        break;
      }
      if (!w.stream.idle) continue;
      stepped = true;
      try {
        this.#one(w);
      } catch (err) {
        this.deps.abort(w.stream, err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      if (!w.synced && !w.removed) {
        // To the back of the line, so a budget that runs out never starves the same watchers.
        this.#unsynced.delete(w);
        this.#unsynced.add(w);
        if (w.stream.idle) more = true;
      }
    }
    if (more) this.kick();
  }

  #one(w: Watcher): void {
    const store = this.deps.store;
    const rev = store.revision;
    const compacted = store.compactRevision;
    if (compacted > 0 && w.minRev < compacted) {
      this.deps.remove(w);
      // etcd leaves the header revision unset here; the reason is ours (clientv3 reads
      // compact_revision first; the etcd3 npm client shows the reason).
      w.stream.push(answer(0, w.id, {
        canceled: true,
        compactRevision: compacted,
        cancelReason: Errors.compacted().message,
      }));
      return;
    }
    if (w.minRev <= rev) {
      const to = Math.min(rev, w.minRev + this.deps.limits.catchUpRevisions - 1);
      const read = store.eventsBetween(w.range, w.minRev, to, {
        limit: this.deps.limits.catchUpEvents,
        maxBytes: this.deps.limits.catchUpBytes,
        prevKv: w.prevKv,
      });
      const events = read.events.filter((ev) => accepts(w, ev));
      w.minRev = read.through + 1;
      if (events.length > 0) {
        let bytes = OVERHEAD;
        for (const ev of events) bytes += eventBytes(ev);
        w.sentSinceTick = true;
        // The header says how far this answer covers: no later answer holds an event at or
        // below it (etcd puts the current revision here even when more batches follow).
        w.stream.push(answer(read.through, w.id, { events, fragment: w.fragment }), bytes);
      }
    }
    if (w.minRev > rev) this.#toSynced(w);
  }

  #toSynced(w: Watcher): void {
    this.#unsynced.delete(w);
    w.synced = true;
    w.stream.unsynced--;
    this.deps.synced(w.stream);
  }
}
