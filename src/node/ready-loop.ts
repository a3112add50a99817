// The shell's half of Raft for one member: take the core's Ready, persist it (snapshot install,
// log append or truncation, hard state), send its messages, apply what committed, release reads,
// advance; hand what the log store made durable back to the core; snapshot and compact now and
// then. It knows its parts only as ports, so the node runs it on SQLite, gRPC and kv.db and the
// simulator (test/raft/sim) runs many of it on in-memory parts, with a mutated core if it likes.
//
// The loop never makes a Promise of its own: a port that cannot finish at once hands back a
// Pending, and the loop goes on when that Pending calls back. The node's ports return real
// Promises; the simulator's return completions its virtual clock resolves, so a seed replays
// identically and a crash can land between any two steps of a Ready.
import { EntryType, MessageType, type Entry, type HardState, type Message, type ReadState, type Ready, type SnapshotMeta, type SoftState } from "../raft/types.ts";
import type { LogStore } from "../storage/log-store-api.ts";
import type { Transport } from "../transport/types.ts";
import { HeldEntries } from "./held-entries.ts";

/** A step a port finishes later: `then` calls `done` once it did, `failed` if it cannot. */
export interface Pending<T = void> {
  then(done: (value: T) => void, failed: (err: Error) => void): unknown;
}

/** What a port returns: done now, or a Pending. */
export type Maybe<T = void> = T | Pending<T>;

/** The core as the loop drives it (src/raft's Raft, or a copy of it). */
export interface ReadyCore {
  hasReady(): boolean;
  ready(): Ready;
  advance(): void;
  reportDurable(index: number, term?: number): void;
  compact(index: number): void;
  status(): { firstIndex: number };
}

/** The log store (LogStore in the node): `append` and `sync` may finish later. */
export interface LogPort extends Pick<LogStore, "durableIndex" | "lastIndex" | "compactPrefix"> {
  append(entries: Entry[]): Maybe;
  sync(): Maybe;
}

/** Where the hard state goes (HardStateStore in the node); done once durable. */
export interface HardStatePort {
  save(hs: HardState): Maybe;
}

/** A snapshot the state machine recorded at its applied index. */
export interface SnapshotTaken {
  index: number;
}

/** The replicated state machine. `apply` answers with what the hooks hand to the writers. */
export interface StateMachine<Applied> {
  readonly appliedIndex: number;
  apply(entries: Entry[]): Applied;
  /** Replaces the state with the snapshot the core installs (it was received before). */
  installSnapshot(meta: SnapshotMeta): Maybe;
  /** Records a snapshot at the applied index; undefined when there is nothing new to record. */
  takeSnapshot(): Maybe<SnapshotTaken | undefined>;
  /** False while a snapshot cannot start (one is being taken for another reason). */
  canSnapshot?(): boolean;
}

/** The node's bookkeeping around a Ready; every hook is optional except where messages go. */
export interface ReadyHooks<Applied> {
  softState?(s: SoftState): void;
  /** After the entries were handed to the log store, before anything is sent. */
  appended?(entries: Entry[]): void;
  snapshotInstalled?(meta: SnapshotMeta): void;
  applied?(entries: Entry[], result: Applied): void;
  readsConfirmed?(states: ReadState[]): void;
  readsDropped?(ids: number[]): void;
  /** A Snap message: the snapshot goes on its own stream (snapshot-transfers.ts). */
  sendSnapshot(m: Message): void;
  /** A background snapshot failed; the loop goes on and tries again later. */
  snapshotFailed?(err: Error): void;
}

export interface SnapshotPolicy {
  /** Snapshot after this many applied entries (0: never by count). */
  everyEntries: number;
  /** ... or once the entries applied since the last one hold this many bytes, so the log in
   *  memory stays bounded when entries are large; it also caps the bytes kept behind (0: off). */
  everyBytes: number;
  /** Entries kept behind a snapshot so a follower slightly behind catches up from the log. */
  keepEntries: number;
}

export interface ReadyLoopOptions<Applied> {
  core: ReadyCore;
  log: LogPort;
  hardState: HardStatePort;
  transport: Pick<Transport, "send">;
  stateMachine: StateMachine<Applied>;
  hooks: ReadyHooks<Applied>;
  /** DiskFirst: an append is acknowledged only once durable; the loop asserts it. */
  acknowledgeDurableOnly: boolean;
  snapshots: SnapshotPolicy;
  /** True once the member stops: no further Ready is taken. */
  stopped(): boolean;
  /** A failed step or a broken assertion; without it the error is thrown to the caller. */
  onError?(err: Error): void;
  /** Fails a drain that takes more Readys than this in a row (a core that never settles). */
  maxReadysPerDrain?: number;
}

/** A rule of the shell broken: continuing could acknowledge or apply what must not be. */
export class ShellInvariantError extends Error {
  constructor(readonly invariant: string, detail: string) {
    super(`shell invariant violated: ${invariant}: ${detail}`);
    this.name = "ShellInvariantError";
  }
}

function check(condition: boolean, invariant: string, detail: () => string): asserts condition {
  if (!condition) throw new ShellInvariantError(invariant, detail());
}

function isPending<T>(x: Maybe<T>): x is Pending<T> {
  return typeof x === "object" && x !== null && typeof (x as Partial<Pending<T>>).then === "function";
}

type Step = () => Maybe;

export class ReadyLoop<Applied> {
  private drainingNow = false;
  private snapshotting = false;
  private readonly snapshotWaiters: Array<() => void> = [];
  private appliedSinceSnapshot = 0;
  /** The lowest index a suffix truncation not yet on disk replaced (MemFirst), if any. */
  private truncatedFrom: number | undefined;
  /** Sizes of the applied entries the core still holds, oldest first (for the byte budget). */
  private readonly held = new HeldEntries();
  private readonly core: ReadyCore;
  private readonly log: LogPort;
  private readonly sm: StateMachine<Applied>;
  private readonly hooks: ReadyHooks<Applied>;

  constructor(private readonly o: ReadyLoopOptions<Applied>, appliedSinceSnapshot = 0) {
    this.core = o.core;
    this.log = o.log;
    this.sm = o.stateMachine;
    this.hooks = o.hooks;
    this.appliedSinceSnapshot = appliedSinceSnapshot;
  }

  /** A Ready is being handled (perhaps waiting on a port). */
  get draining(): boolean {
    return this.drainingNow;
  }

  get snapshotInProgress(): boolean {
    return this.snapshotting;
  }

  /** Handles every Ready the core has; returns at once if a drain is already under way. */
  drain(): void {
    if (this.drainingNow) return;
    this.drainingNow = true;
    this.next(0);
  }

  /** The log store made entries up to `index` durable (`term`: the store's term there). */
  reportDurable(index: number, term?: number): void {
    check(index <= this.log.lastIndex(), "durable index", () => `reported durable ${index} beyond the log's last index ${this.log.lastIndex()}`);
    this.core.reportDurable(index, term);
  }

  /** Starts a snapshot unless one is under way; `keepEntries` overrides the policy's. */
  snapshotNow(keepEntries = this.o.snapshots.keepEntries): void {
    if (this.snapshotting || this.o.stopped()) return;
    this.snapshotting = true;
    this.appliedSinceSnapshot = 0;
    this.held.resetBudget();
    let taken: Maybe<SnapshotTaken | undefined>;
    try {
      taken = this.sm.takeSnapshot();
    } catch (err) {
      this.snapshotDone(undefined, keepEntries, err as Error);
      return;
    }
    if (isPending(taken)) taken.then((t) => this.snapshotDone(t, keepEntries), (err) => this.snapshotDone(undefined, keepEntries, err));
    else this.snapshotDone(taken, keepEntries);
  }

  /** Done at once when no snapshot is being taken, else once it is. */
  whenSnapshotDone(): Maybe {
    if (!this.snapshotting) return;
    return { then: (done: () => void) => void this.snapshotWaiters.push(done) };
  }

  private snapshotDone(taken: SnapshotTaken | undefined, keepEntries: number, err?: Error): void {
    try {
      if (err !== undefined) {
        if (this.hooks.snapshotFailed === undefined) throw err;
        this.hooks.snapshotFailed(err);
      } else if (taken !== undefined && !this.o.stopped()) {
        this.compact(taken.index, keepEntries);
      }
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.snapshotting = false;
      for (const w of this.snapshotWaiters.splice(0)) w();
    }
  }

  private compact(snapshotIndex: number, keepEntries: number): void {
    const budget = this.o.snapshots.everyBytes;
    const keep = budget > 0 ? Math.min(keepEntries, this.held.countWithin(snapshotIndex, budget)) : keepEntries;
    const compactTo = snapshotIndex - keep;
    if (compactTo <= this.core.status().firstIndex - 1) return;
    this.core.compact(compactTo);
    this.log.compactPrefix(compactTo);
    this.held.dropThrough(compactTo);
  }

  private next(readys: number): void {
    try {
      for (; !this.o.stopped() && this.core.hasReady(); readys++) {
        const max = this.o.maxReadysPerDrain ?? Infinity;
        check(readys < max, "drain", () => `the core produced ${max} Readys in a row`);
        const rd = this.core.ready();
        const waiting = this.handle(rd);
        if (waiting !== undefined) {
          waiting.then(() => this.next(readys + 1), (err) => this.failDrain(err));
          return;
        }
      }
    } catch (err) {
      this.failDrain(err as Error);
      return;
    }
    this.drainingNow = false;
  }

  private failDrain(err: Error): void {
    this.drainingNow = false;
    this.fail(err);
  }

  private fail(err: Error): void {
    if (this.o.onError === undefined) throw err;
    this.o.onError(err);
  }

  /** One Ready in the contract's order; a Pending when a port has to finish first. */
  private handle(rd: Ready): Pending | undefined {
    if (rd.softState) this.hooks.softState?.(rd.softState);
    const steps: Step[] = [];
    const snap = rd.snapshot;
    if (snap) {
      // Never replace the state machine while a snapshot of it is still being read.
      steps.push(() => this.whenSnapshotDone());
      steps.push(() => this.sm.installSnapshot(snap));
      steps.push(() => this.installed(snap));
    }
    if (rd.entries.length > 0) steps.push(() => this.append(rd.entries));
    const hs = rd.hardState;
    if (hs) steps.push(() => this.o.hardState.save(hs));
    steps.push(() => this.send(rd.messages));
    const committed = rd.committedEntries;
    if (committed.length > 0) {
      steps.push(() => this.logAgreesOnDisk(committed));
      steps.push(() => this.apply(committed));
    }
    steps.push(() => this.finish(rd));
    return this.run(steps, 0);
  }

  private run(steps: Step[], from: number): Pending | undefined {
    for (let i = from; i < steps.length; i++) {
      if (this.o.stopped()) return undefined; // a crash or a removal: the core is discarded
      const r = steps[i]();
      if (isPending(r)) return { then: (done, failed) => r.then(() => this.continueRun(steps, i + 1, done, failed), failed) };
    }
    return undefined;
  }

  private continueRun(steps: Step[], from: number, done: () => void, failed: (err: Error) => void): void {
    let rest: Pending | undefined;
    try {
      rest = this.run(steps, from);
    } catch (err) {
      failed(err as Error);
      return;
    }
    if (rest === undefined) done();
    else rest.then(done, failed);
  }

  private installed(meta: SnapshotMeta): void {
    this.log.compactPrefix(meta.index, meta.term);
    this.held.dropThrough(meta.index);
    this.appliedSinceSnapshot = 0;
    this.held.resetBudget();
    this.hooks.snapshotInstalled?.(meta);
  }

  private append(entries: Entry[]): Maybe {
    const from = entries[0].index;
    if (from <= this.log.lastIndex()) this.truncatedFrom = Math.min(this.truncatedFrom ?? from, from);
    const wait = this.log.append(entries);
    const durable = this.log.durableIndex;
    check(durable <= this.log.lastIndex(), "durable index", () => `the log store reports ${durable} durable beyond its last index ${this.log.lastIndex()}`);
    this.hooks.appended?.(entries);
    return wait;
  }

  private send(messages: Message[]): void {
    if (messages.length === 0) return;
    let plain: Message[] | undefined;
    for (const m of messages) {
      if (this.o.acknowledgeDurableOnly && m.type === MessageType.AppResp && !m.reject) {
        check(m.index <= this.log.durableIndex, "no acknowledgement before durable", () => `AppResp to ${m.to} acknowledges ${m.index}, durable is ${this.log.durableIndex}`);
      }
      if (m.type === MessageType.Snap) this.hooks.sendSnapshot(m);
      else (plain ??= []).push(m);
    }
    if (plain) this.o.transport.send(plain);
  }

  /** MemFirst: what is applied must not be contradicted by the log on disk after a crash. The
   *  state machine may be ahead of the log (the restart adopts it as a snapshot), but a suffix
   *  truncation not yet flushed leaves the replaced entries on disk at indexes the state machine
   *  would apply differently, and the restart would find a log that contradicts its applied index:
   *  entries at or past such a truncation are applied once it is on disk. A membership change is
   *  applied only once it is on disk too: the restart rebuilds membership from the log. */
  private logAgreesOnDisk(committed: Entry[]): Maybe {
    const durable = this.log.durableIndex;
    if (this.truncatedFrom !== undefined && durable >= this.truncatedFrom) this.truncatedFrom = undefined;
    const last = committed[committed.length - 1].index;
    if (this.truncatedFrom !== undefined && last >= this.truncatedFrom) return this.log.sync();
    const conf = committed.findLast((e) => e.type === EntryType.ConfChange);
    if (conf !== undefined && conf.index > durable) return this.log.sync();
  }

  private apply(entries: Entry[]): void {
    const last = entries[entries.length - 1].index;
    check(last <= this.log.lastIndex(), "apply only what the log holds", () => `entry ${last} applied, the log store ends at ${this.log.lastIndex()}`);
    const before = this.sm.appliedIndex;
    const result = this.sm.apply(entries);
    const after = this.sm.appliedIndex;
    check(after >= before, "applied index never goes back", () => `applied index went from ${before} to ${after}`);
    let bytes = 0;
    for (const e of entries) {
      bytes += e.data.length;
      this.held.push(e.index, e.data.length);
    }
    this.appliedSinceSnapshot += entries.length;
    this.held.budgetUsed += bytes;
    this.hooks.applied?.(entries, result);
  }

  private finish(rd: Ready): void {
    if (rd.readStates.length > 0) this.hooks.readsConfirmed?.(rd.readStates);
    if (rd.droppedReads.length > 0) this.hooks.readsDropped?.(rd.droppedReads);
    this.core.advance();
    this.maybeSnapshot();
  }

  private maybeSnapshot(): void {
    const p = this.o.snapshots;
    const byCount = p.everyEntries > 0 && this.appliedSinceSnapshot >= p.everyEntries;
    const byBytes = p.everyBytes > 0 && this.held.budgetUsed >= p.everyBytes;
    if ((byCount || byBytes) && this.sm.canSnapshot?.() !== false) this.snapshotNow();
  }
}
