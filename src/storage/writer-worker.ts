// The SQLite writer, on its own thread so that a commit's fsync never stalls the event loop that
// runs heartbeats and gRPC. It executes batches strictly in the order they arrive; each batch is
// one transaction and one sync (group commit happens on the main thread, which sends the next
// batch only when this one is done). WAL checkpoints run here too, right after a commit has been
// reported, never inside one.
import { parentPort } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { openSqlite, type SqliteDb, type Statement } from "./sqlite.ts";
import { CHECKPOINT_FRAMES, CHECKPOINT_FRAMES_BUSY, CHECKPOINT_IDLE_MS, applyWritePragmas, estimateFrames, Meta, UPSERT_META } from "./schema.ts";
import type { BatchMessage, FromWriter, ToWriter } from "./protocol.ts";
import { releaseParentPort } from "./worker-port.ts";

const port = parentPort;
if (port === null) throw new Error("writer-worker.ts must run as a worker thread");

interface Writer {
  db: SqliteDb;
  truncate: Statement;
  insert: Statement;
  compact: Statement;
  meta: Statement;
  checkpoint: Statement;
  /** Estimated WAL frames written since the last checkpoint. */
  frames: number;
}

let writer: Writer | undefined;

function send(m: FromWriter): void {
  port!.postMessage(m);
}

function write(w: Writer, b: BatchMessage): void {
  w.db.exec("BEGIN IMMEDIATE");
  try {
    if (b.count > 0) {
      w.truncate.run(b.start);
      for (let i = 0; i < b.count; i++) {
        w.insert.run(b.start + i, b.terms[i]!, b.types[i]!, b.data.subarray(b.offsets[i]!, b.offsets[i + 1]!));
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
    w.db.exec("COMMIT");
  } catch (err) {
    try {
      w.db.exec("ROLLBACK");
    } catch {
      // The transaction may already be gone; the original error is the one to report.
    }
    throw err;
  }
}

let idleTimer: ReturnType<typeof setTimeout> | undefined;

/** Copies frames that are already durable in the WAL into log.db: durability does not depend on
 *  it, and a crash in the middle is recovered from the WAL. PASSIVE never waits for the main
 *  thread's readers; a checkpoint they cut short is finished by the next one. */
function checkpoint(w: Writer, seq: number): void {
  idleTimer = undefined;
  try {
    w.checkpoint.all();
    w.frames = 0;
  } catch (err) {
    send({ kind: "error", seq, message: `WAL checkpoint of the log failed: ${(err as Error).message}` });
  }
}

port.on("message", (m: ToWriter) => {
  if (idleTimer !== undefined) {
    // Work arrived: the checkpoint waits for the next quiet moment.
    clearTimeout(idleTimer);
    idleTimer = undefined;
  }
  switch (m.kind) {
    case "init": {
      try {
        const db = openSqlite(m.path, { driver: m.driver });
        applyWritePragmas(db);
        writer = {
          db,
          truncate: db.prepare("DELETE FROM log WHERE idx >= ?"),
          insert: db.prepare("INSERT INTO log(idx, term, type, data) VALUES(?, ?, ?, ?)"),
          compact: db.prepare("DELETE FROM log WHERE idx <= ?"),
          meta: db.prepare(UPSERT_META),
          checkpoint: db.prepare("PRAGMA wal_checkpoint(PASSIVE)"),
          frames: 0,
        };
        send({ kind: "ready" });
      } catch (err) {
        send({ kind: "error", seq: 0, message: (err as Error).message });
      }
      return;
    }
    case "batch": {
      if (writer === undefined) {
        send({ kind: "error", seq: m.seq, message: "writer is not open" });
        return;
      }
      const t0 = performance.now();
      try {
        write(writer, m);
        send({ kind: "done", seq: m.seq, commitMs: performance.now() - t0 });
      } catch (err) {
        send({ kind: "error", seq: m.seq, message: (err as Error).message });
        return;
      }
      const w = writer;
      w.frames += estimateFrames(m.data.byteLength, m.count);
      if (w.frames >= CHECKPOINT_FRAMES_BUSY) checkpoint(w, m.seq);
      else if (w.frames >= CHECKPOINT_FRAMES) idleTimer = setTimeout(() => checkpoint(w, m.seq), CHECKPOINT_IDLE_MS);
      return;
    }
    case "close": {
      try {
        writer?.db.close();
      } finally {
        writer = undefined;
        send({ kind: "closed" });
        releaseParentPort(port!);
      }
      return;
    }
  }
});
