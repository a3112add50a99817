// The replicated state machine: an MVCC key-value store with etcd's semantics on its own
// SQLite file (kv.db). See README.md beside this file for the schema, the durability argument
// and the idempotence rule.
//
// Tables: `history` holds every version and tombstone written, keyed by (revision, sub), until
// compaction — a write appends rows at the end of the tree; `meta` holds the applied index/term,
// the current and the compacted revision, written in the same transaction as the data they
// describe; `lease` the granted leases. Which version of each key is current, and where each
// key's versions are, is the in-memory index (key-index.ts), rebuilt from history at open.
import { existsSync, renameSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { Errors } from "./errors.ts";
import type { KeyRange } from "./keys.ts";
import type { WriteImageOptions } from "./image.ts";
import { dbSize, defragment, hashKv, snapshotTo, snapshotToAsync, type StoreFile, storeHash } from "./maintenance.ts";
import { type Lease, LeaseTable } from "./lease.ts";
import { type AlarmMember, AlarmTable } from "./alarms.ts";
import { AuthStore } from "./auth-store.ts";
import { type EventsRead, type ReadLimits, readEvents } from "./events.ts";
import { KvReader } from "./reader.ts";
import { fsyncPath, inspectImage } from "./schema.ts";
import { HistoryCompactor } from "./compaction.ts";
import { loadKeyIndex } from "./open.ts";
import { KeyIndex } from "./key-index.ts";
import type { Statement } from "../storage/sqlite.ts";
import type { CheckpointResult } from "./checkpoint.ts";
import { KvConnection, type KvFileOptions } from "./connection.ts";
import { isTxnReadOnly } from "./txn.ts";
import { RequestApplier } from "./apply.ts";
import type { KvStateMachine, KvStoreView } from "./store-view.ts";
import type {
  ApplyEntry,
  ApplyResult,
  CompactionRequest,
  RangeRequest,
  RangeResponse,
  SnapshotImage,
  StoreListener,
  TxnRequest,
  TxnResponse,
  WatchEvent,
} from "./types.ts";

/** How the store opens kv.db (connection.ts). */
export type MvccStoreOptions = KvFileOptions;

export class MvccStore implements KvStoreView, KvStateMachine {
  #conn!: KvConnection;
  #revision = 0;
  #compactRevision = -1;
  #appliedIndex = 0;
  #appliedTerm = 0;
  readonly #compactor = new HistoryCompactor({
    stmt: (sql) => this.#stmt(sql),
    group: () => this.#conn.group,
    compactRevision: () => this.#compactRevision,
    closed: () => this.#conn.closed,
    onFailure: (err) => this.opts.onFailure?.(err),
  });
  #listeners = new Set<StoreListener>();
  /** The events of the batch being applied; null when nobody listens (the hot path builds none). */
  #events: WatchEvent[] | null = null;
  #index = new KeyIndex();
  #reader = new KvReader((sql) => this.#stmt(sql), this.#index);
  readonly #leases = new LeaseTable((sql) => this.#stmt(sql), (id) => this.#index.keysOf(id));
  readonly #alarms = new AlarmTable((sql) => this.#stmt(sql));
  /** Users, roles, permissions (auth-store.ts): applied like the keys, re-read with them. */
  readonly auth = new AuthStore((sql) => this.#stmt(sql));
  /** What maintenance.ts works on; reads the current connection, so it outlives a restore. */
  readonly #file: StoreFile;

  private constructor(readonly path: string, private readonly opts: MvccStoreOptions) {
    this.#file = {
      path: this.path,
      db: () => this.#conn.db,
      stmt: (sql) => this.#stmt(sql),
      group: () => this.#conn.group,
      synchronous: this.opts.synchronous ?? "OFF",
      binding: this.opts.binding,
      closed: () => this.#conn.closed,
      finishCompaction: () => this.#compactor.finish(),
      position: () => ({ revision: this.#revision, compactRevision: this.#compactRevision, index: this.#appliedIndex, term: this.#appliedTerm }),
      checkpointFully: () => this.checkpointFully(),
    };
    this.#openDb();
  }

  /** Opens or creates the store at `path` (normally `<data_dir>/kv.db`). Throws an Error naming
   *  the file when it is not a trireme kv store. */
  static open(path: string, opts: MvccStoreOptions = {}): MvccStore {
    return new MvccStore(path, opts);
  }

  /** The revision of the last write (0 for an empty store). */
  get revision(): number {
    return this.#revision;
  }
  /** The revision history was compacted at; reads below it fail. -1 if never compacted. */
  get compactRevision(): number {
    return this.#compactRevision;
  }
  /** Every Raft entry at or below this index is reflected in the store. */
  get appliedIndex(): number {
    return this.#appliedIndex;
  }
  get appliedTerm(): number {
    return this.#appliedTerm;
  }

  #openDb(): void {
    this.#conn = new KvConnection(this.path, this.opts);
    const meta = this.#conn.meta;
    this.#revision = meta.revision ?? 0;
    this.#compactRevision = meta.compact_revision ?? -1;
    this.#appliedIndex = meta.applied_index ?? 0;
    this.#appliedTerm = meta.applied_term ?? 0;
    this.#loadIndex();
    this.#compactor.schedule();
    this.#conn.startCheckpoints();
  }

  /** Rebuilds the in-memory index from the file (at open, and when a failed batch was rolled
   *  back), with the unreachable rows still to delete. */
  #loadIndex(): void {
    const { index, unreachable } = loadKeyIndex(this.#conn.db, this.#compactRevision, this.path);
    this.#compactor.reset(unreachable);
    this.#index = index;
    this.#reader = new KvReader((sql) => this.#stmt(sql), index);
    this.#alarms.reload();
    this.auth.load();
  }

  /** Size of the in-memory index (keys, versions, bytes, about), for metrics and docs. */
  indexStats(): { keys: number; aliveKeys: number; versions: number; bytes: number } {
    return this.#index.stats();
  }

  #writeMeta(values: Record<string, number>): void {
    const st = this.#stmt("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)");
    for (const [k, v] of Object.entries(values)) st.run(k, v);
  }

  #stmt(sql: string): Statement {
    return this.#conn.stmt(sql);
  }

  // ---- reads -------------------------------------------------------------------------------

  readonly #applier = new RequestApplier({
    stmt: (sql) => this.#stmt(sql),
    index: () => this.#index,
    reader: () => this.#reader,
    leases: this.#leases,
    alarms: this.#alarms,
    auth: this.auth,
    events: () => this.#events,
    revision: () => this.#revision,
    setRevision: (rev) => (this.#revision = rev),
    compactRevision: () => this.#compactRevision,
    compact: (req) => this.#compact(req),
  });

  /**
   * etcd's Range at the current state (serializable: the caller decides whether a ReadIndex
   * barrier comes first). Throws EtcdError for compacted or future revisions.
   */
  range(req: RangeRequest): RangeResponse {
    this.#conn.group.check();
    return this.#reader.range(req, this.#revision, this.#compactRevision);
  }

  /** A txn whose every op (both branches, nested too) is a Range: served from local state
   *  without a Raft entry, as etcd does. Throws EtcdError (and changes nothing) otherwise. */
  readTxn(txn: TxnRequest): TxnResponse {
    if (!isTxnReadOnly(txn)) throw Errors.notCapable();
    this.#conn.group.check();
    return this.#applier.readTxn(txn);
  }

  #compact(req: CompactionRequest): void {
    const rev = req.revision ?? 0;
    if (rev <= this.#compactRevision) throw Errors.compacted();
    if (rev > this.#revision) throw Errors.futureRev();
    // Reads below `rev` are refused from now on; the obsolete rows are removed in the
    // background (compaction.ts).
    this.#compactRevision = rev;
    this.#compactor.compact(this.#index, rev);
  }

  /** Resolves when the background removal of compacted history has caught up. */
  compactionIdle(): Promise<void> {
    return this.#compactor.idle();
  }

  #counts: { at: number; keys: number; leases: number } | undefined;

  /** Live keys and leases, for the metrics scrape: counted once per applied index (a COUNT over a
   *  large table runs on the loop that sends heartbeats; an idle member must not repeat it). */
  counts(): { keys: number; leases: number } {
    if (this.#counts === undefined || this.#counts.at !== this.#appliedIndex) {
      this.#counts = {
        at: this.#appliedIndex,
        keys: this.#index.aliveCount,
        leases: this.#stmt("SELECT COUNT(*) AS n FROM lease").get()!.n as number,
      };
    }
    return { keys: this.#counts.keys, leases: this.#counts.leases };
  }

  /** Row counts for metrics and tests: existing keys, history rows (versions + tombstones). */
  stats(): { keys: number; historyRows: number; compactRevision: number; compactedUpTo: number } {
    return {
      keys: this.#index.aliveCount,
      historyRows: this.#stmt("SELECT COUNT(*) AS n FROM history").get()!.n as number,
      compactRevision: this.#compactRevision,
      compactedUpTo: this.#compactor.compactedUpTo,
    };
  }

  /** Applies one committed entry; see applyBatch. */
  apply(entry: ApplyEntry): ApplyResult | null {
    return this.applyBatch([entry])[0];
  }

  /**
   * Applies committed entries in ONE SQLite transaction, together with the new applied index.
   * An entry at or below the applied index was applied before (a restart replays the log
   * from the last snapshot): it is skipped and answered with null, as is an entry without a
   * request. Nobody waits for those answers: after a restart no client is attached to them.
   * Errors other than EtcdError (I/O, corruption) roll the whole batch back and are thrown:
   * the node must stop, since its state machine can no longer follow the log.
   */
  applyBatch(entries: ApplyEntry[]): (ApplyResult | null)[] {
    const results: (ApplyResult | null)[] = [];
    const saved = [this.#revision, this.#compactRevision, this.#appliedIndex, this.#appliedTerm] as const;
    const events = this.#events = this.#listeners.size > 0 ? [] : null;
    try {
      this.#conn.group.run(entries.length, () => this.#applyEntries(entries, results, events));
    } catch (err) {
      [this.#revision, this.#compactRevision, this.#appliedIndex, this.#appliedTerm] = saved;
      // The batch's rows were rolled back; the index must not keep what they recorded.
      this.#loadIndex();
      throw err;
    } finally {
      this.#events = null;
    }
    this.#compactor.schedule();
    if (events !== null && events.length > 0) for (const l of this.#listeners) l.events(events);
    return results;
  }

  #applyEntries(entries: ApplyEntry[], results: (ApplyResult | null)[], events: WatchEvent[] | null): void {
      for (const e of entries) {
        if (e.index <= this.#appliedIndex) {
          results.push(null);
          continue;
        }
        const mark = events?.length ?? 0;
        const result = e.request ? this.#applier.apply(e.request) : null;
        // A request refused at apply time changed nothing, so it produced no events.
        if (result?.op === "error" && events) events.length = mark;
        results.push(result);
        this.#appliedIndex = e.index;
        this.#appliedTerm = e.term;
      }
      this.#writeMeta({
        applied_index: this.#appliedIndex,
        applied_term: this.#appliedTerm,
        revision: this.#revision,
        compact_revision: this.#compactRevision,
      });
  }

  // ---- leases (lease.ts) --------------------------------------------------------------------

  /** Every granted lease, by id. */
  leases(): Lease[] {
    return this.#leases.all();
  }

  /** One lease and, if asked, the keys attached to it; undefined when it does not exist. */
  lease(id: number, withKeys = false): (Lease & { keys: Uint8Array[] }) | undefined {
    const l = this.#leases.get(id);
    return l === undefined ? undefined : { ...l, keys: withKeys ? this.#leases.keysOf(id) : [] };
  }

  /** The raised alarms (alarms.ts), by member then type. */
  alarms(): readonly AlarmMember[] {
    return this.#alarms.active();
  }

  // ---- watch support -----------------------------------------------------------------------

  /** Calls `listener` after every committed batch that wrote something (and after a restore).
   *  Listeners run inside applyBatch, so they must be quick and must not throw. Returns the
   *  unsubscribe function. While there are no listeners no events are built. */
  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many listeners are subscribed (tests, metrics). */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** The events on keys in `r` at revisions [from, to] read from history, in bounded steps
   *  cut at revision boundaries (events.ts). Throws the compacted error when `from` is below
   *  the compaction point. */
  eventsBetween(r: KeyRange, from: number, to: number, limits: ReadLimits): EventsRead {
    if (from < this.#compactRevision) throw Errors.compacted();
    this.#conn.group.check();
    return readEvents((sql) => this.#stmt(sql), r, from, Math.min(to, this.#revision), limits, (key, rev) => this.#reader.before(key, rev));
  }

  // ---- maintenance -------------------------------------------------------------------------

  /** Physical size of kv.db and the part of it in use, bytes (etcd's dbSize/dbSizeInUse). */
  dbSize(): { size: number; inUse: number } {
    return dbSize(this.#file);
  }

  /** etcd's Maintenance.Hash over every table (store-hash.ts), at the current revision. */
  hash(): { hash: number; revision: number } {
    return storeHash(this.#file);
  }

  /** etcd's HashKV at `revision` (0 = current); see maintenance.ts. */
  hashKv(revision = 0): { hash: number; compactRevision: number; revision: number } {
    return hashKv(this.#file, revision);
  }

  /** etcd's Defragment, in steps that yield to the event loop (maintenance.ts). */
  defragment(opts: { pagesPerStep?: number; onStep?: (freed: number) => void } = {}): Promise<void> {
    return defragment(this.#file, opts);
  }

  /** Makes everything applied so far durable (the WAL synced off this thread); the node awaits
   *  it (or uses a snapshot image's index) before it drops log entries the store applied. */
  flush(): Promise<void> {
    return this.#conn.flush();
  }

  /** Everything applied so far copied into kv.db itself, its WAL empty (a FULL checkpoint). */
  checkpointFully(): Promise<CheckpointResult> {
    return this.#conn.checkpointFully();
  }

  /** Writes a consistent image of the whole store to `path` (replaced if present) and fsyncs
   *  it. The image is a SQLite file that `restoreFrom` installs on any member. */
  snapshotTo(path: string): SnapshotImage {
    return snapshotTo(this.#file, path);
  }

  /**
   * Like snapshotTo, but copies in bounded steps from a second connection, yielding to the
   * event loop between them, so heartbeats keep flowing while a large store is imaged (VACUUM
   * INTO blocks: ~2 s for a 95 MB store here). The store keeps applying meanwhile; the image
   * is the state at the moment the copy started, and its {index, term} say which. Unlike
   * snapshotTo it does not make kv.db itself durable: compact the Raft log only up to the
   * returned index, and start-up restores from the snapshot if kv.db is behind it.
   */
  snapshotToAsync(path: string, opts: Omit<WriteImageOptions, "binding"> = {}): Promise<SnapshotImage> {
    return snapshotToAsync(this.#file, path, opts);
  }

  /** Reads the applied index/term and revision recorded in an image without installing it.
   *  Throws an Error naming the file when it is not a trireme kv image. */
  static inspectImage(path: string): SnapshotImage {
    return inspectImage(path);
  }

  /**
   * Replaces the whole store with the image at `path` (which is consumed: renamed into place).
   * Atomic: a crash leaves either the old store or the new one, never a mix. Throws, leaving
   * the current store untouched, when the file is not a trireme kv image.
   */
  restoreFrom(path: string): SnapshotImage {
    const image = MvccStore.inspectImage(path);
    const previousRevision = this.#revision;
    this.#closeDb();
    // The old store was closed cleanly (checkpointed), so its WAL holds nothing we need.
    for (const suffix of ["-wal", "-shm"]) if (existsSync(this.path + suffix)) unlinkSync(this.path + suffix);
    renameSync(path, this.path);
    fsyncPath(dirname(this.path));
    this.#openDb();
    this.#counts = undefined;
    for (const l of this.#listeners) l.restored?.(previousRevision);
    return image;
  }

  #closeDb(): void {
    if (this.#conn.closed) return;
    this.#compactor.cancel();
    this.#conn.close();
  }

  close(): void {
    this.#closeDb();
  }
}
