// A member's life once built: accepting clients, then stopping — a leader hands over first
// (move-leader.ts), new requests are refused, those in flight finish briefly, the log is
// flushed and every plane and file closed — or stopped by a fatal error (a core that refused
// an input, a full disk, a divergence, its own removal), which takes the same way out.
import type { ClientServer } from "../api/server.ts";
import { setMemberCredentials } from "../grpc/pool.ts";
import { Errors } from "../kv/errors.ts";
import type { MvccStore } from "../kv/mvcc.ts";
import type { Logger } from "../log/log.ts";
import type { DataDir } from "../storage/index.ts";
import type { Transport } from "../transport/index.ts";
import type { ClientRequests } from "./client-requests.ts";
import type { CorruptionChecker } from "./corrupt-check.ts";
import { DiskFullError, isDiskFull } from "./disk-space.ts";
import { asDivergence } from "./divergence.ts";
import { markRemoved } from "./member-files.ts";
import type { MemberClient } from "./member-client.ts";
import type { MembershipChanges } from "./membership.ts";
import type { ReadyLoop } from "./ready-loop.ts";
import type { RemovalWatch } from "./removal-watch.ts";
import type { SpaceGuard } from "./space-guard.ts";
import type { Ticker } from "./ticker.ts";

/** The parts a stop closes, in the order it closes them. */
export interface StoppedParts {
  clients: Pick<ClientRequests, "handOff" | "closing" | "failAll">;
  removal: Pick<RemovalWatch, "stop">;
  corruption: Pick<CorruptionChecker, "close">;
  clientServer: ClientServer | undefined;
  ticker: Pick<Ticker, "stop">;
  changes: Pick<MembershipChanges, "close">;
  memberClient: Pick<MemberClient, "close">;
  transport: Transport | undefined;
  loop: Pick<ReadyLoop<unknown>, "draining" | "whenSnapshotDone">;
  space: Pick<SpaceGuard, "close">;
  data: Pick<DataDir, "close">;
  store: Pick<MvccStore, "close">;
}

export interface LifecycleOptions {
  id: number;
  dataDir: string;
  clientAddress: string;
  memFirst: boolean;
  log: Logger;
  /** A divergence was met (counted in /metrics). */
  diverged?: () => void;
  /** After a fatal error, once stopped; default: exit 1. */
  onFatal?: (err: Error) => void;
}

export class MemberLifecycle {
  /** New client requests are refused once false; the loop keeps running until `stopping`. */
  accepting = true;
  /** Nothing more is stepped into the core, sent or scheduled. */
  stopping = false;
  /** Listening, ticking: start-up is over. */
  started = false;
  fatal: Error | undefined;
  private handingOff = false;

  constructor(private readonly opts: LifecycleOptions, private readonly parts: () => StoppedParts) {}

  async stop(): Promise<void> {
    if (!this.accepting || this.handingOff) return;
    this.handingOff = true;
    const p = this.parts();
    if (!this.stopping) await p.clients.handOff();
    this.accepting = false;
    setMemberCredentials(this.opts.clientAddress, undefined);
    p.clients.closing();
    p.removal.stop();
    p.corruption.close();
    // Requests in flight may still finish during the grace period: the core keeps running.
    await p.clientServer?.close(1000);
    this.stopping = true;
    p.ticker.stop();
    p.clients.failAll(Errors.stopped);
    p.changes.close();
    p.memberClient.close();
    await p.transport?.close();
    // Wait for a Ready in progress, so the last log writes are handed to the store before close.
    while (p.loop.draining) await new Promise((r) => setTimeout(r, 5));
    await new Promise<void>((done) => {
      const taking = p.loop.whenSnapshotDone();
      if (taking) taking.then(done, () => done());
      else done();
    });
    p.space.close();
    // On a full disk the log's last flush may fail: kv.db must still close (and release its
    // write lock) for the member to start again in this process.
    try {
      await p.data.close();
    } finally {
      p.store.close();
    }
    this.opts.log.info("member stopped", { id: this.opts.id.toString(16) });
  }

  /** Stops the member for good after an error it must not run on with. A write that failed for
   *  want of space becomes a DiskFullError: trireme start, which then releases the reserve
   *  (after the stop, whose checkpoints would eat it), starts the member again. */
  die(cause: Error): void {
    if (this.fatal) return;
    const divergence = asDivergence(cause, this.opts.memFirst);
    if (divergence) this.opts.diverged?.();
    const err = divergence ?? (isDiskFull(cause) ? new DiskFullError(this.opts.dataDir, cause) : cause);
    this.fatal = err;
    this.opts.log.error("stopping after a fatal error", { error: err.message, stack: err.stack });
    // Nothing more may be stepped into a core that failed; stop() only flushes and closes.
    this.stopping = true;
    const onFatal = this.opts.onFatal ?? (() => process.exit(1));
    void this.stop().finally(() => onFatal(err));
  }

  /** This member is no longer in the cluster: it stops for good, as etcd's removed members do. */
  removed(how: string): void {
    if (this.stopping) return;
    const id = this.opts.id.toString(16);
    this.opts.log.error(`removed from the cluster: ${how}; this member stops`, { id });
    const failed = markRemoved(this.opts.dataDir, this.opts.id, how);
    if (failed) this.opts.log.warn("cannot record the removal in the data directory", { error: failed.message });
    this.die(new Error(`removed from the cluster (member ${id}): ${how}`));
  }
}
