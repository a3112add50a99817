// Bounds on what a member holds for its clients, TigerBeetle-style: every queue of client
// requests (writes to propose, writes forwarded to the leader, read barriers, lease questions)
// admits a request only while it holds fewer than `maxCount` requests and `maxBytes` bytes. A
// full queue answers at once with etcd's overload error instead of growing until the process
// runs out of memory or every request in it times out.
import { Errors, type EtcdError } from "../kv/errors.ts";

const MiB = 1024 * 1024;

export interface QueueLimit {
  readonly maxCount: number;
  readonly maxBytes: number;
}

/** Client writes held by the leader: queued for the core, proposed and not applied yet. etcd
 *  refuses proposals with "too many requests" once its commit index runs 5,000 entries ahead of
 *  apply (maxGapBetweenApplyAndCommitIndex); the bytes are the core's default uncommitted budget
 *  (raft.max_uncommitted_bytes), which the queued writes may pin once more before the core sees them. */
export const WRITE_LIMIT: QueueLimit = { maxCount: 5_000, maxBytes: 64 * MiB };

/** Writes a follower has forwarded to the leader and not yet seen applied: the same bound as
 *  the leader's, since the leader's queue is where they end up. */
export const FORWARD_LIMIT: QueueLimit = WRITE_LIMIT;

/** Read barriers waiting for a ReadIndex round or for apply. A barrier holds no payload of its
 *  own (its request and response stay with the gRPC call, each bounded by max_request_bytes), so
 *  the count is the bound: 10,000 waiting reads is several heartbeat rounds of a busy member. */
export const READ_LIMIT: QueueLimit = { maxCount: 10_000, maxBytes: Number.POSITIVE_INFINITY };

/** Lease questions a follower has put to the leader: each is a few dozen bytes, so the count is
 *  the bound, as for reads. */
export const LEASE_QUESTION_LIMIT: QueueLimit = READ_LIMIT;

/** The count and bytes of requests a queue holds. */
export class QueueBudget {
  private count = 0;
  private bytes = 0;

  constructor(readonly limit: QueueLimit) {
    if (!(limit.maxCount >= 1 && limit.maxBytes >= 1)) throw new Error(`a queue must admit at least one request (got ${limit.maxCount} requests, ${limit.maxBytes} bytes)`);
  }

  get held(): { count: number; bytes: number } {
    return { count: this.count, bytes: this.bytes };
  }

  /** Admits a request of `bytes`: a release function to call (any number of times) once it is
   *  answered, or etcd's `too many requests` when the queue is full. */
  admit(bytes: number): (() => void) | EtcdError {
    if (this.count + 1 > this.limit.maxCount || this.bytes + bytes > this.limit.maxBytes) return Errors.tooManyRequests();
    this.count++;
    this.bytes += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.count--;
      this.bytes -= bytes;
    };
  }
}
