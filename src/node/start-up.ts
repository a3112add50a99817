// The start-up sequence up to a built core: refuse a removed member, settle the cluster's
// identity, open the data directory and kv.db (checked), carry a rebuilt member's hard state
// over, then restore the core's state from the snapshot and the log (restore.ts). What it opens
// it closes again if a later step fails, so a refused start leaves no file locked. Also the
// real parts a node is built on when its options name none: files, kv.db, gRPC to the peers.
import type { Config } from "../config/types.ts";
import type { MvccStore } from "../kv/mvcc.ts";
import type { Logger } from "../log/log.ts";
import type { RaftConfig, RaftStatus } from "../raft/types.ts";
import { openDataDir, type DataDir } from "../storage/index.ts";
import type { memberTls } from "../tls/options.ts";
import { memberBackoff, PeerTransport, type Transport, type TransportIdentity, type TransportObserver } from "../transport/index.ts";
import { AddressBook } from "./address-book.ts";
import { startIdentity } from "./cluster-id.ts";
import { checkNotRemoved, genesisConf, refuseIfRemovedInLog } from "./member-files.ts";
import type { NodeOptions, StateMachineFactory, StorageFactory } from "./node-options.ts";
import { raftConfigOf } from "./raft-config.ts";
import { openCheckedStore } from "./repair.ts";
import { restoreState } from "./restore.ts";
import { SnapshotManager } from "./snapshots.ts";

export const defaultStorage: StorageFactory = openDataDir;
export const defaultStateMachine: StateMachineFactory = openCheckedStore;

/** What the start-up opened and restored, for the node to be built on. */
export interface OpenedMember {
  data: DataDir;
  store: MvccStore;
  members: AddressBook;
  snapshots: SnapshotManager;
  raftConfig: RaftConfig;
  restored: Awaited<ReturnType<typeof restoreState>>;
  /** Where a failed kv.db commit goes once the node runs (until then: logged). A failed commit
   *  of applied batches (a full disk) leaves kv.db behind what was answered. */
  onStoreFailure(handler: (err: Error) => void): void;
  /** Closes what was opened, for a start that fails after this point. */
  close(): Promise<void>;
}

export async function openMember(opts: NodeOptions): Promise<OpenedMember> {
  const { config, log } = opts;
  checkNotRemoved(config.node.data_dir);
  const { clusterId, identity } = await startIdentity(config, log);
  const data = await (opts.storage ?? defaultStorage)({
    dir: config.node.data_dir,
    clusterId,
    identity,
    nodeId: config.node.id,
    persistence: config.raft.persistence,
    logger: log.log,
  });
  let store: MvccStore | undefined;
  const close = async (): Promise<void> => {
    store?.close();
    await data.close().catch(() => {});
  };
  try {
    const carry = opts.carryHardState;
    if (carry && carry.term > data.hardState.load().term) await data.hardState.save(carry);
    let failed = (err: Error): void => log.error("kv store failed", { error: err.message });
    const metrics = opts.metrics;
    store = (opts.stateMachine ?? defaultStateMachine)(config.node.data_dir, {
      onFailure: (err) => failed(err),
      ...(metrics ? { onCommit: (seconds: number) => metrics.backendCommit(seconds) } : {}),
    });
    const members = new AddressBook(config.cluster.peers);
    const snapshots = new SnapshotManager(data.snapshots, store, config.node.data_dir, config.raft.snapshot_keep, log);
    const fresh = data.latestSnapshot === undefined && data.log.lastIndex() === 0; // a carried-over term may exist
    const restored = await restoreState(data, store, snapshots, members, log, genesisConf(config.node.data_dir, config, fresh));
    refuseIfRemovedInLog(config.node.data_dir, config.node.id, restored.state);
    return {
      data,
      store,
      members,
      snapshots,
      raftConfig: raftConfigOf(config),
      restored,
      onStoreFailure: (handler) => (failed = handler),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The default transport: gRPC on the member's control, data and bulk addresses. */
export function peerTransport(
  config: Config,
  tls: ReturnType<typeof memberTls>,
  log: Logger,
  observer: TransportObserver | undefined,
): (identity: TransportIdentity) => Transport {
  return (identity) =>
    new PeerTransport({
      ...identity,
      listen: { control: config.node.control_address, data: config.node.data_address, bulk: config.node.bulk_address },
      network: config.network,
      backoff: memberBackoff(config.raft.heartbeat_interval_ms),
      log: log.log,
      ...(tls.peerDial ? { tls: { listener: (name: string) => tls.peerListenerFor(name), dial: tls.peerDial } } : {}),
      ...(observer ? { observer } : {}),
    });
}

/** The line that says a member is up, and how it is set up. */
export function logStarted(config: Config, tls: ReturnType<typeof memberTls>, log: Logger, st: RaftStatus): void {
  const clientTls = tls.clientScheme === "https" ? (config.tls.client.client_cert_auth ? "mutual" : "on") : "off";
  log.info("member started", {
    id: config.node.id.toString(16),
    name: config.node.name,
    cluster: config.cluster.name,
    client: config.node.client_address,
    tls: `client ${clientTls}, peer ${tls.peerScheme === "https" ? "mutual" : "off"}`,
    strategy: config.raft.persistence.strategy,
    term: st.term,
    commit: st.commit,
    lastIndex: st.lastIndex,
    voters: st.conf.voters,
  });
}
