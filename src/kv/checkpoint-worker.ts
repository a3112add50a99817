// kv.db's WAL checkpoints, on their own thread: a checkpoint fsyncs the WAL and the database
// file (≈6 ms each here), and on the applying connection they stalled the event loop that runs
// heartbeats. This thread holds a second connection to kv.db and checkpoints when told to.
import { parentPort } from "node:worker_threads";
import { openSqlite, type SqliteDb } from "../storage/sqlite.ts";
import { releaseParentPort } from "../storage/worker-port.ts";
import type { CheckpointReply, CheckpointRequest } from "./checkpoint.ts";

const port = parentPort;
if (port === null) throw new Error("checkpoint-worker.ts must run as a worker thread");

let db: SqliteDb | undefined;

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
