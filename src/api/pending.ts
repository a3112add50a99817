// Matches applied entries to the clients waiting for them, for a KvBackend that proposes
// through Raft. The proposer stamps each InternalRequest with an id unique across the cluster;
// every member applies every entry, but only the member that registered an id settles it.
import { Errors, type EtcdError } from "../kv/errors.ts";
import type { ApplyResult, InternalRequest, WriteResponse } from "../kv/types.ts";

const MEMBER_BITS = 16;
const SUFFIX_BITS = 53 - MEMBER_BITS; // ids stay exact JS numbers

interface Waiter {
  resolve(r: WriteResponse): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export interface PendingWritesOptions {
  /** This member's id; its low 16 bits prefix every id it issues (like etcd's idutil). */
  memberId: number;
  /** How long a client waits for its entry to apply before "etcdserver: request timed out". */
  timeoutMs: number;
  /** Start of the id suffix; defaults to a time-derived value so a restarted member does not
   *  reuse ids still in the log. */
  seed?: number;
}

export class PendingWrites {
  readonly #waiters = new Map<number, Waiter>();
  readonly #prefix: number;
  #next: number;

  constructor(private readonly opts: PendingWritesOptions) {
    this.#prefix = (opts.memberId % 2 ** MEMBER_BITS) * 2 ** SUFFIX_BITS;
    // Milliseconds since the epoch, shifted to leave room for 256 ids per ms, wrapped to fit.
    this.#next = opts.seed ?? (Date.now() * 256) % 2 ** SUFFIX_BITS;
  }

  #nextId(): number {
    const id = this.#prefix + this.#next;
    this.#next = (this.#next + 1) % 2 ** SUFFIX_BITS;
    return id;
  }

  /** Stamps `req` with a fresh id and returns it with the promise of its applied response;
   *  propose `request` (encoded) as the entry. */
  register(req: InternalRequest): { request: InternalRequest; id: number; done: Promise<WriteResponse> } {
    const id = this.#nextId();
    const request = { ...req, id };
    const done = new Promise<WriteResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id);
        reject(Errors.timeout());
      }, this.opts.timeoutMs);
      this.#waiters.set(id, { resolve, reject, timer });
    });
    return { request, id, done };
  }

  /** Called for every applied entry carrying a request, with what the store returned. A
   *  result for an id this member did not register (another member proposed it) is ignored. */
  settle(id: number, result: ApplyResult | null): void {
    const w = this.#waiters.get(id);
    if (w === undefined) return;
    this.#waiters.delete(id);
    clearTimeout(w.timer);
    if (result === null) w.reject(new Error(`entry for request ${id} was skipped as already applied`));
    else if (result.op === "error") w.reject(result.error);
    else w.resolve(result);
  }

  /** Rejects one waiter, e.g. when its proposal was dropped (no leader, forwarding failed). */
  fail(id: number, err: EtcdError | Error): void {
    const w = this.#waiters.get(id);
    if (w === undefined) return;
    this.#waiters.delete(id);
    clearTimeout(w.timer);
    w.reject(err);
  }

  /** Rejects every waiter (shutdown: "etcdserver: server stopped"). */
  failAll(err: EtcdError | Error): void {
    for (const [id, w] of this.#waiters) {
      clearTimeout(w.timer);
      this.#waiters.delete(id);
      w.reject(err);
    }
  }

  get size(): number {
    return this.#waiters.size;
  }
}
