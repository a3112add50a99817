// Password hashing for the Auth service: bcrypt (etcd's choice, so an etcd hash works here), on
// Bun's thread pool (elsewhere bcryptjs on a worker thread), never on the event loop that sends
// heartbeats. One hash at a time: on a 2-core machine a flood of Authenticate calls could
// otherwise take every core from the loop and cost an election (issue #15, "Rate of Authenticate").
import { AuthErrors } from "../kv/auth-types.ts";
import { EtcdError, StatusCode } from "../kv/errors.ts";
import { Worker } from "node:worker_threads";
import type { BcryptAnswer, BcryptRequest } from "./bcrypt-worker.ts";

/** bcrypt reads at most 72 bytes; etcd (golang.org/x/crypto) refuses a longer password. */
export const MAX_PASSWORD_BYTES = 72;

interface Bcrypt {
  hash(password: string, cost: number): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

interface BunPassword {
  hash(password: string, opts: { algorithm: "bcrypt"; cost: number }): Promise<string>;
  verify(password: string, hash: string, algorithm?: "bcrypt"): Promise<boolean>;
}

/** Bun's native bcrypt on its thread pool; elsewhere bcryptjs on a worker thread, started on
 *  first use and unref'd so it never keeps a process alive. */
function bcryptBackend(): Bcrypt {
  const bun = (globalThis as { Bun?: { password: BunPassword } }).Bun;
  if (bun !== undefined) {
    return {
      hash: (password, cost) => bun.password.hash(password, { algorithm: "bcrypt", cost }),
      verify: (password, hash) => bun.password.verify(password, hash, "bcrypt"),
    };
  }
  let worker: Worker | undefined;
  let next = 0;
  const waiting = new Map<number, { resolve(a: BcryptAnswer): void; reject(e: Error): void }>();
  const ask = (m: Omit<BcryptRequest, "id">) =>
    new Promise<BcryptAnswer>((resolve, reject) => {
      if (worker === undefined) {
        worker = new Worker(new URL("./bcrypt-worker.ts", import.meta.url));
        worker.unref();
        worker.on("message", (a: BcryptAnswer) => {
          const w = waiting.get(a.id);
          waiting.delete(a.id);
          if (a.error !== undefined) w?.reject(new Error(`bcrypt: ${a.error}`));
          else w?.resolve(a);
        });
        worker.on("error", (err: unknown) => {
          for (const w of waiting.values()) w.reject(err instanceof Error ? err : new Error(String(err)));
          waiting.clear();
          worker = undefined;
        });
      }
      const id = ++next;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...m, id });
    });
  return {
    hash: async (password, cost) => (await ask({ op: "hash", password, cost } as Omit<BcryptRequest, "id">)).hash!,
    verify: async (password, hash) => (await ask({ op: "verify", password, hash } as Omit<BcryptRequest, "id">)).ok === true,
  };
}

export class PasswordHasher {
  #queue: Promise<unknown> = Promise.resolve();
  #bcrypt: Bcrypt | undefined;
  #waiting = 0;

  /** `cost`: bcrypt's log2 rounds (etcd's --bcrypt-cost, default 10). `maxWaiting`: calls queued
   *  beyond it are refused at once (etcd's "too many requests") instead of piling up. */
  constructor(private readonly cost: number, private readonly maxWaiting = 256) {}

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#waiting >= this.maxWaiting) return Promise.reject(new EtcdError(StatusCode.RESOURCE_EXHAUSTED, "etcdserver: too many requests"));
    this.#waiting++;
    const run = this.#queue.then(fn, fn);
    this.#queue = run.then(() => {}, () => {}).finally(() => this.#waiting--);
    return run;
  }

  #backend(): Bcrypt {
    return (this.#bcrypt ??= bcryptBackend());
  }

  hash(password: string): Promise<string> {
    if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return Promise.reject(AuthErrors.passwordTooLong());
    return this.#serial(() => this.#backend().hash(password, this.cost));
  }

  /** false for a wrong password, and for a hash that is not bcrypt's. */
  verify(password: string, hash: string): Promise<boolean> {
    if (hash === "" || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return Promise.resolve(false);
    return this.#serial(() => this.#backend().verify(password, hash).catch(() => false));
  }
}
