// Byte-order helpers for etcd's key ranges. Keys are raw bytes compared like memcmp (the
// order SQLite uses for BLOBs), never strings.

/** memcmp order: negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A request's [key, range_end) decoded into what to scan, with etcd's conventions:
 * an empty range_end means the single key; range_end "\0" means every key >= key.
 */
export type KeyRange =
  | { kind: "single"; key: Uint8Array }
  | { kind: "from"; key: Uint8Array }
  | { kind: "between"; key: Uint8Array; end: Uint8Array };

export function keyRange(key: Uint8Array, rangeEnd: Uint8Array | null | undefined): KeyRange {
  if (rangeEnd == null || rangeEnd.length === 0) return { kind: "single", key };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { kind: "from", key };
  return { kind: "between", key, end: rangeEnd };
}

export function inRange(r: KeyRange, k: Uint8Array): boolean {
  switch (r.kind) {
    case "single":
      return bytesEqual(r.key, k);
    case "from":
      return compareBytes(k, r.key) >= 0;
    case "between":
      return compareBytes(k, r.key) >= 0 && compareBytes(k, r.end) < 0;
  }
}

/** The range_end that selects every key starting with `prefix` (etcd's GetPrefixRangeEnd). */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] < 0xff) {
      // A copy, whatever `prefix` is: Buffer#slice is a view, and incrementing it would change
      // the caller's key (a watch on "p/" became one on "p0").
      const end = Uint8Array.from(prefix.subarray(0, i + 1));
      end[i] += 1;
      return end;
    }
  }
  // All 0xff (or empty): no upper bound.
  return Uint8Array.of(0);
}
