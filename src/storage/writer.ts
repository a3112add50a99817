// The main-thread side of the writer worker: start it, send one batch at a time, hear back.
// The worker must be a separate entry point when the binary is built: `bun build --compile
// src/main.ts src/storage/writer-worker.ts` (see docs/performance.md, "Storage").
import { Worker } from "node:worker_threads";
import type { BatchMessage, FromWriter, ToWriter } from "./protocol.ts";
import type { SqliteDriver } from "./sqlite.ts";
import { workerPath } from "./worker-path.ts";

export interface WriterEvents {
  done(seq: number, commitMs: number): void;
  /** The worker failed: a batch did not commit, or the thread died. Fatal for the store. */
  failed(message: string): void;
}

/** Where the writer worker's code is, from source or inside the compiled binary. */
export function writerWorkerPath(): URL | string {
  return workerPath("writer-worker", import.meta.url, "src/storage/writer-worker.ts");
}

export class WriterClient {
  private closing: ((v: void) => void) | undefined;
  private dead = false;

  private constructor(
    private readonly worker: Worker,
    private readonly events: WriterEvents,
  ) {
    worker.on("message", (m: FromWriter) => {
      if (m.kind === "done") events.done(m.seq, m.commitMs);
      else if (m.kind === "error") this.fail(m.message);
      else if (m.kind === "closed") this.closing?.();
    });
    worker.on("error", (err: Error) => this.fail(`writer thread crashed: ${err.message}`));
    worker.on("exit", (code: number) => {
      if (this.closing === undefined) this.fail(`writer thread exited unexpectedly with code ${code}`);
      this.closing?.();
    });
  }

  private fail(message: string): void {
    if (this.dead) return;
    this.dead = true;
    this.events.failed(message);
  }

  static start(path: string, driver: SqliteDriver, events: WriterEvents): Promise<WriterClient> {
    let worker: Worker;
    try {
      worker = new Worker(writerWorkerPath());
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const onStartup = (m: FromWriter): void => {
        worker.off("message", onStartup);
        worker.off("error", onError);
        if (m.kind === "ready") resolve(new WriterClient(worker, events));
        else {
          void worker.terminate();
          reject(new Error(m.kind === "error" ? m.message : `unexpected ${m.kind} from the writer`));
        }
      };
      const onError = (err: Error): void => {
        worker.off("message", onStartup);
        reject(new Error(`the SQLite writer thread failed to start: ${err.message}`));
      };
      worker.on("message", onStartup);
      worker.once("error", onError);
      const init: ToWriter = { kind: "init", path, driver };
      worker.postMessage(init);
    });
  }

  send(batch: BatchMessage, transfer: ArrayBuffer[]): void {
    this.worker.postMessage(batch, transfer);
  }

  async close(): Promise<void> {
    if (this.closing !== undefined) return;
    const closed = new Promise<void>((resolve) => (this.closing = resolve));
    if (!this.dead) {
      const msg: ToWriter = { kind: "close" };
      this.worker.postMessage(msg);
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    await this.worker.terminate();
  }
}
