// A raw-frame HTTP/2 client for tests: it writes exactly the frames a test asks for (valid or
// not) and records every frame the server sends, decoding header blocks in order so the HPACK
// state stays right. Waits are on received frames or the socket closing, bounded, with messages
// that say what was awaited and what came instead.
import { Buffer } from "node:buffer";
import * as net from "node:net";
import * as tls from "node:tls";
import { Flag, FrameType, FRAME_NAMES, PREFACE, readU32, SettingId } from "../../src/h2/frames.ts";
import { HpackDecoder, HpackEncoder } from "../../src/h2/hpack.ts";
import { H2Error, type HeaderList } from "../../src/h2/types.ts";

export interface RawFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
  /** Decoded header list for HEADERS (with its CONTINUATIONs). */
  headers?: HeaderList;
}

export interface Goaway {
  lastStreamId: number;
  code: number;
  debug: string;
}

export function frameBytes(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array(0), declaredLength?: number): Uint8Array {
  const len = declaredLength ?? payload.length;
  const out = new Uint8Array(9 + payload.length);
  out[0] = len >>> 16; out[1] = (len >>> 8) & 0xff; out[2] = len & 0xff;
  out[3] = type; out[4] = flags;
  out[5] = (streamId >>> 24) & 0xff; out[6] = (streamId >>> 16) & 0xff; out[7] = (streamId >>> 8) & 0xff; out[8] = streamId & 0xff;
  out.set(payload, 9);
  return out;
}

export function u32(v: number): Uint8Array {
  return new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

export function settingsPayload(pairs: [number, number][]): Uint8Array {
  const out = new Uint8Array(pairs.length * 6);
  pairs.forEach(([id, v], i) => { out.set([id >>> 8, id & 0xff], i * 6); out.set(u32(v), i * 6 + 2); });
  return out;
}

export function parseSettings(payload: Uint8Array): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i + 6 <= payload.length; i += 6) m.set((payload[i]! << 8) | payload[i + 1]!, readU32(payload, i + 2));
  return m;
}

export const describeFrame = (f: RawFrame): string => `${FRAME_NAMES[f.type] ?? `type ${f.type}`}(stream ${f.streamId}, flags 0x${f.flags.toString(16)}, ${f.payload.length} bytes)`;

export const GET: HeaderList = [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "localhost"]];
export const POST: HeaderList = [[":method", "POST"], [":scheme", "http"], [":path", "/"], [":authority", "localhost"]];

export class RawClient {
  readonly frames: RawFrame[] = [];
  closed = false;
  readonly encoder = new HpackEncoder();
  private readonly decoder = new HpackDecoder(4096, 1 << 20);
  private buf: Buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private pendingHeaders: RawFrame | undefined;
  private blockParts: Uint8Array[] = [];

  private constructor(private readonly sock: net.Socket) {
    sock.on("data", (chunk: Buffer) => this.onData(chunk));
    sock.on("close", () => { this.closed = true; this.wake(); });
    sock.on("error", () => {});
  }

  /** Connects; with `preface` (default) sends the client preface and an empty SETTINGS frame.
   *  With `tls`, over node:tls (ALPN h2) with these options: the frames are read decrypted. */
  static connect(port: number, opts: { preface?: boolean; settings?: [number, number][]; tls?: tls.ConnectionOptions } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const connected = () => {
        const c = new RawClient(sock);
        if (opts.preface !== false) {
          c.send(PREFACE);
          c.frame(FrameType.SETTINGS, 0, 0, settingsPayload(opts.settings ?? []));
        }
        resolve(c);
      };
      const sock: net.Socket = opts.tls
        ? tls.connect({ host: "127.0.0.1", port, ALPNProtocols: ["h2"], ...opts.tls }, connected)
        : net.connect({ host: "127.0.0.1", port }, connected);
      sock.once("error", reject);
    });
  }

  send(bytes: Uint8Array): void {
    if (!this.sock.destroyed) this.sock.write(Buffer.from(bytes));
  }

  frame(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array(0)): void {
    this.send(frameBytes(type, flags, streamId, payload));
  }

  headers(streamId: number, headers: HeaderList, endStream = false): void {
    this.frame(FrameType.HEADERS, Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0), streamId, this.encoder.encode(headers));
  }

  data(streamId: number, bytes: Uint8Array, endStream = false): void {
    this.frame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, bytes);
  }

  settingsAck(): void { this.frame(FrameType.SETTINGS, Flag.ACK, 0); }
  windowUpdate(streamId: number, inc: number): void { this.frame(FrameType.WINDOW_UPDATE, 0, streamId, u32(inc)); }
  rst(streamId: number, code: number): void { this.frame(FrameType.RST_STREAM, 0, streamId, u32(code)); }

  pauseReading(): void { this.sock.pause(); }
  resumeReading(): void { this.sock.resume(); }
  /** Resolves when what was written has gone to the kernel (or the socket closed). */
  drained(): Promise<void> {
    if (!this.sock.writableNeedDrain || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => { this.sock.off("drain", done); this.sock.off("close", done); resolve(); };
      this.sock.on("drain", done);
      this.sock.on("close", done);
    });
  }

  end(): void { this.sock.end(); }
  destroy(): void { this.sock.destroy(); }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 9) {
      const len = (this.buf[0]! << 16) | (this.buf[1]! << 8) | this.buf[2]!;
      if (this.buf.length < 9 + len) break;
      const f: RawFrame = { type: this.buf[3]!, flags: this.buf[4]!, streamId: readU32(this.buf, 5) & 0x7fffffff, payload: new Uint8Array(this.buf.subarray(9, 9 + len)) };
      this.buf = this.buf.subarray(9 + len);
      this.record(f);
    }
    this.wake();
  }

  private record(f: RawFrame): void {
    this.frames.push(f);
    if (f.type === FrameType.HEADERS) {
      let at = 0, end = f.payload.length;
      if (f.flags & Flag.PADDED) { end -= f.payload[0]!; at = 1; }
      if (f.flags & Flag.PRIORITY) at += 5;
      this.pendingHeaders = f;
      this.blockParts = [f.payload.subarray(at, end)];
    } else if (f.type === FrameType.CONTINUATION) {
      this.blockParts.push(f.payload);
    } else return;
    if ((f.flags & Flag.END_HEADERS) === 0 || !this.pendingHeaders) return;
    const r = this.decoder.decode(Buffer.concat(this.blockParts));
    this.pendingHeaders.headers = r.ok ? r.headers : [["x-decode-error", r.error]];
    this.pendingHeaders = undefined;
  }

  /** The first received frame (from index `from`) matching `pred`; rejects after timeoutMs or on close. */
  waitFor(pred: (f: RawFrame) => boolean, what: string, timeoutMs = 5000, from = 0): Promise<RawFrame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.frames.map(describeFrame).join(", ") || "nothing"}`)), timeoutMs);
      const check = (): void => {
        const f = this.frames.slice(from).find(pred);
        if (f) { clearTimeout(timer); resolve(f); return; }
        if (this.closed) { clearTimeout(timer); reject(new Error(`connection closed while waiting for ${what}; got ${this.frames.map(describeFrame).join(", ") || "nothing"}`)); return; }
        this.waiters.push(check);
      };
      check();
    });
  }

  /** The server's GOAWAY. */
  async goaway(timeoutMs = 5000): Promise<Goaway> {
    const f = await this.waitFor((x) => x.type === FrameType.GOAWAY, "GOAWAY", timeoutMs);
    return { lastStreamId: readU32(f.payload, 0) & 0x7fffffff, code: readU32(f.payload, 4), debug: Buffer.from(f.payload.subarray(8)).toString("latin1") };
  }

  /** RST_STREAM on the stream: its code. */
  async rstCode(streamId: number, timeoutMs = 5000): Promise<number> {
    const f = await this.waitFor((x) => x.type === FrameType.RST_STREAM && x.streamId === streamId, `RST_STREAM on stream ${streamId}`, timeoutMs);
    return readU32(f.payload, 0);
  }

  /** Resolves once the socket is closed. */
  waitClosed(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
      const check = (): void => {
        if (this.closed) { clearTimeout(timer); resolve(); return; }
        this.waiters.push(check);
      };
      check();
    });
  }

  /** Response body bytes received on a stream so far. */
  body(streamId: number): Buffer {
    return Buffer.concat(this.frames.filter((f) => f.type === FrameType.DATA && f.streamId === streamId).map((f) => {
      if ((f.flags & Flag.PADDED) === 0) return f.payload;
      return f.payload.subarray(1, f.payload.length - f.payload[0]!);
    }));
  }
}

// ---- for fuzzing: a seeded generator, a valid exchange, and mutations of it ----

/** A small seeded PRNG (mulberry32, shared with the Raft tests): a failing seed replays. */
export { seededRandom as mulberry32 } from "../raft/unit/driver.ts";

/** A valid client exchange as separate frames: preface, settings, requests with bodies,
 *  trailers, window updates, pings, a reset, a priority. */
export function validExchange(): Uint8Array[] {
  const enc = new HpackEncoder();
  const frames: Uint8Array[] = [PREFACE, frameBytes(FrameType.SETTINGS, 0, 0, settingsPayload([[SettingId.INITIAL_WINDOW_SIZE, 100000], [SettingId.MAX_FRAME_SIZE, 20000]]))];
  frames.push(frameBytes(FrameType.SETTINGS, Flag.ACK, 0));
  frames.push(frameBytes(FrameType.HEADERS, Flag.END_HEADERS, 1, enc.encode([...POST, ["content-type", "application/grpc"], ["te", "trailers"]])));
  frames.push(frameBytes(FrameType.DATA, 0, 1, new Uint8Array(300).fill(7)));
  frames.push(frameBytes(FrameType.DATA, Flag.PADDED, 1, new Uint8Array([4, 1, 2, 3, 0, 0, 0, 0])));
  frames.push(frameBytes(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, enc.encode([["x-trailer", "t"]])));
  frames.push(frameBytes(FrameType.WINDOW_UPDATE, 0, 0, u32(100000)));
  frames.push(frameBytes(FrameType.PING, 0, 0, new Uint8Array(8).fill(1)));
  frames.push(frameBytes(FrameType.PRIORITY, 0, 3, new Uint8Array([0, 0, 0, 1, 16])));
  const block = enc.encode([...GET, ["x-long", "y".repeat(50)]]);
  frames.push(frameBytes(FrameType.HEADERS, Flag.PRIORITY, 3, new Uint8Array([0, 0, 0, 0, 9, ...block.subarray(0, 10)])));
  frames.push(frameBytes(FrameType.CONTINUATION, Flag.END_HEADERS, 3, block.subarray(10)));
  frames.push(frameBytes(FrameType.HEADERS, Flag.END_HEADERS, 5, enc.encode([[":method", "GET"], [":scheme", "http"], [":path", "/hold"]])));
  frames.push(frameBytes(FrameType.WINDOW_UPDATE, 0, 5, u32(5000)));
  frames.push(frameBytes(FrameType.RST_STREAM, 0, 5, u32(H2Error.CANCEL)));
  frames.push(frameBytes(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 7, enc.encode(GET)));
  frames.push(frameBytes(0x0b, 0, 0, new Uint8Array(4)));
  frames.push(frameBytes(FrameType.GOAWAY, 0, 0, new Uint8Array([0, 0, 0, 7, 0, 0, 0, 0])));
  return frames;
}

export function mutate(frames: Uint8Array[], int: (n: number) => number, rand: () => number): Uint8Array {
  const out: Uint8Array[] = frames.map((f) => new Uint8Array(f));
  const rounds = 1 + int(4);
  for (let r = 0; r < rounds; r++) {
    const k = 1 + int(out.length - 1); // the preface stays mostly intact
    const f = out[k]!;
    switch (int(7)) {
      case 0: for (let j = 0; j < 1 + int(3); j++) f[int(f.length)] = int(256); break; // flip bytes
      case 1: f[int(Math.min(9, f.length))] = int(256); break; // a header byte
      case 2: out.splice(k, 1); break; // drop a frame
      case 3: out.splice(k, 0, f); break; // duplicate it
      case 4: out.splice(k, 0, frameBytes(int(12), int(256), int(10), randomBytes(int(40), int))); break; // a random frame
      case 5: out[k] = f.subarray(0, int(f.length)); break; // truncate
      case 6: if (rand() < 0.2) out[0] = randomBytes(24, int); else out.push(randomBytes(int(64), int)); break;
    }
  }
  let n = 0;
  for (const f of out) n += f.length;
  const all = new Uint8Array(n);
  let at = 0;
  for (const f of out) { all.set(f, at); at += f.length; }
  return all;
}

function randomBytes(n: number, int: (n: number) => number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
}
