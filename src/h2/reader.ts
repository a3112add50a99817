// Cuts the socket's byte stream into frames. A frame that is whole inside a chunk is handed out
// in place (a view of the chunk, no copy); a frame split across chunks is kept as parts and joined
// once, when its last byte arrives, so a large frame costs one copy however it was cut.
import { FRAME_HEADER_LENGTH, FRAME_NAMES, readU32 } from "./frames.ts";

export interface FrameSink {
  /** One frame: its payload is b[start, end). Returns false to stop reading (connection closed). */
  frame(type: number, flags: number, streamId: number, b: Uint8Array, start: number, end: number): boolean;
  /** A frame header announced more than we accept: nothing of it is buffered. */
  tooLarge(message: string): void;
}

export class FrameReader {
  private carry: Uint8Array[] = [];
  private carryLen = 0;
  private carryNeed = 0;

  constructor(private readonly maxFrameSize: number, private readonly sink: FrameSink) {}

  push(chunk: Uint8Array): void {
    let buf = chunk;
    if (this.carryLen > 0) {
      this.carry.push(chunk);
      this.carryLen += chunk.length;
      if (this.carryLen < this.carryNeed) return;
      buf = concat(this.carry, this.carryLen);
      this.carry = [];
      this.carryLen = 0;
    }
    const n = buf.length;
    const max = this.maxFrameSize;
    let at = 0;
    while (n - at >= FRAME_HEADER_LENGTH) {
      const len = (buf[at]! << 16) | (buf[at + 1]! << 8) | buf[at + 2]!;
      if (len > max) {
        this.sink.tooLarge(`${FRAME_NAMES[buf[at + 3]!] ?? "a"} frame of ${len} bytes is over our SETTINGS_MAX_FRAME_SIZE ${max}`);
        return;
      }
      const end = at + FRAME_HEADER_LENGTH + len;
      if (end > n) break;
      if (!this.sink.frame(buf[at + 3]!, buf[at + 4]!, readU32(buf, at + 5) & 0x7fffffff, buf, at + FRAME_HEADER_LENGTH, end)) return;
      at = end;
    }
    if (at < n) {
      const rest = at === 0 ? buf : buf.subarray(at);
      this.carry.push(rest);
      this.carryLen = rest.length;
      this.carryNeed = rest.length >= FRAME_HEADER_LENGTH ? FRAME_HEADER_LENGTH + ((rest[0]! << 16) | (rest[1]! << 8) | rest[2]!) : FRAME_HEADER_LENGTH;
    }
  }
}

export function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
