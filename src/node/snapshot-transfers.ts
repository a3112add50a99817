// Snapshots on the Bulk plane, from the node's side: stream an image of the store to a follower
// that needs it (made on demand: a member that joined with no membership needs one even when
// the log was never compacted), receive one from the leader, and keep the transfers under way
// for the metrics.
import type { Metrics, SnapshotTransfer } from "../metrics/index.ts";
import type { Message } from "../raft/types.ts";
import type { SnapshotSink, Transport } from "../transport/index.ts";
import type { Logger } from "../log/log.ts";
import type { SnapshotContext, SnapshotManager } from "./snapshots.ts";

export interface TransferHost {
  transport(): Transport;
  /** What a snapshot image records besides the store. */
  snapshotContext: SnapshotContext;
  /** The core hears how the transfer to `peer` ended. */
  reportSnapshot(peer: number, ok: boolean): void;
  stopping(): boolean;
}

export class SnapshotTransfers {
  /** Snapshot transfers under way, by "in:<peer>" / "out:<peer>". */
  private readonly transfers = new Map<string, SnapshotTransfer>();

  constructor(
    private readonly host: TransferHost,
    private readonly snapshots: SnapshotManager,
    private readonly log: Logger,
    private readonly metrics: Metrics | undefined,
  ) {}

  list(): SnapshotTransfer[] {
    return [...this.transfers.values()].map((t) => ({ ...t }));
  }

  async send(m: Message): Promise<void> {
    const found = this.host.stopping() ? undefined : await this.find(m);
    if (found === undefined) {
      this.log.warn("no snapshot to send", { to: m.to.toString(16), wanted: m.snapshot?.index });
      this.host.reportSnapshot(m.to, false);
      return;
    }
    const { message, info } = found;
    this.log.info("sending snapshot", { to: m.to.toString(16), index: info.index, bytes: info.size });
    let ok = true;
    const key = `out:${m.to}`;
    const transfer: SnapshotTransfer = { peer: m.to, direction: "out", doneBytes: 0, totalBytes: info.size };
    this.transfers.set(key, transfer);
    const t0 = performance.now();
    try {
      await this.host.transport().sendSnapshot(message, { totalBytes: info.size, chunks: this.snapshots.chunks(info) }, (sent) => {
        transfer.doneBytes = sent;
      });
      this.metrics?.snapshotSent((performance.now() - t0) / 1000, info.size);
    } catch (err) {
      ok = false;
      this.log.warn("snapshot transfer failed", { to: m.to.toString(16), error: (err as Error).message });
    } finally {
      this.transfers.delete(key);
    }
    this.host.reportSnapshot(m.to, ok);
  }

  private find(m: Message) {
    return this.snapshots.forSending(m, this.host.snapshotContext).catch((err: Error) => {
      this.log.warn("cannot make or read the snapshot to send", { to: m.to.toString(16), error: err.message });
      return undefined;
    });
  }

  /** Counts the bytes of an incoming snapshot for the metrics while the store receives it. */
  receive(m: Message): SnapshotSink {
    const sink = this.snapshots.openSink(m.from);
    const key = `in:${m.from}`;
    const transfer: SnapshotTransfer = { peer: m.from, direction: "in", doneBytes: 0, totalBytes: 0 };
    this.transfers.set(key, transfer);
    const t0 = performance.now();
    return {
      write: (chunk) => {
        transfer.doneBytes += chunk.byteLength;
        return sink.write(chunk);
      },
      commit: async () => {
        try {
          await sink.commit();
          this.metrics?.snapshotReceived((performance.now() - t0) / 1000, transfer.doneBytes);
        } finally {
          this.transfers.delete(key);
        }
      },
      abort: async (reason) => {
        this.transfers.delete(key);
        await sink.abort(reason);
      },
    };
  }
}
