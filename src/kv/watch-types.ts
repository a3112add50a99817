// The watch hub's public shapes: request options, the sink a stream answers into, the stream a
// client gets, and etcd's constants and cancel reasons (src/kv/watch.ts is the hub itself).
import type { WatchCreateRequest, WatchResponse } from "./types.ts";

/** WatchCreateRequest.FilterType. */
export const FilterType = { NOPUT: 0, NODELETE: 1 } as const;
/** The watch_id of an answer to a WatchProgressRequest (clientv3.InvalidWatchID). */
export const PROGRESS_WATCH_ID = -1;
/** etcd's cancel reasons (mvcc/watcher.go); clients show them as they are. */
export const WatchErrors = {
  emptyRange: "mvcc: watcher range is empty",
  duplicateId: "mvcc: duplicate watch ID provided on the WatchStream",
} as const;

export interface WatchHubOptions {
  /** How often a watcher created with progress_notify and idle since the last tick gets an
   *  empty answer carrying the current revision. etcd: 10 minutes. */
  progressIntervalMs?: number;
  /** Starts the progress ticker and returns its stop function. Default: `setInterval` with
   *  `progressIntervalMs`, unref'd. Tests pass their own to tick deterministically. */
  progressTicker?: (tick: () => void, intervalMs: number) => () => void;
  /** Answers a stream may hold for a client that does not read before its watchers fall back
   *  to catching up from history. Default 4 MiB. */
  maxQueuedBytes?: number;
  /** History rows read per watcher per catch-up step. Default 1000 (etcd reads up to 1000
   *  revisions per step). */
  catchUpEvents?: number;
  /** Key + value bytes read per watcher per catch-up step. Default 1 MiB. */
  catchUpBytes?: number;
  /** Revisions a catch-up step looks at, at most: it bounds the rows SQLite scans, not only the
   *  rows that match (a watcher on a quiet prefix from revision 1 scanned the whole history in
   *  one step). Default 1000. */
  catchUpRevisions?: number;
  /** Event-loop time the catch-up of all watchers may take per turn before it yields (the loop
   *  also runs the Raft heartbeats). Default 5 ms. */
  catchUpBudgetMs?: number;
}

/** Where a stream's answers go (the gRPC call). */
export interface WatchSink {
  /** Hands one answer to the transport; false means the transport is full: send no more until
   *  `WatchStream.resume()`. */
  send(resp: WatchResponse): boolean;
  /** The stream is over because of `err` (a throwing transport, a failed history read): end
   *  the call with an error so the client re-watches from its last revision. */
  abort?(err: Error): void;
}

/** One client watch stream (etcd's serverWatchStream): its watchers and its outbound queue. */
export interface WatchStream {
  create(req: WatchCreateRequest): void;
  cancel(watchId: number): void;
  /** Answers with watch_id -1 and the current revision once every watcher of the stream is
   *  synced, so that no event at or below that revision can follow. */
  requestProgress(): void;
  /** The transport drained: send what is queued, then catch up the stream's watchers. */
  resume(): void;
  close(): void;
  readonly watcherCount: number;
  /** Bytes of answers waiting for the transport (bounded by maxQueuedBytes). */
  readonly queuedBytes: number;
}
