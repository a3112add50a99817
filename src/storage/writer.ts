// The main-thread side of the writer worker: start it, send batches, hear back.
// The worker must be a separate entry point when the binary is built: `bun build --compile
// src/main.ts src/storage/writer-worker.ts` (see docs/persistence.md, "Building the binary").
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { SIGNAL_SLOT, type BatchMessage, type CommitTiming, type FromWriter, type InitMessage, type ToWriter } from "./protocol.ts";
import type { SqliteDriver } from "./sqlite.ts";
import { workerPath } from "./worker-path.ts";

export interface WriterEvents {
  /** Every batch sent with seq <= `seq` and not yet reported is durable (one transaction). */
  done(seq: number, commitMs: number, timing: CommitTiming): void;
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
    private readonly port: MessagePort,
    private readonly signal: Int32Array,
    private readonly events: WriterEvents,
  ) {
    port.on("message", (m: FromWriter) => {
      if (m.kind === "done") events.done(m.seq, m.commitMs, m.timing);
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
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    return new Promise((resolve, reject) => {
      const onStartup = (m: FromWriter): void => {
        worker.off("message", onStartup);
        worker.off("error", onError);
        if (m.kind === "ready") resolve(new WriterClient(worker, port1, new Int32Array(signal), events));
        else {
          port1.close();
          void worker.terminate();
          reject(new Error(m.kind === "error" ? m.message : `unexpected ${m.kind} from the writer`));
        }
      };
      const onError = (err: Error): void => {
        worker.off("message", onStartup);
        port1.close();
        reject(new Error(`the SQLite writer thread failed to start: ${err.message}`));
      };
      worker.on("message", onStartup);
      worker.once("error", onError);
      const init: InitMessage = { kind: "init", path, driver, port: port2, signal };
      worker.postMessage(init, [port2]);
    });
  }

  send(batch: BatchMessage, transfer: ArrayBuffer[]): void {
    this.post(batch, transfer);
  }

  /** Queue, then wake: the worker reads the counter before it drains the channel, so a message
   *  queued after its drain always finds the counter changed and is never slept on. */
  private post(m: ToWriter, transfer: ArrayBuffer[] = []): void {
    this.port.postMessage(m, transfer);
    Atomics.add(this.signal, SIGNAL_SLOT, 1);
    Atomics.notify(this.signal, SIGNAL_SLOT);
  }

  async close(): Promise<void> {
    if (this.closing !== undefined) return;
    const closed = new Promise<void>((resolve) => (this.closing = resolve));
    if (!this.dead) {
      this.post({ kind: "close" });
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    this.port.close();
    await this.worker.terminate();
  }
}
