// Range post-processing with etcd's rules (etcd server/etcdserver/apply.go, Range): the
// min/max revision filters and the sort applied after the scan.
import { compareBytes } from "./keys.ts";
import type { KeyValue, RangeRequest } from "./types.ts";

// RangeRequest.SortOrder / SortTarget numbers from rpc.proto.
export const NONE = 0, ASCEND = 1, DESCEND = 2;
export const KEY = 0, VERSION = 1, CREATE = 2, MOD = 3, VALUE = 4;

/** The order actually applied: scans come back in ascending key order, so another target with
 *  order NONE means ascending, and ASCEND by key needs no sort (etcd does the same). */
export function effectiveOrder(req: RangeRequest): { order: number; target: number } {
  const target = req.sortTarget ?? KEY;
  let order = req.sortOrder ?? NONE;
  if (target !== KEY && order === NONE) order = ASCEND;
  else if (target === KEY && order === ASCEND) order = NONE;
  return { order, target };
}

export function hasRevisionFilters(req: RangeRequest): boolean {
  return (req.minModRevision ?? 0) !== 0 || (req.maxModRevision ?? 0) !== 0 ||
    (req.minCreateRevision ?? 0) !== 0 || (req.maxCreateRevision ?? 0) !== 0;
}

export function passesFilters(req: RangeRequest, kv: KeyValue): boolean {
  const minMod = req.minModRevision ?? 0, maxMod = req.maxModRevision ?? 0;
  const minCreate = req.minCreateRevision ?? 0, maxCreate = req.maxCreateRevision ?? 0;
  if (maxMod !== 0 && kv.modRevision > maxMod) return false;
  if (minMod !== 0 && kv.modRevision < minMod) return false;
  if (maxCreate !== 0 && kv.createRevision > maxCreate) return false;
  if (minCreate !== 0 && kv.createRevision < minCreate) return false;
  return true;
}

export function sorter(target: number): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case VERSION:
      return (a, b) => a.version - b.version;
    case CREATE:
      return (a, b) => a.createRevision - b.createRevision;
    case MOD:
      return (a, b) => a.modRevision - b.modRevision;
    case VALUE:
      return (a, b) => compareBytes(a.value, b.value);
    default:
      return (a, b) => compareBytes(a.key, b.key);
  }
}

