// etcd's watchableStore over the kv store (read through its WatchSource view): watchers see
// the writes this member applies, in revision order, with no gap and no duplicate.
//
// A watcher is either *synced* (it has everything up to the store's revision; each applied
// batch is handed to it synchronously from the store's subscribe) or *unsynced* (it started in
// the past, or its stream was too far behind to take more): unsynced watchers are caught up from
// the history table (watch-catch-up.ts). A stream whose client does not read fast enough holds
// at most `maxQueuedBytes` of answers; past that its synced watchers become unsynced at the
// first revision they miss and catch up from history once the client drains (etcd's
// "victims"), so a slow client costs history reads, never unbounded memory. This hub owns the
// streams and their watchers, indexes them by key and range, and hands out the applied batches.
import { compareBytes, inRange, keyRange } from "./keys.ts";
import type { WatchSource } from "./store-view.ts";
import { WatchCatchUp } from "./watch-catch-up.ts";
import type { WatchCreateRequest, WatchEvent } from "./types.ts";
import { accepts, answer, eventBytes, keyId, OVERHEAD, prefixOf, rangeId, type RangeGroup, StreamState, type Watcher } from "./watch-stream.ts";
import type { WatchHubOptions, WatchSink, WatchStream } from "./watch-types.ts";
import { FilterType, PROGRESS_WATCH_ID, WatchErrors } from "./watch-types.ts";

export { FilterType, PROGRESS_WATCH_ID, WatchErrors, type WatchHubOptions, type WatchSink, type WatchStream } from "./watch-types.ts";

export class WatchHub {
  readonly #store: WatchSource;
  readonly #opts: Required<Omit<WatchHubOptions, "progressTicker">> & Pick<WatchHubOptions, "progressTicker">;
  readonly #streams = new Set<StreamState>();
  readonly #single = new Map<string, Set<Watcher>>();
  /** Range watchers grouped by their range: an event is tested once per distinct range, not once
   *  per watcher (many clients watching one prefix is the common case). */
  readonly #ranged = new Map<string, RangeGroup>();
  /** The groups whose range is a prefix (`--prefix`), by prefix: an event finds them by looking
   *  up each prefix of its key, so ten thousand distinct prefixes cost a key's length, not ten
   *  thousand comparisons. */
  readonly #prefixes = new Map<string, RangeGroup>();
  readonly #catchUp: WatchCatchUp;
  #watchers = 0;
  #unsubscribe: (() => void) | undefined;
  #stopProgress: (() => void) | undefined;
  #closed = false;

  constructor(store: WatchSource, opts: WatchHubOptions = {}) {
    this.#store = store;
    this.#opts = {
      progressIntervalMs: opts.progressIntervalMs ?? 10 * 60_000,
      maxQueuedBytes: opts.maxQueuedBytes ?? 4 * 1024 * 1024,
      catchUpEvents: opts.catchUpEvents ?? 1000,
      catchUpBytes: opts.catchUpBytes ?? 1024 * 1024,
      catchUpRevisions: opts.catchUpRevisions ?? 1000,
      catchUpBudgetMs: opts.catchUpBudgetMs ?? 5,
      progressTicker: opts.progressTicker,
    };
    this.#catchUp = new WatchCatchUp({
      store,
      limits: this.#opts,
      remove: (w) => this.#remove(w),
      abort: (st, err) => this.#abort(st, err),
      synced: (st) => this.#maybeProgress(st),
      closed: () => this.#closed,
    });
  }

  /** Open streams. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Watchers on all streams (synced or not). */
  get watcherCount(): number {
    return this.#watchers;
  }
  /** Watchers currently catching up from history. */
  get unsyncedCount(): number {
    return this.#catchUp.size;
  }

  openStream(sink: WatchSink): WatchStream {
    if (this.#closed) throw new Error("watch hub is closed");
    const st = new StreamState(sink, (err) => this.#abort(st, err));
    this.#streams.add(st);
    return {
      create: (req) => this.#create(st, req),
      cancel: (id) => this.#cancel(st, id),
      requestProgress: () => {
        st.progressPending = true;
        this.#maybeProgress(st);
      },
      resume: () => {
        st.blocked = false;
        st.flush();
        if (st.unsynced > 0) this.#catchUp.kick();
      },
      close: () => this.#closeStream(st),
      get watcherCount() {
        return st.watchers.size;
      },
      get queuedBytes() {
        return st.queuedBytes;
      },
    };
  }

  /** Drops every stream and timer and stops listening to the store. */
  close(): void {
    this.#closed = true;
    for (const st of [...this.#streams]) this.#closeStream(st);
    this.#catchUp.cancel();
  }

  // ---- watchers ----------------------------------------------------------------------------

  #create(st: StreamState, req: WatchCreateRequest): void {
    if (st.closed) return;
    const rev = this.#store.revision;
    const refuse = (reason: string) =>
      st.push(answer(rev, -1, { created: true, canceled: true, cancelReason: reason }));
    // etcd watches "\0" (the smallest key) when no key is given.
    const key = req.key && req.key.length > 0 ? req.key : Uint8Array.of(0);
    // Copies: the request's bytes may be a view into a transport buffer that is reused later.
    const range = keyRange(Uint8Array.from(key), req.rangeEnd && req.rangeEnd.length > 0 ? Uint8Array.from(req.rangeEnd) : req.rangeEnd);
    if (range.kind === "between" && compareBytes(range.key, range.end) >= 0) return refuse(WatchErrors.emptyRange);
    let id = Number(req.watchId ?? 0);
    if (id !== 0) {
      if (st.watchers.has(id)) return refuse(WatchErrors.duplicateId);
    } else {
      while (st.watchers.has(st.nextId)) st.nextId++;
      id = st.nextId++;
    }
    const start = Number(req.startRevision ?? 0);
    const filters = req.filters ?? [];
    const w: Watcher = {
      id,
      stream: st,
      range,
      single: range.kind === "single" ? keyId(range.key) : undefined,
      group: range.kind === "single" ? undefined : rangeId(range),
      noPut: filters.includes(FilterType.NOPUT),
      noDelete: filters.includes(FilterType.NODELETE),
      prevKv: req.prevKv === true,
      progressNotify: req.progressNotify === true,
      fragment: req.fragment === true,
      minRev: start > 0 ? start : rev + 1,
      // A start in the future waits in the synced set for its revision, as in etcd.
      synced: start <= 0 || start > rev,
      sentSinceTick: false,
      removed: false,
    };
    st.watchers.set(id, w);
    this.#index(w);
    st.push(answer(rev, id, { created: true }));
    if (!w.synced) this.#catchUp.add(w);
  }

  #cancel(st: StreamState, id: number): void {
    const w = st.watchers.get(Number(id));
    // etcd answers nothing for an unknown id.
    if (w === undefined) return;
    this.#remove(w);
    st.push(answer(this.#store.revision, w.id, { canceled: true }));
  }

  #index(w: Watcher): void {
    if (this.#watchers++ === 0) this.#listen();
    if (w.group !== undefined) {
      const id = w.group;
      let group = this.#ranged.get(id);
      if (group === undefined) {
        group = { range: w.range, prefix: prefixOf(w.range), watchers: new Set() };
        this.#ranged.set(id, group);
        if (group.prefix !== undefined) this.#prefixes.set(group.prefix, group);
      }
      group.watchers.add(w);
    } else if (w.single !== undefined) {
      let set = this.#single.get(w.single);
      if (set === undefined) this.#single.set(w.single, set = new Set());
      set.add(w);
    }
  }

  #remove(w: Watcher): void {
    if (w.removed) return;
    w.removed = true;
    w.stream.watchers.delete(w.id);
    if (!w.synced) this.#catchUp.forget(w);
    if (w.group !== undefined) {
      const id = w.group;
      const group = this.#ranged.get(id)!;
      group.watchers.delete(w);
      if (group.watchers.size === 0) {
        this.#ranged.delete(id);
        if (group.prefix !== undefined) this.#prefixes.delete(group.prefix);
      }
    } else if (w.single !== undefined) {
      const set = this.#single.get(w.single)!;
      set.delete(w);
      if (set.size === 0) this.#single.delete(w.single);
    }
    if (--this.#watchers === 0) this.#stopListening();
    this.#maybeProgress(w.stream);
  }

  #abort(st: StreamState, err: Error): void {
    if (st.closed) return;
    this.#closeStream(st);
    st.sink.abort?.(err);
  }

  /** A bug in here must not stop the member from applying: the streams end with the error and
   *  their clients re-watch. */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      for (const st of [...this.#streams]) this.#abort(st, e);
    }
  }

  #closeStream(st: StreamState): void {
    if (st.closed) return;
    st.closed = true;
    for (const w of [...st.watchers.values()]) this.#remove(w);
    st.queue = [];
    st.head = 0;
    st.queuedBytes = 0;
    this.#streams.delete(st);
  }

  // The store is only asked to build events while somebody watches.
  #listen(): void {
    this.#unsubscribe = this.#store.subscribe({
      events: (batch) => this.#guard(() => this.#notify(batch)),
      restored: (previousRevision) => this.#guard(() => this.#restored(previousRevision)),
    });
    const ticker = this.#opts.progressTicker ?? intervalTicker;
    this.#stopProgress = ticker(() => this.#guard(() => this.#progressTick()), this.#opts.progressIntervalMs);
  }

  #stopListening(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#stopProgress?.();
    this.#stopProgress = undefined;
  }

  // ---- synced delivery ---------------------------------------------------------------------

  /** One applied batch: per revision, one answer per synced watcher that has events in it. */
  #notify(batch: WatchEvent[]): void {
    for (let i = 0; i < batch.length;) {
      const rev = batch[i].kv.modRevision;
      const perWatcher = new Map<Watcher, WatchEvent[]>();
      for (; i < batch.length && batch[i].kv.modRevision === rev; i++) {
        const ev = batch[i];
        const add = (w: Watcher) => {
          if (!w.synced || rev < w.minRev || !accepts(w, ev)) return;
          let list = perWatcher.get(w);
          if (list === undefined) perWatcher.set(w, list = []);
          list.push(w.prevKv || ev.prevKv === undefined ? ev : { type: ev.type, kv: ev.kv });
        };
        if (this.#single.size > 0) for (const w of this.#single.get(keyId(ev.kv.key)) ?? []) add(w);
        for (const group of this.#groupsOf(ev.kv.key)) for (const w of group.watchers) add(w);
      }
      for (const [w, events] of perWatcher) this.#deliver(w, rev, events);
    }
  }

  /** The range groups whose range holds `key`. */
  *#groupsOf(key: Uint8Array): Iterable<RangeGroup> {
    const others = this.#ranged.size - this.#prefixes.size;
    if (this.#prefixes.size <= key.length + 1) {
      for (const group of this.#ranged.values()) if (inRange(group.range, key)) yield group;
      return;
    }
    // Many prefix groups: look each prefix of the key up, and test only the other ranges.
    for (let n = 0; n <= key.length; n++) {
      const group = this.#prefixes.get(keyId(key.subarray(0, n)));
      if (group !== undefined) yield group;
    }
    if (others > 0) for (const group of this.#ranged.values()) if (group.prefix === undefined && inRange(group.range, key)) yield group;
  }

  #deliver(w: Watcher, rev: number, events: WatchEvent[]): void {
    // An earlier answer of this batch may have broken the stream (and removed the watcher).
    if (w.removed) return;
    const st = w.stream;
    let bytes = OVERHEAD;
    for (const ev of events) bytes += eventBytes(ev);
    if (st.queuedBytes + bytes > this.#opts.maxQueuedBytes) {
      // The client is not reading: stop queueing for this watcher and re-read from history
      // once it drains (etcd's victim handling).
      w.minRev = rev;
      this.#catchUp.add(w);
      return;
    }
    w.minRev = rev + 1;
    w.sentSinceTick = true;
    st.push(answer(rev, w.id, { events, fragment: w.fragment }), bytes);
  }

  /** A snapshot replaced the store: every synced watcher had seen up to `previousRevision` and
   *  re-reads what follows from the new store's history (or learns it was compacted away). */
  #restored(previousRevision: number): void {
    for (const st of this.#streams) {
      for (const w of st.watchers.values()) {
        if (!w.synced) continue;
        w.minRev = Math.max(w.minRev, previousRevision + 1);
        this.#catchUp.add(w);
      }
    }
  }

  // ---- progress ----------------------------------------------------------------------------

  #maybeProgress(st: StreamState): void {
    if (!st.progressPending || st.unsynced > 0 || st.closed) return;
    st.progressPending = false;
    st.push(answer(this.#store.revision, PROGRESS_WATCH_ID));
  }

  /** etcd's progress ticker: an idle synced watcher with progress_notify gets the revision. */
  #progressTick(): void {
    const rev = this.#store.revision;
    for (const st of this.#streams) {
      for (const w of st.watchers.values()) {
        if (!w.progressNotify) continue;
        if (w.synced && !w.sentSinceTick) st.push(answer(rev, w.id));
        w.sentSinceTick = false;
      }
    }
  }
}

function intervalTicker(tick: () => void, intervalMs: number): () => void {
  const timer = setInterval(tick, intervalMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
