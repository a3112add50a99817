// One HTTP/2 stream, either role: what the application calls (respond/write/end/reset/pause) and
// the state the connection keeps for it (both windows, the send queue, which sides have ended).
// The connection owns the state transitions on receipt; the stream owns its send queue.
import type { Sender, SendStream } from "./flow.ts";
import type { H2ClientStream, H2ErrorCode, H2ServerStream, HeaderList } from "./types.ts";

/** What a stream needs from its connection. */
export interface StreamHost {
  readonly sender: Sender;
  readonly streamHighWaterMark: number;
  /** HPACK-encodes the list and writes HEADERS (+ CONTINUATION). */
  writeHeaders(s: Stream, headers: HeaderList, endStream: boolean): void;
  /** Our END_STREAM went out. */
  localEndSent(s: Stream): void;
  /** RST_STREAM from the application. */
  resetByApp(s: Stream, code: number): void;
  /** The stream was resumed: credit back what it consumed while paused. */
  resumed(s: Stream): void;
  readonly isClient: boolean;
}

const noop = (): void => {};
const EMPTY: HeaderList = [];

export class Stream implements H2ServerStream, H2ClientStream, SendStream {
  /** 0 for a client stream still waiting for a concurrency slot. */
  id: number;
  headers: HeaderList = EMPTY;
  onData: (chunk: Uint8Array) => void = noop;
  onEnd: () => void = noop;
  onReset: (code: number) => void = noop;
  onDrain: () => void = noop;
  onHeaders: (headers: HeaderList, endStream: boolean) => void = noop;

  // Sending.
  sendWindow = 0;
  inReady = false;
  private queue: Uint8Array[] | undefined;
  private headOffset = 0;
  queuedBytes = 0;
  /** end() was called: nothing more may be written. */
  localEnded = false;
  private endPending = false;
  private trailers: HeaderList | undefined;
  localEndDone = false;
  headersSent = false;
  private needDrain = false;

  // Receiving.
  recvWindow = 0;
  /** Bytes delivered but not yet credited back with WINDOW_UPDATE. */
  recvConsumed = 0;
  paused = false;
  remoteEnded = false;
  /** Body bytes received, for a content-length check. */
  received = 0;
  contentLength = -1;
  /** Client role: the final (non-1xx) response headers arrived. */
  gotResponse = false;
  /** Client role: the request's header list, sent when the stream opens. */
  pendingHeaders: HeaderList | undefined;
  pendingEndStream = false;
  isReset = false;
  /** Server role: the connection's verified client certificate CN. */
  peerCommonName: string | undefined;

  constructor(private readonly host: StreamHost, id: number, readonly remoteAddress: string) {
    this.id = id;
  }

  get closed(): boolean {
    return this.isReset || (this.localEndDone && this.remoteEnded);
  }

  /** Whether DATA or an end is waiting to go out. */
  get hasPending(): boolean {
    return this.queuedBytes > 0 || this.endPending;
  }

  respond(headers: HeaderList, endStream = false): void {
    if (this.isReset || this.localEnded) return;
    if (this.host.isClient) throw new Error("respond() is for server streams");
    // A 1xx answer is informational: the final response headers may follow it.
    const informational = headers.length > 0 && headers[0]![0] === ":status" && headers[0]![1].charCodeAt(0) === 0x31;
    if (this.headersSent) throw new Error(`stream ${this.id}: respond() called twice`);
    if (!informational) this.headersSent = true;
    if (endStream) this.localEnded = true;
    this.host.writeHeaders(this, headers, endStream);
    if (endStream) this.markEndSent();
  }

  write(data: Uint8Array): boolean {
    if (this.isReset || this.localEnded) return false;
    if (!this.headersSent) throw new Error(`stream ${this.id}: write() before respond()`);
    if (data.length > 0) {
      (this.queue ??= []).push(data);
      this.queuedBytes += data.length;
      this.ready();
    }
    if (this.queuedBytes > this.host.streamHighWaterMark) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  end(trailers?: HeaderList): void {
    if (this.isReset || this.localEnded) return;
    if (!this.headersSent) throw new Error(`stream ${this.id}: end() before respond()`);
    this.localEnded = true;
    this.endPending = true;
    this.trailers = trailers !== undefined && trailers.length > 0 ? trailers : undefined;
    this.ready();
  }

  reset(code: H2ErrorCode): void {
    if (this.isReset || this.closed) return;
    this.host.resetByApp(this, code);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.isReset) this.host.resumed(this);
  }

  /** Client role: the stream has its id and its HEADERS went out; what was written meanwhile follows. */
  opened(endStream: boolean): void {
    if (endStream) this.markEndSent();
    else if (this.hasPending) this.ready();
  }

  private ready(): void {
    // A client stream without an id waits for its slot; it becomes ready when it opens.
    if (this.id !== 0 && (this.sendWindow > 0 || this.queuedBytes === 0)) this.host.sender.markReady(this);
  }

  /** The peer's window for this stream grew (WINDOW_UPDATE, SETTINGS). */
  windowOpened(): void {
    if (this.hasPending && this.sendWindow > 0 && this.id !== 0 && !this.isReset) this.host.sender.markReady(this);
  }

  pumpOnce(sender: Sender): boolean {
    if (this.isReset) return false;
    if (this.queuedBytes > 0) {
      const allow = Math.min(this.sendWindow, sender.connWindow, sender.maxFrameSize);
      if (allow <= 0) return this.sendWindow > 0;
      const queue = this.queue!;
      const head = queue[0]!;
      const avail = head.length - this.headOffset;
      const n = allow < avail ? allow : avail;
      // The last DATA frame carries END_STREAM itself when there are no trailers to follow.
      const endNow = n === avail && queue.length === 1 && this.endPending && this.trailers === undefined;
      sender.out.data(this.id, endNow, head, this.headOffset, this.headOffset + n);
      this.sendWindow -= n;
      sender.connWindow -= n;
      this.queuedBytes -= n;
      if (n === avail) {
        queue.shift();
        this.headOffset = 0;
      } else this.headOffset += n;
      if (this.needDrain && this.queuedBytes <= this.host.streamHighWaterMark) {
        this.needDrain = false;
        sender.queueDrain(this);
      }
      if (endNow) {
        this.endPending = false;
        this.markEndSent();
        return false;
      }
      return this.queuedBytes > 0 ? this.sendWindow > 0 : this.endPending;
    }
    if (this.endPending) {
      this.endPending = false;
      if (this.trailers !== undefined) this.host.writeHeaders(this, this.trailers, true);
      else sender.out.data(this.id, true, EMPTY_BYTES, 0, 0);
      this.trailers = undefined;
      this.markEndSent();
    }
    return false;
  }

  fireDrain(): void {
    if (!this.isReset) this.onDrain();
  }

  private markEndSent(): void {
    this.localEndDone = true;
    this.host.localEndSent(this);
  }

  /** Drops what is queued (the stream was reset or the connection is gone). */
  discard(): void {
    this.isReset = true;
    this.queue = undefined;
    this.queuedBytes = 0;
    this.endPending = false;
    this.trailers = undefined;
  }
}

const EMPTY_BYTES = new Uint8Array(0);

/** Recently closed stream ids (a ring), to tell a frame that was in flight when a stream closed
 *  from a protocol error, and a stream we reset (its late frames are ignored, §5.4.2) from one
 *  that closed otherwise (frames on it are STREAM_CLOSED). */
export class RecentStreams {
  private readonly ids: Int32Array;
  private readonly byUs: Uint8Array;
  private next = 0;

  constructor(private readonly size = 256) {
    this.ids = new Int32Array(size);
    this.byUs = new Uint8Array(size);
  }

  add(sid: number, resetByUs: boolean): void {
    const i = this.next;
    this.ids[i] = sid;
    this.byUs[i] = resetByUs ? 1 : 0;
    this.next = (i + 1) % this.size;
  }

  /** 1: reset by us, 0: closed otherwise, -1: not among the recent ones. */
  find(sid: number): number {
    const ids = this.ids;
    for (let i = 0; i < ids.length; i++) if (ids[i] === sid) return this.byUs[i]!;
    return -1;
  }
}
