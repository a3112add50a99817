// What a client is told when the Raft core refuses a proposal (its ProposeError), in etcd's
// words: every path that proposes (a client's write, a follower's forwarded batch, a membership
// change) answers the same refusal with the same message and gRPC code.
import { EtcdError, Errors, StatusCode } from "../kv/errors.ts";
import type { ProposeError } from "../raft/types.ts";

/** The etcd error for a refused proposal. */
export function proposeRefusal(e: ProposeError): EtcdError {
  switch (e.code) {
    case "not-leader":
      // Proposed here as leader, refused because it no longer is: etcd's ErrLeaderChanged.
      return Errors.leaderChanged();
    case "too-many-uncommitted-bytes":
      return Errors.tooManyRequests();
    case "invalid-conf-change":
      return new EtcdError(StatusCode.FAILED_PRECONDITION, `trireme: membership change refused: ${e.reason}`);
    case "transferring":
      return new EtcdError(StatusCode.UNAVAILABLE, `trireme: proposal refused: leadership is moving to member ${e.to.toString(16)}`);
    case "conf-change-pending":
      return new EtcdError(StatusCode.UNAVAILABLE, `trireme: proposal refused: the membership change at index ${e.index} is not applied yet`);
  }
}

/** A refusal that ends by itself (the transfer finishes, the pending change applies): the
 *  proposal waits and is tried again until its deadline instead of failing at once. */
export function refusalPasses(e: ProposeError): boolean {
  return e.code === "transferring" || e.code === "conf-change-pending";
}
