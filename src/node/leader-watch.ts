// Client requests that arrive while no usable leader is known wait here, a bounded time, for
// the election to end (etcd: during an election requests wait, then fail with "no leader").
import { Errors } from "../kv/errors.ts";

interface Waiter {
  ok(leader: number): boolean;
  resolve(): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class LeaderWatch {
  private readonly waiters = new Set<Waiter>();

  /** Resolves once `ok(leader)` holds; "no leader" at `deadline` (a performance.now() time). */
  waitFor(current: number, ok: (leader: number) => boolean, deadline: number): Promise<void> {
    if (ok(current)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        ok,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(Errors.noLeader());
        }, Math.max(0, deadline - performance.now())),
      };
      this.waiters.add(w);
    });
  }

  /** The known leader changed to `leader` (0: none). */
  changed(leader: number): void {
    for (const w of this.waiters) {
      if (!w.ok(leader)) continue;
      clearTimeout(w.timer);
      this.waiters.delete(w);
      w.resolve();
    }
  }

  /** The member stops: every waiter fails with "server stopped". */
  stop(): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(Errors.stopped());
    }
    this.waiters.clear();
  }
}
