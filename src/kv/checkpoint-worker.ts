// kv.db's WAL checkpoints, on their own thread: a checkpoint fsyncs the WAL and the database
// file (≈6 ms each here), and on the applying connection they stalled the event loop that runs
// heartbeats. This thread holds a second connection to kv.db and checkpoints when told to.
import { closeSync, fdatasyncSync, openSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { openSqlite, type SqliteDb } from "../storage/sqlite.ts";
import { releaseParentPort } from "../storage/worker-port.ts";
import type { CheckpointReply, CheckpointRequest } from "./checkpoint.ts";

const port = parentPort;
if (port === null) throw new Error("checkpoint-worker.ts must run as a worker thread");

let db: SqliteDb | undefined;
let walPath: string | undefined;

/** fdatasync of kv.db-wal: every transaction committed before the call is then durable. The
 *  applying connection wrote its frames before it answered; frames of WAL generations before the
 *  current one were copied into kv.db by a checkpoint that synced kv.db before the WAL could
 *  restart (SQLite syncs the file when a checkpoint reaches the WAL's end, and only such a
 *  checkpoint lets the WAL restart). It is what synchronous=FULL does at each COMMIT, done once
 *  for many. SQLite takes no POSIX lock on the -wal file, so opening and closing a second
 *  descriptor of it cannot drop a lock SQLite holds (it would on kv.db itself). */
function syncWal(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    // No WAL file: the last checkpoint copied everything into kv.db and synced it.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function checkpoint(d: SqliteDb, mode: "PASSIVE" | "FULL" | "TRUNCATE", busyMs: number): { busy: number; log: number; done: number } {
  d.exec(`PRAGMA busy_timeout = ${busyMs}`);
  const row = d.prepare(`PRAGMA wal_checkpoint(${mode})`).get()!;
  return { busy: Number(row.busy), log: Number(row.log), done: Number(row.checkpointed) };
}

function reply(m: CheckpointReply): void {
  port!.postMessage(m);
}

port.on("message", (m: CheckpointRequest) => {
  switch (m.kind) {
    case "open":
      try {
        db = openSqlite(m.path, { driver: m.driver });
        walPath = `${m.path}-wal`;
        // Never checkpoint as a side effect of this connection's own use or close.
        db.exec("PRAGMA wal_autocheckpoint = 0");
        // The applying connection never syncs (synchronous=OFF): every sync of kv.db is this
        // connection's, and a checkpoint syncs the WAL before copying and the file after only at
        // NORMAL or above. Said explicitly rather than left to the build's default.
        db.exec("PRAGMA synchronous = FULL");
        reply({ kind: "opened" });
      } catch (err) {
        reply({ kind: "error", seq: 0, message: `kv checkpointer: cannot open ${m.path} (${(err as Error).message})` });
      }
      return;
    case "checkpoint": {
      if (db === undefined) return reply({ kind: "error", seq: m.seq, message: "kv checkpointer is not open" });
      try {
        let r = checkpoint(db, "PASSIVE", 0);
        // FULL/TRUNCATE hold the write lock while they wait and sync: the applying connection
        // waits on its busy handler meanwhile, so they run only after PASSIVE did the bulk of
        // the copying, and TRUNCATE gives up after 100 ms when readers are in the way (the next one tries again).
        if (m.mode === "FULL") r = checkpoint(db, "FULL", 10_000);
        else if (m.mode === "TRUNCATE") r = checkpoint(db, "TRUNCATE", 100);
        reply({ kind: "checkpointed", seq: m.seq, busy: r.busy, log: r.log, done: r.done });
      } catch (err) {
        reply({ kind: "error", seq: m.seq, message: `kv checkpoint failed: ${(err as Error).message}` });
      }
      return;
    }
    case "sync":
      if (walPath === undefined) return reply({ kind: "error", seq: m.seq, message: "kv checkpointer is not open" });
      try {
        syncWal(walPath);
        reply({ kind: "synced", seq: m.seq });
      } catch (err) {
        reply({ kind: "error", seq: m.seq, message: `kv.db WAL sync failed: ${(err as Error).message}` });
      }
      return;
    case "close":
      try {
        db?.close();
      } catch {
        // Closing is best effort; the main connection's own close checkpoints whatever is left.
      }
      db = undefined;
      Atomics.store(m.done, 0, 1);
      Atomics.notify(m.done, 0);
      releaseParentPort(port!);
      return;
  }
});
