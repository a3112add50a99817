// gRPC's length-prefixed messages on a stream's DATA (grpc/doc/PROTOCOL-HTTP2.md): a 1-byte
// compressed flag, a 4-byte big-endian length, the bytes. A message inside one chunk is handed out
// as a view of that chunk (the socket gives a fresh buffer per read); only a message split across
// chunks is copied, once, when its last byte arrives. Parts are kept as they come rather than in a
// buffer of the announced size, so a length prefix alone cannot make us allocate.

export interface FramedMessage {
  compressed: boolean;
  bytes: Uint8Array;
}

export type ReadError = { tooLarge: true; size: number } | { tooLarge: false; error: string };

export class MessageReader {
  private header = new Uint8Array(5);
  private headerFill = 0;
  private parts: Uint8Array[] | undefined;
  private bodySize = 0;
  private bodyFill = 0;
  private compressed = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** True when no partial message is held (END_STREAM here means the stream ended cleanly). */
  get idle(): boolean {
    return this.headerFill === 0 && this.parts === undefined;
  }

  /** Appends the messages the chunk completes to `out`; an error leaves the reader unusable. */
  push(chunk: Uint8Array, out: FramedMessage[]): ReadError | undefined {
    let at = 0;
    const n = chunk.length;
    while (at < n) {
      if (this.parts === undefined) {
        if (this.headerFill === 0 && n - at >= 5) {
          const flag = chunk[at]!;
          const size = ((chunk[at + 1]! << 24) >>> 0) + (chunk[at + 2]! << 16) + (chunk[at + 3]! << 8) + chunk[at + 4]!;
          const bad = this.check(flag, size);
          if (bad) return bad;
          at += 5;
          if (n - at >= size) {
            out.push({ compressed: flag === 1, bytes: chunk.subarray(at, at + size) });
            at += size;
            continue;
          }
          this.start(flag, size);
          continue;
        }
        while (this.headerFill < 5 && at < n) this.header[this.headerFill++] = chunk[at++]!;
        if (this.headerFill < 5) return undefined;
        const h = this.header;
        const size = ((h[1]! << 24) >>> 0) + (h[2]! << 16) + (h[3]! << 8) + h[4]!;
        const bad = this.check(h[0]!, size);
        if (bad) return bad;
        this.headerFill = 0;
        if (size === 0) {
          out.push({ compressed: h[0] === 1, bytes: new Uint8Array(0) });
          continue;
        }
        this.start(h[0]!, size);
      }
      const parts = this.parts!;
      const take = Math.min(this.bodySize - this.bodyFill, n - at);
      parts.push(chunk.subarray(at, at + take));
      this.bodyFill += take;
      at += take;
      if (this.bodyFill === this.bodySize) {
        const body = new Uint8Array(this.bodySize);
        let off = 0;
        for (const p of parts) { body.set(p, off); off += p.length; }
        out.push({ compressed: this.compressed, bytes: body });
        this.parts = undefined;
      }
    }
    return undefined;
  }

  private check(flag: number, size: number): ReadError | undefined {
    if (flag > 1) return { tooLarge: false, error: `invalid compressed flag ${flag} on a gRPC message` };
    if (size > this.maxMessageBytes) return { tooLarge: true, size };
    return undefined;
  }

  private start(flag: number, size: number): void {
    this.compressed = flag === 1;
    this.bodyFill = 0;
    this.bodySize = size;
    this.parts = [];
  }
}

/** A message as one buffer: prefix and bytes, so the connection sends it in one DATA frame. */
export function frameMessage(bytes: Uint8Array, compressed = false): Uint8Array {
  const out = new Uint8Array(5 + bytes.length);
  out[0] = compressed ? 1 : 0;
  const n = bytes.length;
  out[1] = n >>> 24;
  out[2] = (n >>> 16) & 0xff;
  out[3] = (n >>> 8) & 0xff;
  out[4] = n & 0xff;
  out.set(bytes, 5);
  return out;
}

const TIMEOUT_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** grpc-timeout ("4999975u"): at most 8 digits and a unit; undefined when absent or malformed. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined || value.length < 2 || value.length > 9) return undefined;
  const unit = TIMEOUT_UNITS[value[value.length - 1]!];
  const digits = value.slice(0, -1);
  if (unit === undefined || !/^\d+$/.test(digits)) return undefined;
  return Number(digits) * unit;
}
