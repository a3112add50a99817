// etcd's client-visible errors (etcd api/v3rpc/rpctypes/error.go): the exact message and the
// gRPC status code a client library matches on. kv/ does not depend on gRPC; the codes are the
// standard numeric gRPC status codes, which the API layer passes through unchanged.

export const StatusCode = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  FAILED_PRECONDITION: 9,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  RESOURCE_EXHAUSTED: 8,
  DATA_LOSS: 15,
  UNKNOWN: 2,
  PERMISSION_DENIED: 7,
  UNAUTHENTICATED: 16,
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

/** An error with etcd's message and gRPC code; what a waiting client receives. */
export class EtcdError extends Error {
  constructor(readonly code: StatusCode, message: string) {
    super(message);
    this.name = "EtcdError";
  }
}

const e = (code: StatusCode, message: string) => () => new EtcdError(code, message);

/** Factories (a fresh Error each time, so stacks point at the thrower). */
export const Errors = {
  emptyKey: e(StatusCode.INVALID_ARGUMENT, "etcdserver: key is not provided"),
  keyNotFound: e(StatusCode.INVALID_ARGUMENT, "etcdserver: key not found"),
  valueProvided: e(StatusCode.INVALID_ARGUMENT, "etcdserver: value is provided"),
  leaseProvided: e(StatusCode.INVALID_ARGUMENT, "etcdserver: lease is provided"),
  tooManyOps: e(StatusCode.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"),
  duplicateKey: e(StatusCode.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
  invalidSortOption: e(StatusCode.INVALID_ARGUMENT, "etcdserver: invalid sort option"),
  compacted: e(StatusCode.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"),
  futureRev: e(StatusCode.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
  leaseNotFound: e(StatusCode.NOT_FOUND, "etcdserver: requested lease not found"),
  requestTooLarge: e(StatusCode.INVALID_ARGUMENT, "etcdserver: request is too large"),
  noLeader: e(StatusCode.UNAVAILABLE, "etcdserver: no leader"),
  leaderChanged: e(StatusCode.UNAVAILABLE, "etcdserver: leader changed"),
  stopped: e(StatusCode.UNAVAILABLE, "etcdserver: server stopped"),
  timeout: e(StatusCode.UNAVAILABLE, "etcdserver: request timed out"),
  /** Proposals run ahead of what the cluster commits and applies: the client backs off. */
  tooManyRequests: e(StatusCode.RESOURCE_EXHAUSTED, "etcdserver: too many requests"),
  memberNotFound: e(StatusCode.NOT_FOUND, "etcdserver: member not found"),
  notCapable: e(StatusCode.UNAVAILABLE, "etcdserver: not capable"),
  notSupportedForLearner: e(StatusCode.UNAVAILABLE, "etcdserver: rpc not supported for learner"),
} as const;
