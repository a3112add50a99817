// What a node is built from: its configuration and logger, and the parts a test may replace
// (the transport, the storage, the state machine); the real ones are the defaults (start-up.ts).
import type { Config } from "../config/types.ts";
import type { MvccStore, MvccStoreOptions } from "../kv/mvcc.ts";
import type { Logger } from "../log/log.ts";
import type { Metrics } from "../metrics/index.ts";
import type { HardState } from "../raft/types.ts";
import type { DataDir, OpenDataDirOptions } from "../storage/index.ts";
import type { Transport, TransportIdentity, TransportObserver } from "../transport/index.ts";
import type { TakenSnapshot } from "./snapshots.ts";

/** Opens the log, the hard state and the snapshots. */
export type StorageFactory = (opts: OpenDataDirOptions) => Promise<DataDir>;
/** Opens the kv store the log is applied to, given the data directory. */
export type StateMachineFactory = (dataDir: string, opts: MvccStoreOptions) => MvccStore;

export interface NodeEvents {
  leaderChanged?(leader: number, term: number): void;
  snapshotTaken?(s: TakenSnapshot): void;
  applied?(entries: number): void;
}

export interface NodeOptions {
  config: Config;
  log: Logger;
  /** Fed with transport, storage, leader and snapshot events; reads the node through sample(). */
  metrics?: Metrics;
  transportObserver?: TransportObserver;
  /** Builds the transport to the peers; default: gRPC on the [node] control, data and bulk
   *  addresses. Tests give an InProcessNetwork's transports to run members without peer ports. */
  transport?: (identity: TransportIdentity) => Transport;
  /** Opens the log, hard state and snapshots; default: the data directory's files (src/storage).
   *  Most of the node still works in `[node] data_dir` (identity, removal marks, space). */
  storage?: StorageFactory;
  /** Opens the kv store the log is applied to; default: `<data_dir>/kv.db`, checked (repair.ts). */
  stateMachine?: StateMachineFactory;
  events?: NodeEvents;
  /** After a fatal error the node has stopped (files flushed and closed); default: exit 1. */
  onFatal?: (err: Error) => void;
  /** Hard state of this member's previous incarnation (a rebuild after a divergence): a vote or
   *  term it reported saved must survive the data directory being moved aside. */
  carryHardState?: HardState;
  /** The previous incarnation stopped on a full disk (disk-space.ts): raise NOSPACE once started
   *  and treat space as low until the reserve can be written again. */
  afterDiskFull?: boolean;
}
