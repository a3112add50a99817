// Membership changes the etcd way (Cluster.MemberAdd / MemberRemove / MemberPromote / MemberUpdate): checked
// and proposed on the leader as one ConfChange at a time, answered once applied; a follower
// passes the request on to the leader's client port unchanged. Also follows the ConfChange
// entries the node persists and applies, to keep the address book (AddressBook) current and to
// notice this member's own removal.
import { GrpcCallError } from "../grpc/client-call.ts";
import type { MethodDefinition } from "../grpc/types.ts";
import type { MemberInfo } from "../api/backend.ts";
import type { PeerConfig } from "../config/types.ts";
import { ClusterService, type Decoded } from "../api/services.ts";
import { EtcdError, Errors, StatusCode } from "../kv/errors.ts";
import { confChangeProblem, decodeConfChange } from "../raft/confchange.ts";
import { ConfChangeType, EntryType, Role, type ConfChange, type ConfState, type Entry, type NodeId, type ProposeResult, type RaftStatus } from "../raft/types.ts";
import { additionKeepsQuorum, learnerReady, removalKeepsQuorum, votersConnected, type MemberHealth } from "./member-checks.ts";
import { decodePeerContext, encodePeerContext, type AddressBook } from "./address-book.ts";
import { peerFromURLs } from "./peer-urls.ts";
import type { MemberClient } from "./member-client.ts";
import type { LogFn } from "../log/log.ts";
import { proposeRefusal, refusalPasses } from "./propose-errors.ts";

/** etcd's errors for membership requests (api/v3rpc/rpctypes), message and code verbatim. */
export const MemberErrors = {
  peerURLExists: () => new EtcdError(StatusCode.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists"),
  memberExists: () => new EtcdError(StatusCode.FAILED_PRECONDITION, "etcdserver: member ID already exist"),
  notFound: Errors.memberNotFound,
  notLearner: () => new EtcdError(StatusCode.FAILED_PRECONDITION, "etcdserver: can only promote a learner member"),
  learnerNotReady: () => new EtcdError(StatusCode.FAILED_PRECONDITION, "etcdserver: can only promote a learner member which is in sync with leader"),
  notEnoughStarted: () => new EtcdError(StatusCode.FAILED_PRECONDITION, "etcdserver: re-configuration failed due to not enough started members"),
  unhealthy: () => new EtcdError(StatusCode.UNAVAILABLE, "etcdserver: unhealthy cluster"),
  badURLs: (why: string) => new EtcdError(StatusCode.INVALID_ARGUMENT, `etcdserver: given member URLs are invalid: ${why}`),
};

export interface MembershipHost {
  readonly id: NodeId;
  status(): RaftStatus;
  confAt(index: number): ConfState;
  proposeConfChange(cc: ConfChange): ProposeResult;
  /** Runs the Ready loop soon: the proposed entry must be persisted and sent. */
  schedule(): void;
  accepting(): boolean;
  /** This member's channel to peer `id` is up now (the transport's control plane). */
  connected(id: NodeId): boolean;
  log?: LogFn;
  /** Calls to the other members' client ports (the leader's, a learner's). */
  readonly client: MemberClient;
  readonly requestTimeoutMs: number;
  /** How long the transport keeps reaching a member after it left the membership. */
  readonly departingGraceMs: number;
}

interface Waiter {
  term: number;
  resolve(): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export interface AppliedOutcome {
  /** A ConfChange was applied: the committed membership moved (peers to refresh). */
  confChanged: boolean;
  /** The index at which this member applied its own removal. */
  removedAt?: number;
}

/** The ids the transport must reach and admit: the current members and those of the committed
 *  membership (a leader keeps replicating to a member whose removal has not committed yet).
 *  A member waiting to join knows no membership yet: then everyone in its address book. */
export function peerIds(status: RaftStatus, committed: ConfState, members: AddressBook): NodeId[] {
  const ids = [...status.conf.voters, ...status.conf.learners, ...committed.voters, ...committed.learners];
  return ids.length > 0 ? ids : members.all().map((p) => p.id);
}

const RETRY_MS = 20;
/** How long a promotion waits for the learner to say its name. */
const NAME_TIMEOUT_MS = 1000;

export class MembershipChanges {
  private readonly waiting = new Map<number, Waiter>();
  /** Highest index of a ConfChange entry persisted (an append at or below it may undo one). */
  private highestConfIndex = 0;
  private closed = false;
  /** The peers the membership asked for last time, and those that left it, until when they stay
   *  reachable: the append that tells a removed member its removal committed is sent just
   *  before the leader applies the removal, and must not be cut off with the connection. */
  private wantedPeers = new Set<NodeId>();
  private readonly departing = new Map<NodeId, number>();

  private readonly health: MemberHealth;

  constructor(private readonly host: MembershipHost, private readonly members: AddressBook) {
    this.health = { named: (id) => (members.get(id)?.name ?? "") !== "", connected: (id) => host.connected(id) };
  }

  // ------------------------------------------------------------------ following the log

  /** Entries handed to the log store: their ConfChange contexts name new members' addresses.
   *  True when the membership may have changed (the transport's peers need refreshing). */
  appended(entries: readonly Entry[]): boolean {
    if (entries.length === 0) return false;
    let changed = false;
    if (entries[0].index <= this.highestConfIndex) {
      changed = true; // a truncation: a conf change may have been undone
      this.highestConfIndex = entries[0].index - 1;
    }
    for (const e of entries) {
      if (e.type !== EntryType.ConfChange) continue;
      changed = true;
      this.highestConfIndex = e.index;
      const cc = decodeConfChange(e.data);
      this.members.noteId(cc.nodeId);
      // New addresses of a member take effect once committed (applied), as in etcd: an update
      // a new leader overwrites must not leave the others dialling an address nobody agreed on.
      if (cc.type === ConfChangeType.UpdateNode) continue;
      if (cc.nodeId === this.host.id && cc.type !== ConfChangeType.RemoveNode) this.checkOwnAddition(e.index, cc);
      const peer = decodePeerContext(cc.context);
      if (peer !== undefined) this.members.upsert(peer);
    }
    return changed;
  }

  /** The cluster's log adds this member: that must fit the membership this member had just
   *  before. It cannot when the member was added with `member add` but started with
   *  initial_state = "new": it then bootstrapped with itself as a voter, and replaying the log
   *  onto that would leave it a voter the cluster does not know (etcd catches the same mistake
   *  through a different cluster id). */
  private checkOwnAddition(index: number, cc: ConfChange): void {
    const problem = confChangeProblem(this.host.confAt(index - 1), cc);
    if (problem === undefined) return;
    throw new Error(
      `the cluster's log adds this member (${cc.type === ConfChangeType.AddLearner ? "as a learner" : "as a voter"}) at index ${index}, ` +
        `which does not fit the membership it started with (${problem}): it was added with \`member add\` but started with ` +
        `[cluster] initial_state = "new". Stop it, empty its data directory and start it again with initial_state = "existing"`,
    );
  }

  /** The ids the transport should reach and admit now (see peerIds and transportPeers). */
  peersNow(status: RaftStatus, committed: ConfState): NodeId[] {
    return this.transportPeers(peerIds(status, committed, this.members), performance.now());
  }

  /** The ids the transport should reach now (`wanted`, plus members that left it recently). */
  transportPeers(wanted: readonly NodeId[], now: number): NodeId[] {
    const want = new Set(wanted);
    for (const id of this.wantedPeers) if (!want.has(id) && !this.departing.has(id)) this.departing.set(id, now + this.host.departingGraceMs);
    this.wantedPeers = new Set(wanted);
    const out = new Set(want);
    for (const [id, until] of this.departing) {
      if (want.has(id) || until <= now) this.departing.delete(id);
      else out.add(id);
    }
    return [...out];
  }

  /** Whether a departed member's grace period is over (the transport's peers need refreshing). */
  departedDue(now: number): boolean {
    for (const until of this.departing.values()) if (until <= now) return true;
    return false;
  }

  /** Committed entries were applied: answers the requests waiting for them. */
  applied(entries: readonly Entry[]): AppliedOutcome {
    const out: AppliedOutcome = { confChanged: false };
    for (const e of entries) {
      if (e.type !== EntryType.ConfChange) {
        // Another entry took the index a waiting change was proposed at: that change is gone.
        const lost = this.waiting.get(e.index);
        if (lost !== undefined) {
          this.waiting.delete(e.index);
          clearTimeout(lost.timer);
          lost.reject(Errors.leaderChanged());
        }
        continue;
      }
      out.confChanged = true;
      const cc = decodeConfChange(e.data);
      if (cc.type === ConfChangeType.RemoveNode && cc.nodeId === this.host.id) out.removedAt = e.index;
      if (cc.type === ConfChangeType.UpdateNode) this.updated(cc);
      const w = this.waiting.get(e.index);
      if (w === undefined) continue;
      this.waiting.delete(e.index);
      clearTimeout(w.timer);
      if (w.term === e.term) w.resolve();
      else w.reject(Errors.leaderChanged());
    }
    return out;
  }

  /** A snapshot replaced the log up to `index`: whether waiting changes made it is unknown. */
  skipThrough(index: number): void {
    for (const [i, w] of this.waiting) {
      if (i > index) continue;
      this.waiting.delete(i);
      clearTimeout(w.timer);
      w.reject(Errors.leaderChanged());
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(Errors.stopped());
    }
    this.waiting.clear();
  }

  // ------------------------------------------------------------------ requests

  async add(peerURLs: string[], isLearner: boolean): Promise<{ member: MemberInfo; members: MemberInfo[] }> {
    const leader = this.leaderAddress();
    if (leader !== undefined) {
      const res = await this.forward(leader, ClusterService.MemberAdd, { peerURLs, isLearner });
      if (!res.member) throw new EtcdError(StatusCode.UNAVAILABLE, `trireme: the leader at ${leader} answered MemberAdd without the member`);
      return { member: fromWire(res.member), members: (res.members ?? []).map(fromWire) };
    }
    const conf = this.host.status().conf;
    const id = this.members.nextId(conf);
    const peer = peerFromURLs(id, peerURLs);
    if (typeof peer === "string") throw MemberErrors.badURLs(peer);
    if (conf.voters.includes(id) || conf.learners.includes(id)) throw MemberErrors.memberExists();
    if (this.members.addressOwner(peer, [...conf.voters, ...conf.learners]) !== undefined) throw MemberErrors.peerURLExists();
    // etcd's mayAddMember. etcd makes the connection check for a learner too; a learner never
    // counts for a quorum, so here it may be added while a voter is away (docs/decisions.md).
    if (!isLearner) {
      const st = this.host.status();
      if (!additionKeepsQuorum(st, this.health)) throw MemberErrors.notEnoughStarted();
      if (!votersConnected(st, this.health)) throw MemberErrors.unhealthy();
    }
    const type = isLearner ? ConfChangeType.AddLearner : ConfChangeType.AddVoter;
    const after = await this.proposeAndWait({ type, nodeId: id, context: encodePeerContext(peer) });
    const members = this.members.info(after);
    const member = members.find((m) => m.id === id);
    if (member === undefined) throw new EtcdError(StatusCode.UNAVAILABLE, `trireme: member ${id.toString(16)} was added but a later change removed it`);
    return { member, members };
  }

  /** etcd's MemberUpdate: new peer URLs for member `id` (the same forms as MemberAdd), through
   *  Raft; every member dials the new addresses once it has applied the change. */
  async update(id: number, peerURLs: string[]): Promise<MemberInfo[]> {
    const leader = this.leaderAddress();
    if (leader !== undefined) return ((await this.forward(leader, ClusterService.MemberUpdate, { ID: id, peerURLs })).members ?? []).map(fromWire);
    const conf = this.host.status().conf;
    const ids = [...conf.voters, ...conf.learners];
    if (!ids.includes(id)) throw MemberErrors.notFound();
    const parsed = peerFromURLs(id, peerURLs);
    if (typeof parsed === "string") throw MemberErrors.badURLs(parsed);
    const peer = { ...parsed, name: this.members.get(id)?.name ?? "" };
    if (this.members.addressOwner(peer, ids, id) !== undefined) throw MemberErrors.peerURLExists();
    return this.members.info(await this.proposeAndWait({ type: ConfChangeType.UpdateNode, nodeId: id, context: encodePeerContext(peer) }));
  }

  /** An applied UpdateNode: the member's new addresses replace the old (its name stays). */
  private updated(cc: ConfChange): void {
    const peer = decodePeerContext(cc.context);
    if (peer === undefined) return;
    const before = this.members.get(cc.nodeId);
    this.members.upsert(peer);
    const after = this.members.get(cc.nodeId)!;
    if (before?.control_address !== after.control_address) this.host.log?.("info", "member's addresses updated", { member: cc.nodeId.toString(16), control: after.control_address, previous: before?.control_address });
  }

  async remove(id: number): Promise<MemberInfo[]> {
    const leader = this.leaderAddress();
    if (leader !== undefined) return ((await this.forward(leader, ClusterService.MemberRemove, { ID: id })).members ?? []).map(fromWire);
    const st = this.host.status();
    if (!st.conf.voters.includes(id) && !st.conf.learners.includes(id)) throw MemberErrors.notFound();
    if (!removalKeepsQuorum(st, id)) throw MemberErrors.notEnoughStarted();
    return this.members.info(await this.proposeAndWait({ type: ConfChangeType.RemoveNode, nodeId: id, context: new Uint8Array(0) }));
  }

  async promote(id: number): Promise<MemberInfo[]> {
    const leader = this.leaderAddress();
    if (leader !== undefined) return ((await this.forward(leader, ClusterService.MemberPromote, { ID: id })).members ?? []).map(fromWire);
    const st = this.host.status();
    if (st.conf.voters.includes(id)) throw MemberErrors.notLearner();
    if (!st.conf.learners.includes(id)) throw MemberErrors.notFound();
    if (!learnerReady(st.progress.get(id)?.match ?? 0, st.lastIndex)) throw MemberErrors.learnerNotReady();
    const known = this.members.get(id);
    const peer = known !== undefined && known.name === "" ? await this.learnName(known) : known;
    const context = peer === undefined ? new Uint8Array(0) : encodePeerContext(peer);
    return this.members.info(await this.proposeAndWait({ type: ConfChangeType.AddVoter, nodeId: id, context }));
  }

  /** A member added by URL has no name in the cluster's records (etcdctl lists it "unstarted").
   *  Once it runs it knows its own (config.toml): ask it, so the promotion records it. */
  private async learnName(peer: PeerConfig): Promise<PeerConfig> {
    try {
      const res = await this.forward(peer.client_address, ClusterService.MemberList, {}, NAME_TIMEOUT_MS);
      const name = res.members?.find((m) => Number(m.ID) === peer.id)?.name;
      return name ? { ...peer, name } : peer;
    } catch {
      return peer; // not reachable: promoted without a name
    }
  }

  /** The leader's client address, or undefined when this member leads. */
  private leaderAddress(): string | undefined {
    if (!this.host.accepting() || this.closed) throw Errors.stopped();
    const st = this.host.status();
    if (st.role === Role.Leader) return undefined;
    const leader = st.leader === 0 ? undefined : this.members.get(st.leader);
    if (leader === undefined) throw Errors.noLeader();
    return leader.client_address;
  }

  /** Proposes `cc` (waiting while another change is still being applied) and resolves with the
   *  membership once this member has applied it. */
  private async proposeAndWait(cc: ConfChange): Promise<ConfState> {
    const deadline = performance.now() + this.host.requestTimeoutMs;
    for (;;) {
      const r = this.host.proposeConfChange(cc);
      if (r.ok) {
        this.host.schedule();
        await this.waitApplied(r.lastIndex, r.term, deadline);
        const st = this.host.status();
        return this.host.confAt(Math.max(st.applied, r.lastIndex));
      }
      // Another change (or this leader's first entry) is not applied yet, or a transfer runs.
      if (!refusalPasses(r.error)) throw proposeRefusal(r.error);
      if (performance.now() + RETRY_MS > deadline) throw Errors.timeout();
      await new Promise((r) => setTimeout(r, RETRY_MS));
      if (this.closed) throw Errors.stopped();
    }
  }

  private waitApplied(index: number, term: number, deadline: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(index);
        reject(Errors.timeout());
      }, Math.max(0, deadline - performance.now()));
      this.waiting.set(index, { term, resolve, reject, timer });
    });
  }

  private async forward<Req, Res>(address: string, method: MethodDefinition<Decoded<Req>, Res>, req: Req, timeoutMs = this.host.requestTimeoutMs): Promise<Res> {
    try {
      return await this.host.client.call(address, method, req, timeoutMs);
    } catch (err) {
      throw asEtcdError(err, address);
    }
  }

}

interface WireMember {
  ID?: number | null;
  name?: string | null;
  peerURLs?: string[] | null;
  clientURLs?: string[] | null;
  isLearner?: boolean | null;
}

function fromWire(m: WireMember): MemberInfo {
  return { id: Number(m.ID ?? 0), name: m.name ?? "", peerURLs: m.peerURLs ?? [], clientURLs: m.clientURLs ?? [], isLearner: m.isLearner === true };
}

/** The leader's own etcd error passes through; a transport failure says where it was going. */
function asEtcdError(err: unknown, address: string): EtcdError {
  const details = err instanceof GrpcCallError ? err.details : err instanceof Error ? err.message : String(err);
  if (err instanceof GrpcCallError && /^(etcdserver|trireme|mvcc):/.test(details)) return new EtcdError(err.code as StatusCode, details);
  return new EtcdError(StatusCode.UNAVAILABLE, `trireme: cannot pass the membership change on to the leader at ${address}: ${details}`);
}
