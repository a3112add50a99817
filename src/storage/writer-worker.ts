// The SQLite writer, on its own thread so that a commit's fsync never stalls the event loop that
// runs heartbeats and gRPC. It does not run an event loop after start-up: it blocks in
// Atomics.wait until the main thread signals a send, then takes every batch queued on its channel
// (receiveMessageOnPort) and writes them, in order, as one transaction and one sync. So group
// commit needs no round trip: whatever was sent while a commit was syncing is the next
// transaction, begun the moment the commit returns. A commit is reported only after COMMIT
// returned (synchronous=FULL: after the WAL's fsync). WAL checkpoints and prefill run here too,
// between transactions, never inside one.
import { parentPort, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { openSqlite, type SqliteDb, type Statement } from "./sqlite.ts";
import { CHECKPOINT_FRAMES, CHECKPOINT_FRAMES_BUSY, CHECKPOINT_IDLE_MS, applyWritePragmas, estimateFrames, Meta, UPSERT_META } from "./schema.ts";
import { MAX_TXN_BYTES, MAX_TXN_ENTRIES, SIGNAL_SLOT, type BatchMessage, type FromWriter, type InitMessage, type ToWriter } from "./protocol.ts";
import { WAL_PREFILL_INITIAL, WAL_PREFILL_STEP, WalPrefill } from "./wal-prefill.ts";
import { releaseParentPort } from "./worker-port.ts";
import { ADD_ENTRY_CRC_COLUMN, entryCrc } from "./entry-crc.ts";
import { enableIncrementalVacuum, LogVacuum } from "./log-vacuum.ts";
import { dirname } from "node:path";

const port = parentPort;
if (port === null) throw new Error("writer-worker.ts must run as a worker thread");

/** With no idle work to do the worker still wakes this often; nothing depends on it. */
const IDLE_WAIT_MS = 1000;

interface Writer {
  db: SqliteDb;
  begin: Statement;
  commit: Statement;
  rollback: Statement;
  truncate: Statement;
  insert: Statement;
  compact: Statement;
  meta: Statement;
  checkpoint: Statement;
  /** Undefined once the prefill is complete or has failed (it is only an optimisation: a full
   *  disk must not stop the log because of it). */
  wal: WalPrefill | undefined;
  /** Estimated WAL frames written since the last checkpoint. */
  frames: number;
  /** Free pages given back to the filesystem while it is low on space (log-vacuum.ts). */
  vacuum: LogVacuum;
}

const now = (): number => performance.timeOrigin + performance.now();

function apply(w: Writer, b: BatchMessage): void {
  if (b.count > 0) {
    w.truncate.run(b.start);
    for (let i = 0; i < b.count; i++) {
      const data = b.data.subarray(b.offsets[i]!, b.offsets[i + 1]!);
      w.insert.run(b.start + i, b.terms[i]!, b.types[i]!, data, entryCrc(b.start + i, b.terms[i]!, b.types[i]!, data));
    }
  }
  if (b.hardState !== undefined) {
    w.meta.run(Meta.hsTerm, b.hardState.term);
    w.meta.run(Meta.hsVote, b.hardState.vote);
  }
  if (b.compact !== undefined) {
    w.compact.run(b.compact.upTo);
    w.meta.run(Meta.firstIndex, b.compact.upTo + 1);
    w.meta.run(Meta.prevTerm, b.compact.prevTerm);
  }
}

/** One transaction for `batches`, in order; returns the instant before COMMIT. */
function write(w: Writer, batches: BatchMessage[]): number {
  w.begin.run();
  try {
    for (const b of batches) apply(w, b);
    const commitStart = now();
    w.commit.run();
    return commitStart;
  } catch (err) {
    try {
      w.rollback.run();
    } catch {
      // The transaction may already be gone; the original error is the one to report.
    }
    throw err;
  }
}

function open(m: InitMessage): Writer {
  const db = openSqlite(m.path, { driver: m.driver });
  applyWritePragmas(db);
  // A first read opens (and if needed recovers) the WAL, so the file exists before the prefill.
  db.prepare("SELECT count(*) FROM meta").get();
  if (!db.prepare("PRAGMA table_info(log)").all().some((r) => r.name === "crc")) db.exec(ADD_ENTRY_CRC_COLUMN);
  const vacuum = new LogVacuum(db, dirname(m.path), enableIncrementalVacuum(db, m.path));
  let wal: WalPrefill | undefined;
  try {
    wal = WalPrefill.open(`${m.path}-wal`);
    wal.grow(WAL_PREFILL_INITIAL);
  } catch {
    wal?.close();
    wal = undefined;
  }
  const w: Writer = {
    db,
    begin: db.prepare("BEGIN IMMEDIATE"),
    commit: db.prepare("COMMIT"),
    rollback: db.prepare("ROLLBACK"),
    truncate: db.prepare("DELETE FROM log WHERE idx >= ?"),
    insert: db.prepare("INSERT INTO log(idx, term, type, data, crc) VALUES(?, ?, ?, ?, ?)"),
    compact: db.prepare("DELETE FROM log WHERE idx <= ?"),
    meta: db.prepare(UPSERT_META),
    checkpoint: db.prepare("PRAGMA wal_checkpoint(PASSIVE)"),
    wal,
    frames: 0,
    vacuum,
  };
  // A start after a full disk: what the compacted log left free is returned before anything
  // else, the room the catch-up into kv.db needs.
  while (reclaim(w));
  return w;
}

/** Copies frames that are already durable in the WAL into log.db: durability does not depend on
 *  it, and a crash in the middle is recovered from the WAL. PASSIVE never waits for the main
 *  thread's readers; a checkpoint they cut short is finished by the next one. */
function checkpoint(w: Writer): void {
  w.checkpoint.all();
  w.frames = 0;
}

/** One step of returning free pages (log-vacuum.ts); false when there was nothing to return.
 *  Between transactions only. The checkpoint that shrinks the file comes after the last step:
 *  a checkpoint copies only pages below the database's size, so one taken while the file is
 *  still long would first have to grow it with WAL frames the next steps make pointless (after
 *  a full disk the WAL holds entries log.db itself never received). A checkpoint that fails for
 *  want of space is not fatal here: the WAL keeps every commit, and the next one tries again. */
function reclaim(w: Writer): boolean {
  if (!w.vacuum.due(now())) return false;
  const pages = w.vacuum.run(now());
  if (pages === 0) return false;
  w.frames += pages;
  if (!w.vacuum.due(now())) {
    try {
      checkpoint(w);
    } catch {
      // as above
    }
  }
  return true;
}

class Serve {
  private readonly signal: Int32Array;
  /** A batch taken off the channel that did not fit the previous transaction: the next one's first. */
  private held: ToWriter | undefined;

  constructor(
    private readonly w: Writer,
    private readonly ch: MessagePort,
    signal: SharedArrayBuffer,
  ) {
    this.signal = new Int32Array(signal);
  }

  private send(m: FromWriter): void {
    this.ch.postMessage(m);
  }

  /** Runs until a close message; throws only what cannot be reported. */
  run(): void {
    let lastSeq = 0;
    for (;;) {
      // Read before draining: a send that lands after the drain changes it, and the wait below
      // then returns at once instead of sleeping on a queued batch.
      const seen = Atomics.load(this.signal, SIGNAL_SLOT);
      const { batches, close } = this.drain();
      if (batches.length > 0) {
        lastSeq = batches[batches.length - 1]!.seq;
        if (!this.commit(batches)) return this.parkAfterError();
      }
      if (close) return;
      if (batches.length > 0) {
        // Low on space, a busy log still returns its free pages, a step between two batches.
        reclaim(this.w);
        continue;
      }
      const idleWork = this.w.frames >= CHECKPOINT_FRAMES || this.w.wal !== undefined || this.w.vacuum.due(now());
      const r = Atomics.wait(this.signal, SIGNAL_SLOT, seen, idleWork ? CHECKPOINT_IDLE_MS : IDLE_WAIT_MS);
      if (r === "timed-out" && idleWork && !this.idle(lastSeq)) return this.parkAfterError();
    }
  }

  private drain(): { batches: BatchMessage[]; close: boolean } {
    const batches: BatchMessage[] = [];
    let entries = 0;
    let bytes = 0;
    // A batch taken off the channel cannot be put back: one that does not fit is held for the
    // next transaction.
    for (let m = this.held ?? this.receive(); m !== undefined; m = this.receive()) {
      this.held = undefined;
      if (m.kind === "close") return { batches, close: true };
      if (batches.length > 0 && (entries + m.count > MAX_TXN_ENTRIES || bytes + m.data.byteLength > MAX_TXN_BYTES)) {
        this.held = m;
        break;
      }
      batches.push(m);
      entries += m.count;
      bytes += m.data.byteLength;
    }
    return { batches, close: false };
  }

  private receive(): ToWriter | undefined {
    return receiveMessageOnPort(this.ch)?.message as ToWriter | undefined;
  }

  private commit(batches: BatchMessage[]): boolean {
    const w = this.w;
    const seq = batches[batches.length - 1]!.seq;
    const taken = now();
    let commitStart: number;
    try {
      commitStart = write(w, batches);
    } catch (err) {
      this.send({ kind: "error", seq, message: (err as Error).message });
      return false;
    }
    const end = now();
    let entries = 0;
    for (const b of batches) {
      entries += b.count;
      w.frames += estimateFrames(b.data.byteLength, b.count);
    }
    this.send({ kind: "done", seq, commitMs: end - taken, entries, timing: { taken, commitStart, end } });
    return w.frames < CHECKPOINT_FRAMES_BUSY || this.checkpointed(seq);
  }

  /** A WAL checkpoint; false, once the failure is reported, when it failed. */
  private checkpointed(seq: number): boolean {
    try {
      checkpoint(this.w);
      return true;
    } catch (err) {
      this.send({ kind: "error", seq, message: `WAL checkpoint of the log failed: ${(err as Error).message}` });
      return false;
    }
  }

  /** Nothing arrived for CHECKPOINT_IDLE_MS: return free pages if space is low, else checkpoint
   *  if due, else grow the prefill a step. */
  private idle(seq: number): boolean {
    const w = this.w;
    if (reclaim(w)) return true;
    if (w.frames >= CHECKPOINT_FRAMES) {
      if (!this.checkpointed(seq)) return false;
    } else if (w.wal !== undefined) {
      let done: boolean;
      try {
        done = w.wal.grow(WAL_PREFILL_STEP) === 0;
      } catch {
        done = true;
      }
      if (done) {
        w.wal.close();
        w.wal = undefined;
      }
    }
    return true;
  }

  /** After a failed write the store is dead: take nothing more, only wait for close. */
  private parkAfterError(): void {
    for (;;) {
      const seen = Atomics.load(this.signal, SIGNAL_SLOT);
      for (let r = receiveMessageOnPort(this.ch); r !== undefined; r = receiveMessageOnPort(this.ch)) {
        if ((r.message as ToWriter).kind === "close") return;
      }
      Atomics.wait(this.signal, SIGNAL_SLOT, seen, IDLE_WAIT_MS);
    }
  }
}

port.once("message", (m: InitMessage) => {
  let w: Writer;
  try {
    w = open(m);
  } catch (err) {
    port.postMessage({ kind: "error", seq: 0, message: (err as Error).message } satisfies FromWriter);
    return;
  }
  port.postMessage({ kind: "ready" } satisfies FromWriter);
  try {
    new Serve(w, m.port, m.signal).run();
  } finally {
    try {
      w.wal?.close();
      w.db.close();
    } finally {
      m.port.postMessage({ kind: "closed" } satisfies FromWriter);
      m.port.close();
      releaseParentPort(port);
    }
  }
});
