// Txn compares and branch selection with etcd's semantics (etcd server/etcdserver/apply.go:
// applyCompare, compareKV, compareToPath).
import { compareBytes, keyRange, type KeyRange } from "./keys.ts";
import type { Compare, KeyValue, TxnRequest } from "./types.ts";

/** The latest state, as a txn sees it (including its own earlier writes). */
export interface ReadView {
  latest(range: KeyRange): KeyValue[];
}

// Compare.CompareResult / CompareTarget numbers from rpc.proto.
const EQUAL = 0, GREATER = 1, LESS = 2, NOT_EQUAL = 3;
const VERSION = 0, CREATE = 1, MOD = 2, VALUE = 3, LEASE = 4;

const EMPTY = new Uint8Array(0);
const ABSENT: KeyValue = { key: EMPTY, createRevision: 0, modRevision: 0, version: 0, value: EMPTY, lease: 0 };

function compareKv(c: Compare, kv: KeyValue): boolean {
  let result: number;
  switch (c.target ?? VERSION) {
    case VALUE:
      result = compareBytes(kv.value, c.value ?? EMPTY);
      break;
    case CREATE:
      result = Math.sign(kv.createRevision - (c.createRevision ?? 0));
      break;
    case MOD:
      result = Math.sign(kv.modRevision - (c.modRevision ?? 0));
      break;
    case LEASE:
      result = Math.sign(kv.lease - (c.lease ?? 0));
      break;
    case VERSION:
    default:
      result = Math.sign(kv.version - (c.version ?? 0));
  }
  switch (c.result ?? EQUAL) {
    case EQUAL:
      return result === 0;
    case NOT_EQUAL:
      return result !== 0;
    case GREATER:
      return result > 0;
    case LESS:
      return result < 0;
    default:
      return true;
  }
}

/** True when every key in the compare's range satisfies it. A missing key compares as a
 *  zero KeyValue, except on VALUE, which always fails (proto3 cannot tell "" from absent). */
export function applyCompare(view: ReadView, c: Compare): boolean {
  const kvs = view.latest(keyRange(c.key ?? EMPTY, c.rangeEnd));
  if (kvs.length === 0) return (c.target ?? VERSION) === VALUE ? false : compareKv(c, ABSENT);
  for (const kv of kvs) if (!compareKv(c, kv)) return false;
  return true;
}

export function applyCompares(view: ReadView, compares: Compare[] | null | undefined): boolean {
  for (const c of compares ?? []) if (!applyCompare(view, c)) return false;
  return true;
}

/** The branch taken by a txn and, depth first, by every nested txn on that branch, decided
 *  against the state before any of the txn's operations run (as etcd does). */
export function txnPath(view: ReadView, txn: TxnRequest): boolean[] {
  const ok = applyCompares(view, txn.compare);
  const path = [ok];
  for (const op of (ok ? txn.success : txn.failure) ?? []) {
    if (op.requestTxn) path.push(...txnPath(view, op.requestTxn));
  }
  return path;
}

/** True when no op on either branch, nested txns included, writes. */
export function isTxnReadOnly(txn: TxnRequest): boolean {
  for (const op of [...(txn.success ?? []), ...(txn.failure ?? [])]) {
    if (op.requestPut || op.requestDeleteRange) return false;
    if (op.requestTxn && !isTxnReadOnly(op.requestTxn)) return false;
  }
  return true;
}

/** True when every Range in the txn asked for a serializable read. */
export function isTxnSerializable(txn: TxnRequest): boolean {
  for (const op of [...(txn.success ?? []), ...(txn.failure ?? [])]) {
    if (op.requestRange && !op.requestRange.serializable) return false;
    if (op.requestTxn && !isTxnSerializable(op.requestTxn)) return false;
  }
  return true;
}
