// etcd's corruption checks (server/etcdserver/corrupt.go): members that applied the same log hold
// the same history, so HashKV at one revision must agree wherever the compaction point agrees.
//   initial check (`initial_corrupt_check`): at start, before serving clients, this member's
//     hash at its own revision against every reachable peer's at that revision; a mismatch
//     refuses to start (a peer that cannot answer — down, behind, compacted past it — is skipped,
//     as etcd skips it).
//   periodic check (`corrupt_check_time`): the leader hashes at its revision, asks every member
//     for the hash at the same revision, and raises the CORRUPT alarm (through Raft, alarms.ts)
//     for the members that differ — for itself when every peer that answered agrees with the
//     others and not with it.
// Hashes travel as Maintenance.HashKV over the members' client ports, with this member's client
// TLS credentials, as the membership checks dial them.
import type { MemberClient } from "./member-client.ts";
import { GrpcCallError } from "../grpc/client-call.ts";
import { MaintenanceService } from "../api/services.ts";
import type { LogFn } from "../log/log.ts";
import type { Scrubber } from "./scrub.ts";

export interface StoreHash {
  hash: number;
  compactRevision: number;
  revision: number;
}

export interface PeerHash {
  id: number;
  hash?: StoreHash;
  /** Why there is no hash (unreachable, behind, compacted). */
  error?: string;
}

export interface CorruptCheckDeps {
  id: number;
  /** The other members' client addresses ("host:port"). */
  peers(): { id: number; clientAddress: string }[];
  /** This member's HashKV at `revision` (0: its current revision). */
  hashKv(revision: number): StoreHash;
  isLeader(): boolean;
  /** Raises CORRUPT for `member` through Raft. */
  raiseCorrupt(member: number, reason: string): Promise<void>;
  log: LogFn;
  /** Calls to the peers' client ports (shared with the member's other such calls). */
  client: MemberClient;
  timeoutMs: number;
  /** Checks this member's own files each round (scrub.ts), on every member. */
  scrub?: Scrubber;
}

/** Hashes compare only when both stores kept the same history (the same compaction point;
 *  "never compacted" is -1 in the store and 0 on the wire, as in etcd). */
const comparable = (a: StoreHash, b: StoreHash): boolean => Math.max(0, a.compactRevision) === Math.max(0, b.compactRevision);

export class CorruptionChecker {
  #timer: ReturnType<typeof setInterval> | undefined;
  #running = false;
  /** What the scrub reported last, so a damaged file is logged once, not every round. */
  #reported: string | undefined;
  #previousRevision = 0;

  constructor(private readonly deps: CorruptCheckDeps) {}

  /** Every peer's HashKV at `revision`, asked in parallel. */
  async peerHashes(revision: number): Promise<PeerHash[]> {
    return Promise.all(this.deps.peers().map(async (p): Promise<PeerHash> => {
      try {
        const r = await this.deps.client.call(p.clientAddress, MaintenanceService.HashKV, { revision }, this.deps.timeoutMs);
        return { id: p.id, hash: { hash: Number(r.hash ?? 0), compactRevision: Number(r.compactRevision ?? 0), revision: Number(r.header?.revision ?? 0) } };
      } catch (err) {
        return { id: p.id, error: err instanceof GrpcCallError ? err.details : (err as Error).message };
      }
    }));
  }

  /** etcd's InitialCheck: throws an Error naming the members that disagree. */
  async initialCheck(): Promise<void> {
    const mine = this.deps.hashKv(0);
    const peers = await this.peerHashes(mine.revision);
    const differ: string[] = [];
    for (const p of peers) {
      if (p.hash === undefined) {
        this.deps.log("warn", "initial corruption check: cannot get a peer's hash, skipped", { peer: p.id.toString(16), revision: mine.revision, error: p.error });
      } else if (!comparable(p.hash, mine)) {
        this.deps.log("warn", "initial corruption check: a peer compacted at another revision, skipped", { peer: p.id.toString(16), peerCompactRevision: p.hash.compactRevision, compactRevision: mine.compactRevision });
      } else if (p.hash.hash !== mine.hash) {
        differ.push(`member ${p.id.toString(16)} hashes ${p.hash.hash}`);
      }
    }
    if (differ.length > 0) {
      throw new Error(
        `initial corruption check: this member's data differs from its peers' at revision ${mine.revision} ` +
          `(this member hashes ${mine.hash}, compacted at ${mine.compactRevision}; ${differ.join(", ")}); refusing to serve. ` +
          "If the other members agree with each other, this member's data is the odd one: run trireme data check on its directory, " +
          "then remove it (etcdctl member remove), empty its data directory and add it again",
      );
    }
    const compared = peers.filter((p) => p.hash !== undefined && comparable(p.hash, mine)).length;
    this.deps.log("info", "initial corruption check passed", { revision: mine.revision, hash: mine.hash, peersCompared: compared, peers: peers.length });
  }

  /** One round of etcd's PeriodicCheck (on the leader); returns the members found to differ. */
  async periodicCheck(): Promise<number[]> {
    if (!this.deps.isLeader()) return [];
    const mine = this.#hashForRound();
    const peers = (await this.peerHashes(mine.revision)).filter((p) => p.hash !== undefined && comparable(p.hash, mine));
    if (!this.deps.isLeader()) return [];
    const differ = peers.filter((p) => p.hash!.hash !== mine.hash);
    if (differ.length === 0) return [];
    // Every peer agrees with the others, none with the leader: the leader's copy is the bad one.
    const leaderAlone = differ.length === peers.length && peers.length >= 2 && peers.every((p) => p.hash!.hash === peers[0]!.hash!.hash);
    const bad = leaderAlone ? [this.deps.id] : differ.map((p) => p.id);
    for (const id of bad) {
      const theirs = id === this.deps.id ? peers[0]!.hash!.hash : differ.find((p) => p.id === id)!.hash!.hash;
      const reason = `HashKV at revision ${mine.revision}: member ${id.toString(16)} hashes ${id === this.deps.id ? mine.hash : theirs}, ` +
        `the ${leaderAlone ? "other members" : "leader"} ${leaderAlone ? theirs : mine.hash}`;
      this.deps.log("error", "corruption check: a member's data differs at the same revision; raising the CORRUPT alarm", { member: id.toString(16), reason });
      await this.deps.raiseCorrupt(id, reason);
    }
    return bad;
  }

  /** One periodic round: this member's own files (every member), then the leader's HashKV
   *  comparison. */
  async round(): Promise<void> {
    const problem = await this.deps.scrub?.round();
    if (problem !== undefined && problem.message !== this.#reported) {
      this.#reported = problem.message;
      this.deps.log("error", "periodic check: this member's data changed on disk; raising the CORRUPT alarm", {
        error: problem.message,
        file: problem.file,
        repair: "restart this member: it moves its files aside and rebuilds from the leader's snapshot; then etcdctl alarm disarm",
      });
    }
    if (problem !== undefined) await this.deps.raiseCorrupt(this.deps.id, problem.message);
    await this.periodicCheck();
  }

  /** The leader's hash at the revision it reached one round ago: under constant writes a
   *  follower is always a little behind the leader's current revision and would answer "future
   *  revision" every time, but has applied last round's. The first round (or one after a
   *  compaction past that revision) hashes at the current revision. */
  #hashForRound(): StoreHash {
    const previous = this.#previousRevision;
    const now = this.deps.hashKv(0);
    this.#previousRevision = now.revision;
    if (previous <= 0 || previous >= now.revision) return now;
    try {
      return this.deps.hashKv(previous);
    } catch {
      return now; // compacted past it meanwhile
    }
  }

  /** Runs round() every `intervalMs` (rounds never overlap). */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = true;
      this.round()
        .catch((err: Error) => this.deps.log("warn", "corruption check failed", { error: err.message }))
        .finally(() => (this.#running = false));
    }, intervalMs);
    this.#timer.unref?.();
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
