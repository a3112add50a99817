// HPACK integers (RFC 7541 §5.1): an N-bit prefix, then 7-bit groups. Values are capped at 2^31-1 so a
// hostile peer cannot make us loop or lose precision; past the cap the block is a COMPRESSION_ERROR.
const MAX = 0x7fffffff;

export type IntResult = { ok: true; value: number; next: number } | { ok: false; error: string };

export function decodeInt(buf: Uint8Array, at: number, prefixBits: number): IntResult {
  if (at >= buf.length) return { ok: false, error: "header block ends inside an integer" };
  const mask = (1 << prefixBits) - 1;
  let value = buf[at]! & mask;
  let i = at + 1;
  if (value < mask) return { ok: true, value, next: i };
  let shift = 0;
  for (;;) {
    if (i >= buf.length) return { ok: false, error: "header block ends inside an integer" };
    const b = buf[i++]!;
    value += (b & 0x7f) * 2 ** shift;
    if (value > MAX) return { ok: false, error: "HPACK integer too large" };
    if ((b & 0x80) === 0) return { ok: true, value, next: i };
    shift += 7;
  }
}

/** Appends the integer to out; `flags` are the bits above the prefix in the first byte. */
export function encodeInt(out: number[], value: number, prefixBits: number, flags: number): void {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) { out.push(flags | value); return; }
  out.push(flags | mask);
  let v = value - mask;
  while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v = Math.floor(v / 128); }
  out.push(v);
}
