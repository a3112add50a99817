// The main-thread side of the writer worker: start it, send one batch at a time, hear back.
// The worker must be a separate entry point when the binary is built: `bun build --compile
// src/main.ts src/storage/writer-worker.ts` (see docs/performance.md, "Storage").
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { BatchMessage, FromWriter, ToWriter } from "./protocol.ts";
import type { SqliteDriver } from "./sqlite.ts";

export interface WriterEvents {
  done(seq: number, commitMs: number): void;
  /** The worker failed: a batch did not commit, or the thread died. Fatal for the store. */
  failed(message: string): void;
}

const WORKER_BASENAME = "writer-worker";

/** Finds a file in a directory tree (the compiled binary's embedded file system is tiny). */
function findIn(dir: string, file: string, depth = 6): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  if (names.includes(file)) return join(dir, file);
  if (depth === 0) return undefined;
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) {
      const hit = findIn(p, file, depth - 1);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

/** Where the worker's code is. From source: beside this file. In a `bun build --compile`
 *  binary, each extra entry point is embedded as `.js` at its path relative to the common root
 *  of all entry points (e.g. `/$bunfs/root/storage/writer-worker.js` when the entries are
 *  src/main.ts and src/storage/writer-worker.ts), so it is looked up there. */
export function writerWorkerPath(): URL | string {
  const beside = new URL(`./${WORKER_BASENAME}.ts`, import.meta.url);
  if (!import.meta.url.includes("$bunfs")) return beside;
  const root = "/$bunfs/root";
  const found = findIn(root, `${WORKER_BASENAME}.js`) ?? findIn(root, `${WORKER_BASENAME}.ts`);
  if (found === undefined || !existsSync(found)) {
    throw new Error(
      `${WORKER_BASENAME} is not embedded in this binary: build it with ` +
        "`bun build --compile src/main.ts src/storage/writer-worker.ts` (the worker must be an entry point)",
    );
  }
  return found;
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
