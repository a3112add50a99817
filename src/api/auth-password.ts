// Password hashing for the Auth service: bcrypt (etcd's choice, so an etcd hash works here), on
// Bun's thread pool, never on the event loop that sends heartbeats. One hash at a time: on a
// 2-core machine a flood of Authenticate calls could otherwise take every core from the loop
// and cost an election (issue #15, "Rate of Authenticate").
import { AuthErrors } from "../kv/auth-types.ts";
import { EtcdError, StatusCode } from "../kv/errors.ts";

/** bcrypt reads at most 72 bytes; etcd (golang.org/x/crypto) refuses a longer password. */
export const MAX_PASSWORD_BYTES = 72;

interface BunPassword {
  hash(password: string, opts: { algorithm: "bcrypt"; cost: number }): Promise<string>;
  verify(password: string, hash: string, algorithm?: "bcrypt"): Promise<boolean>;
}

function bunPassword(): BunPassword {
  const bun = (globalThis as { Bun?: { password: BunPassword } }).Bun;
  if (bun === undefined) {
    throw new EtcdError(StatusCode.UNIMPLEMENTED, "trireme: password hashing needs the Bun runtime (run the member with bun)");
  }
  return bun.password;
}

export class PasswordHasher {
  #queue: Promise<unknown> = Promise.resolve();
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

  hash(password: string): Promise<string> {
    if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return Promise.reject(AuthErrors.passwordTooLong());
    return this.#serial(() => bunPassword().hash(password, { algorithm: "bcrypt", cost: this.cost }));
  }

  /** false for a wrong password, and for a hash that is not bcrypt's. */
  verify(password: string, hash: string): Promise<boolean> {
    if (hash === "" || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return Promise.resolve(false);
    return this.#serial(() => bunPassword().verify(password, hash, "bcrypt").catch(() => false));
  }
}
