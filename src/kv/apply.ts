// What applying one request does to the store: etcd's put, delete-range, txn (compares decided
// first, then every op checked, then executed), compaction and lease grant/revoke, written as
// history rows and index updates at the request's revision. MvccStore owns the state and the
// transaction around a batch; this module is the per-request logic.
import { type AlarmTable, alarmRefusal } from "./alarms.ts";
import { checkKvRequest } from "./auth-check.ts";
import { type AuthStore, isAuthRequest } from "./auth-store.ts";
import { Errors, EtcdError } from "./errors.ts";
import { historyRowCrc } from "./integrity.ts";
import { tombstone } from "./events.ts";
import type { KeyEntry, KeyIndex } from "./key-index.ts";
import { keyRange } from "./keys.ts";
import type { LeaseTable } from "./lease.ts";
import type { KvReader } from "./reader.ts";
import type { Statement } from "../storage/sqlite.ts";
import { type ReadView, txnPath } from "./txn.ts";
import type {
  ApplyResult,
  CompactionRequest,
  DeleteRangeRequest,
  DeleteRangeResponse,
  InternalRequest,
  KeyValue,
  PutRequest,
  PutResponse,
  RangeRequest,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  WatchEvent,
} from "./types.ts";
import { EventType } from "./types.ts";

const EMPTY = new Uint8Array(0);

/** The revision a write in progress produces, and how many changes it has made so far. */
interface WriteContext {
  rev: number;
  sub: number;
}

/** The store's state as the applier sees it (live: the index and reader change on a restore). */
export interface ApplyHost {
  stmt(sql: string): Statement;
  index(): KeyIndex;
  reader(): KvReader;
  readonly leases: LeaseTable;
  readonly alarms: AlarmTable;
  readonly auth: AuthStore;
  /** The events of the batch being applied; null when nobody listens. */
  events(): WatchEvent[] | null;
  revision(): number;
  setRevision(rev: number): void;
  compactRevision(): number;
  /** Moves the compaction point (checked by the caller's rules first). */
  compact(req: CompactionRequest): void;
}

export class RequestApplier {
  readonly #view: ReadView = { latest: (r) => this.host.reader().latest(r) };

  constructor(private readonly host: ApplyHost) {}

  /** A txn whose every op is a Range, run against local state (MvccStore.readTxn). */
  readTxn(txn: TxnRequest): TxnResponse {
    const path = txnPath(this.#view, txn);
    this.#checkTxn(txn, path, { i: 0 });
    const resp = this.#execTxn({ rev: this.host.revision() + 1, sub: 0 }, txn, path, { i: 0 });
    resp.header = { revision: this.host.revision() };
    return resp;
  }

  #putKey(ctx: WriteContext, req: PutRequest): KeyValue | undefined {
    const key = req.key ?? EMPTY;
    const entry = this.host.index().live(key);
    // The previous value is read only when something needs it: the request, or a watcher.
    const needValue = req.ignoreValue === true || req.prevKv === true || this.host.events() !== null;
    const prev = entry === undefined ? undefined : this.host.reader().current(entry, !needValue);
    const value = req.ignoreValue ? prev!.value : (req.value ?? EMPTY);
    const lease = req.ignoreLease ? prev!.lease : (req.lease ?? 0);
    const createRev = prev?.createRevision ?? ctx.rev;
    const version = (prev?.version ?? 0) + 1;
    const sub = ctx.sub++;
    this.host.stmt("INSERT INTO history (rev, sub, key, create_rev, version, value, lease, crc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(ctx.rev, sub, key, createRev, version, value, lease, historyRowCrc(ctx.rev, sub, key, createRev, version, value, lease));
    this.host.index().put(key, ctx.rev, sub, createRev, version, lease);
    this.host.events()?.push({
      type: EventType.PUT,
      kv: { key, createRevision: createRev, modRevision: ctx.rev, version, value, lease },
      prevKv: prev,
    });
    return prev;
  }

  #deleteRange(ctx: WriteContext, req: DeleteRangeRequest): KeyValue[] {
    const r = keyRange(req.key ?? EMPTY, req.rangeEnd);
    const entries: KeyEntry[] = [];
    this.host.index().scan(r, (e) => {
      if (e.alive) entries.push(e);
    });
    // A watcher may want the deleted values (prev_kv): read them whenever someone listens.
    const keysOnly = !req.prevKv && this.host.events() === null;
    const victims = entries.map((e) => this.host.reader().current(e, keysOnly));
    const tomb = this.host.stmt("INSERT INTO history (rev, sub, key, create_rev, version, value, lease, crc) VALUES (?, ?, ?, 0, 0, ?, 0, ?)");
    for (let i = 0; i < entries.length; i++) {
      const kv = victims[i]!;
      const sub = ctx.sub++;
      tomb.run(ctx.rev, sub, kv.key, EMPTY, historyRowCrc(ctx.rev, sub, kv.key, 0, 0, EMPTY, 0));
      this.host.index().tombstone(entries[i]!, ctx.rev, sub);
      this.host.events()?.push({ type: EventType.DELETE, kv: tombstone(kv.key, ctx.rev), prevKv: kv });
    }
    return victims;
  }

  /** etcd's checkPut: a put needing the existing key, or naming a lease, is refused. */
  #checkPut(req: PutRequest): void {
    if ((req.ignoreValue || req.ignoreLease) && this.host.index().live(req.key ?? EMPTY) === undefined) {
      throw Errors.keyNotFound();
    }
    const lease = req.lease ?? 0;
    if (lease !== 0 && !req.ignoreLease && !this.host.leases.has(lease)) throw Errors.leaseNotFound();
  }

  #checkRange(req: RangeRequest): void {
    const rev = req.revision ?? 0;
    if (rev > this.host.revision()) throw Errors.futureRev();
    if (rev > 0 && rev < this.host.compactRevision()) throw Errors.compacted();
  }

  /** Walks the txn along `path` (consumed from `at`) checking every op before any runs. */
  #checkTxn(txn: TxnRequest, path: boolean[], at: { i: number }): void {
    const ops = path[at.i++] ? txn.success : txn.failure;
    for (const op of ops ?? []) {
      if (op.requestPut) this.#checkPut(op.requestPut);
      else if (op.requestRange) this.#checkRange(op.requestRange);
      else if (op.requestTxn) this.#checkTxn(op.requestTxn, path, at);
    }
  }

  #execTxn(ctx: WriteContext, txn: TxnRequest, path: boolean[], at: { i: number }): TxnResponse {
    const succeeded = path[at.i++];
    const responses: ResponseOp[] = [];
    for (const op of (succeeded ? txn.success : txn.failure) ?? []) responses.push(this.#execOp(ctx, op, path, at));
    return { header: { revision: this.#txnRev(ctx) }, succeeded, responses };
  }

  /** The revision a txn in progress reads at and reports. */
  #txnRev(ctx: WriteContext): number {
    return ctx.sub > 0 ? ctx.rev : ctx.rev - 1;
  }

  #execOp(ctx: WriteContext, op: RequestOp, path: boolean[], at: { i: number }): ResponseOp {
    if (op.requestRange) return { responseRange: this.host.reader().range(op.requestRange, this.#txnRev(ctx), this.host.compactRevision()) };
    if (op.requestPut) {
      const prev = this.#putKey(ctx, op.requestPut);
      const put: PutResponse = { header: { revision: ctx.rev } };
      if (op.requestPut.prevKv && prev) put.prevKv = prev;
      return { responsePut: put };
    }
    if (op.requestDeleteRange) {
      const victims = this.#deleteRange(ctx, op.requestDeleteRange);
      const deleteRange: DeleteRangeResponse = {
        header: { revision: this.#txnRev(ctx) },
        deleted: victims.length,
        prevKvs: op.requestDeleteRange.prevKv ? victims : [],
      };
      return { responseDeleteRange: deleteRange };
    }
    if (op.requestTxn) return { responseTxn: this.#execTxn(ctx, op.requestTxn, path, at) };
    throw Errors.keyNotFound(); // an empty RequestOp; validation refuses it before it gets here
  }

  /** Applies one request inside the caller's SQLite transaction. */
  apply(req: InternalRequest): ApplyResult {
    const ctx: WriteContext = { rev: this.host.revision() + 1, sub: 0 };
    // An active NOSPACE or CORRUPT alarm refuses the same entries on every replica (alarms.ts).
    const refused = alarmRefusal(req, this.host.alarms.active());
    if (refused) return { op: "error", error: refused };
    try {
      if (req.alarm) return { op: "alarm", alarm: { header: { revision: this.host.revision() }, alarms: this.host.alarms.apply(req.alarm) } };
      if (isAuthRequest(req)) {
        this.host.auth.apply(req);
        return { op: "auth", auth: { header: { revision: this.host.revision() } } };
      }
      // A write checked by its member against an older auth state (a role revoked meanwhile) is
      // checked again here, against the same state on every replica.
      const auth = this.host.auth;
      if (req.authUser && auth.enabled && (req.authRevision ?? 0) !== auth.revision && (req.put || req.deleteRange || req.txn || req.compaction)) {
        checkKvRequest(auth, req.authUser, req);
      }
      if (req.put) {
        if ((req.put.key ?? EMPTY).length === 0) throw Errors.emptyKey();
        this.#checkPut(req.put);
        const prev = this.#putKey(ctx, req.put);
        this.host.setRevision(ctx.rev);
        const put: PutResponse = { header: { revision: ctx.rev } };
        if (req.put.prevKv && prev) put.prevKv = prev;
        return { op: "put", put };
      }
      if (req.deleteRange) {
        if ((req.deleteRange.key ?? EMPTY).length === 0) throw Errors.emptyKey();
        const victims = this.#deleteRange(ctx, req.deleteRange);
        if (ctx.sub > 0) this.host.setRevision(ctx.rev);
        return {
          op: "deleteRange",
          deleteRange: {
            header: { revision: this.host.revision() },
            deleted: victims.length,
            prevKvs: req.deleteRange.prevKv ? victims : [],
          },
        };
      }
      if (req.txn) {
        const path = txnPath(this.#view, req.txn);
        this.#checkTxn(req.txn, path, { i: 0 });
        const txn = this.#execTxn(ctx, req.txn, path, { i: 0 });
        if (ctx.sub > 0) this.host.setRevision(ctx.rev);
        txn.header = { revision: this.host.revision() };
        return { op: "txn", txn };
      }
      if (req.compaction) {
        this.host.compact(req.compaction);
        return { op: "compaction", compaction: { header: { revision: this.host.revision() } } };
      }
      if (req.leaseGrant) {
        const l = this.host.leases.grant(req.leaseGrant);
        return { op: "leaseGrant", leaseGrant: { header: { revision: this.host.revision() }, ID: l.id, TTL: l.ttl } };
      }
      if (req.leaseRevoke) {
        // Every attached key goes in ONE revision, like a txn of deletes (etcd's lessor.Revoke).
        this.host.leases.revoke(req.leaseRevoke, (key) => this.#deleteRange(ctx, { key }));
        if (ctx.sub > 0) this.host.setRevision(ctx.rev);
        return { op: "leaseRevoke", leaseRevoke: { header: { revision: this.host.revision() } } };
      }
      // An entry from a newer version with a request kind this build does not know: consumed
      // as a no-op so the replicas stay identical, and the proposer learns why.
      return { op: "error", error: Errors.notCapable() };
    } catch (err) {
      if (err instanceof EtcdError) return { op: "error", error: err };
      throw err;
    }
  }

}
