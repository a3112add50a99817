// etcd's request checks made before a request is proposed (etcd server/etcdserver/api/v3rpc/
// key.go: checkRangeRequest, checkPutRequest, checkDeleteRequest, checkTxnRequest,
// checkIntervals). They need no state, so every member runs them before proposing and a
// refused request never reaches the Raft log.
import { Buffer } from "node:buffer";
import { Errors } from "./errors.ts";
import { inRange, keyRange, type KeyRange } from "./keys.ts";
import type { DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from "./types.ts";

const SORT_ORDERS = 3; // NONE, ASCEND, DESCEND
const SORT_TARGETS = 5; // KEY, VERSION, CREATE, MOD, VALUE

const empty = (b: Uint8Array | null | undefined) => b == null || b.length === 0;

export function checkRangeRequest(r: RangeRequest): void {
  if (empty(r.key)) throw Errors.emptyKey();
  const order = r.sortOrder ?? 0, target = r.sortTarget ?? 0;
  if (order < 0 || order >= SORT_ORDERS || target < 0 || target >= SORT_TARGETS) throw Errors.invalidSortOption();
}

export function checkPutRequest(r: PutRequest): void {
  if (empty(r.key)) throw Errors.emptyKey();
  if (r.ignoreValue && !empty(r.value)) throw Errors.valueProvided();
  if (r.ignoreLease && (r.lease ?? 0) !== 0) throw Errors.leaseProvided();
}

export function checkDeleteRequest(r: DeleteRangeRequest): void {
  if (empty(r.key)) throw Errors.emptyKey();
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): void {
  if (op.requestRange) checkRangeRequest(op.requestRange);
  else if (op.requestPut) checkPutRequest(op.requestPut);
  else if (op.requestDeleteRange) checkDeleteRequest(op.requestDeleteRange);
  else if (op.requestTxn) checkTxnRequest(op.requestTxn, maxTxnOps);
  else throw Errors.keyNotFound(); // an empty op: etcd answers the same
}

/** Shape checks, then etcd's rule that a txn branch may not write one key twice. */
export function checkTxnRequest(r: TxnRequest, maxTxnOps: number): void {
  const opc = Math.max(r.compare?.length ?? 0, r.success?.length ?? 0, r.failure?.length ?? 0);
  if (opc > maxTxnOps) throw Errors.tooManyOps();
  for (const c of r.compare ?? []) if (empty(c.key)) throw Errors.emptyKey();
  for (const op of r.success ?? []) checkRequestOp(op, maxTxnOps - opc);
  for (const op of r.failure ?? []) checkRequestOp(op, maxTxnOps - opc);
  checkIntervals(r.success ?? []);
  checkIntervals(r.failure ?? []);
}

// Keys as map keys: latin1 maps each byte to one char, so distinct byte strings stay distinct.
const mapKey = (k: Uint8Array) => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString("latin1");

function hitsDeletes(dels: KeyRange[], key: Uint8Array): boolean {
  return dels.some((d) => inRange(d, key));
}

/** Puts of one branch (and of its nested txns) must be distinct keys outside its deletes. */
export function checkIntervals(ops: RequestOp[]): { puts: Map<string, Uint8Array>; dels: KeyRange[] } {
  const dels: KeyRange[] = [];
  for (const op of ops) {
    const d = op.requestDeleteRange;
    if (d) dels.push(keyRange(d.key ?? new Uint8Array(0), d.rangeEnd));
  }
  const puts = new Map<string, Uint8Array>();
  for (const op of ops) {
    if (!op.requestTxn) continue;
    const then = checkIntervals(op.requestTxn.success ?? []);
    const otherwise = checkIntervals(op.requestTxn.failure ?? []);
    for (const [k, key] of then.puts) {
      if (puts.has(k) || hitsDeletes(dels, key)) throw Errors.duplicateKey();
      puts.set(k, key);
    }
    for (const [k, key] of otherwise.puts) {
      // then/else exclude each other, so the same key in both is fine.
      if ((puts.has(k) && !then.puts.has(k)) || hitsDeletes(dels, key)) throw Errors.duplicateKey();
      puts.set(k, key);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    const p = op.requestPut;
    if (!p) continue;
    const key = p.key ?? new Uint8Array(0);
    const k = mapKey(key);
    if (puts.has(k) || hitsDeletes(dels, key)) throw Errors.duplicateKey();
    puts.set(k, key);
  }
  return { puts, dels };
}
