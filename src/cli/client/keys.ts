// Turning KEY [RANGE_END] --prefix --from-key into the API's key/range_end bytes, exactly as
// etcd's clientv3 does (WithPrefix, WithFromKey), so the same flags select the same keys.

import { prefixEnd } from "../../kv/keys.ts";
const encoder = new TextEncoder();
export const encode = (s: string): Uint8Array => encoder.encode(s);

/** range_end "\0" means "to the end of the key space". */
const TO_THE_END = Uint8Array.of(0);

// The smallest key greater than every key that starts with a prefix (clientv3 getPrefix).
export { prefixEnd };

export interface KeyRange {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
}

export interface RangeFlags {
  rangeEnd?: string;
  prefix?: boolean;
  fromKey?: boolean;
}

/** How the caller spells each selector in its error messages. */
const FLAG_NAMES: Record<keyof RangeFlags, string> = { rangeEnd: "RANGE_END", prefix: "--prefix", fromKey: "--from-key" };

/** The key range, or an error message naming the selectors that conflict. */
export function keyRange(key: string, flags: RangeFlags, names = FLAG_NAMES): KeyRange | string {
  const chosen = [flags.rangeEnd !== undefined && names.rangeEnd, flags.prefix && names.prefix, flags.fromKey && names.fromKey]
    .filter((x): x is string => typeof x === "string");
  if (chosen.length > 1) return `${chosen.join(" and ")} cannot be used together`;
  const k = encode(key);
  if (flags.prefix) return k.length === 0 ? { key: TO_THE_END, rangeEnd: TO_THE_END } : { key: k, rangeEnd: prefixEnd(k) };
  if (flags.fromKey) return { key: k.length === 0 ? TO_THE_END : k, rangeEnd: TO_THE_END };
  if (flags.rangeEnd !== undefined) return { key: k, rangeEnd: encode(flags.rangeEnd) };
  return { key: k };
}
