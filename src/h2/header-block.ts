// Assembling a header block from HEADERS and its CONTINUATION frames (RFC 9113 §6.2, §6.10),
// bounded: a block larger than the bound (empty CONTINUATIONs count too) is cut off as it grows,
// never buffered to the end (CVE-2024-27316, "CONTINUATION flood").
import { Flag, readU32 } from "./frames.ts";
import { concat } from "./reader.ts";
import { H2Error, type H2ErrorCode } from "./types.ts";

/** What a CONTINUATION frame counts towards the bound, so that empty ones cannot go on for ever. */
const CONTINUATION_COST = 256;

export type BlockStep =
  | { kind: "block"; streamId: number; flags: number; block: Uint8Array; badPriority: boolean }
  | { kind: "more" }
  | { kind: "error"; code: H2ErrorCode; message: string };

const MORE: BlockStep = { kind: "more" };

export class HeaderBlockAssembler {
  /** The stream whose block is open (0: none): no other frame may come before it ends. */
  streamId = 0;
  private flags = 0;
  private parts: Uint8Array[] = [];
  private size = 0;
  private badPriority = false;

  constructor(private readonly limit: number) {}

  headers(flags: number, sid: number, b: Uint8Array, start: number, end: number): BlockStep {
    let at = start, stop = end, badPriority = false;
    if (flags & Flag.PADDED) {
      if (end - start < 1) return { kind: "error", code: H2Error.FRAME_SIZE_ERROR, message: "padded HEADERS without a pad length" };
      stop = end - b[start]!;
      at++;
    }
    if (flags & Flag.PRIORITY) {
      at += 5;
      // Priorities are ignored (§5.3.2), but a stream may not depend on itself (a stream error).
      badPriority = at <= end && (readU32(b, at - 5) & 0x7fffffff) === sid;
    }
    if (stop < at) return { kind: "error", code: H2Error.PROTOCOL_ERROR, message: `HEADERS on stream ${sid} with more padding than payload` };
    if (stop - at > this.limit) return this.tooLarge();
    if (flags & Flag.END_HEADERS) return { kind: "block", streamId: sid, flags, block: b.subarray(at, stop), badPriority };
    this.streamId = sid;
    this.flags = flags;
    this.parts = [b.subarray(at, stop)];
    this.size = stop - at;
    this.badPriority = badPriority;
    return MORE;
  }

  continuation(flags: number, sid: number, b: Uint8Array, start: number, end: number): BlockStep {
    if (this.streamId === 0 || sid !== this.streamId) {
      return { kind: "error", code: H2Error.PROTOCOL_ERROR, message: `CONTINUATION on stream ${sid} without a HEADERS frame before it` };
    }
    this.size += end - start + CONTINUATION_COST;
    if (this.size > this.limit) return this.tooLarge();
    this.parts.push(b.subarray(start, end));
    if ((flags & Flag.END_HEADERS) === 0) return MORE;
    let size = 0;
    for (const p of this.parts) size += p.length;
    const step: BlockStep = { kind: "block", streamId: sid, flags: this.flags, block: concat(this.parts, size), badPriority: this.badPriority };
    this.streamId = 0;
    this.parts = [];
    return step;
  }

  private tooLarge(): BlockStep {
    return { kind: "error", code: H2Error.ENHANCE_YOUR_CALM, message: `header block over ${this.limit} bytes` };
  }
}
