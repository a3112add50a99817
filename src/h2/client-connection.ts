// The client role of a connection: request() opens streams (odd ids, increasing, assigned when the
// HEADERS go out), at most the server's SETTINGS_MAX_CONCURRENT_STREAMS at once and the rest queued
// in order; response header blocks are the response headers (after any 1xx) and then trailers.
// GOAWAY from the server refuses the streams it did not take, so the caller may retry them.
import { Connection } from "./connection.ts";
import { PREFACE } from "./frames.ts";
import { checkResponse, checkTrailers } from "./headers.ts";
import type { HpackDecodeResult } from "./hpack.ts";
import type { ConnectionConfig } from "./settings.ts";
import { Stream } from "./stream.ts";
import { type ByteSocket, H2Error, type H2ClientConnection, type H2ClientStream, type HeaderList } from "./types.ts";

/** Stream ids are 31 bits; the last odd one. */
const MAX_STREAM_ID = 0x7fffffff;
const noop = (): void => {};

export class ClientConnection extends Connection implements H2ClientConnection {
  readonly isClient = true;
  onClose: (err?: Error) => void = noop;
  onGoaway: (code: number) => void = noop;
  private nextStreamId = 1;
  private readonly waiting: Stream[] = [];
  private readyResolve: (() => void) | undefined;
  private readyReject: ((err: Error) => void) | undefined;
  private sawSettings = false;

  constructor(socket: ByteSocket, config: ConnectionConfig, private readonly target: string) {
    super(socket, config, { onClosed: (err) => this.closedNow(err) });
    this.start(PREFACE);
  }

  /** Resolves once the server's SETTINGS arrived (it speaks HTTP/2, its limits are known). */
  ready(timeoutMs: number): Promise<void> {
    if (this.sawSettings) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.target} sent no HTTP/2 SETTINGS within ${timeoutMs} ms (is it an HTTP/2 server?)`));
        this.destroy();
      }, Math.max(1, timeoutMs));
      this.readyResolve = () => { clearTimeout(timer); resolve(); };
      this.readyReject = (err) => { clearTimeout(timer); reject(err); };
    });
  }

  get closed(): boolean {
    return this.dead || this.goawaySent || this.goawayReceived;
  }

  request(headers: HeaderList, endStream = false): H2ClientStream {
    const s = new Stream(this, 0, this.remoteAddress);
    s.headers = headers;
    s.headersSent = true; // writes are taken at once, and queued until the stream opens
    s.pendingHeaders = headers;
    s.pendingEndStream = endStream;
    if (endStream) s.localEnded = true;
    if (this.closed) this.refuse(s, this.dead ? H2Error.CANCEL : H2Error.REFUSED_STREAM);
    else if (this.waiting.length === 0 && this.streams.size < this.peer.maxConcurrentStreams) this.open(s);
    else this.waiting.push(s);
    return s;
  }

  ping(): Promise<number> {
    return this.keepalive.measure();
  }

  close(): void {
    if (this.dead) return;
    for (const s of this.waiting.splice(0)) this.refuse(s, H2Error.REFUSED_STREAM);
    this.shutdown("client closing");
  }

  /** Tells the caller (after request() returned, so its callbacks are set) that the stream is refused. */
  private refuse(s: Stream, code: number): void {
    s.discard();
    queueMicrotask(() => s.onReset(code));
  }

  private open(s: Stream): void {
    if (this.nextStreamId > MAX_STREAM_ID) {
      // Every stream id is used: this connection can take no more; the caller makes a new one.
      this.refuse(s, H2Error.REFUSED_STREAM);
      this.shutdown("stream ids exhausted");
      return;
    }
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    s.id = id;
    s.sendWindow = this.peer.initialWindowSize;
    s.recvWindow = this.config.settings.initialWindowSize;
    this.streams.set(id, s);
    const headers = s.pendingHeaders!;
    s.pendingHeaders = undefined;
    this.writeHeaders(s, headers, s.pendingEndStream);
    s.opened(s.pendingEndStream);
  }

  private openWaiting(): void {
    while (this.waiting.length > 0 && this.streams.size < this.peer.maxConcurrentStreams && !this.closed) {
      const s = this.waiting.shift()!;
      if (!s.isReset) this.open(s);
    }
  }

  protected override streamGone(s: Stream): void {
    if (s.id === 0) {
      const i = this.waiting.indexOf(s);
      if (i >= 0) this.waiting.splice(i, 1);
      return;
    }
    this.openWaiting();
  }

  protected override peerSettingsApplied(): void {
    if (!this.sawSettings) {
      this.sawSettings = true;
      this.readyResolve?.();
      this.readyResolve = this.readyReject = undefined;
    }
    this.openWaiting();
  }

  protected isIdle(sid: number): boolean {
    // Even ids would be pushed streams, and we disabled push.
    return (sid & 1) === 0 || sid >= this.nextStreamId;
  }

  protected onHeaderBlock(sid: number, endStream: boolean, decoded: HpackDecodeResult, badPriority: boolean): void {
    const s = this.streams.get(sid);
    if (s === undefined) {
      if (this.isIdle(sid)) return this.fail(H2Error.PROTOCOL_ERROR, `HEADERS on stream ${sid}, which we never opened`);
      if (this.recentlyResetByUs(sid)) return;
      return this.fail(H2Error.STREAM_CLOSED, `HEADERS on stream ${sid}, which is closed`);
    }
    if (s.remoteEnded) return this.streamError(sid, H2Error.STREAM_CLOSED, s);
    if (badPriority || !decoded.ok) return this.streamError(sid, H2Error.PROTOCOL_ERROR, s);
    const headers = decoded.headers;
    if (!s.gotResponse) {
      const status = checkResponse(headers);
      if (typeof status === "string") return this.streamError(sid, H2Error.PROTOCOL_ERROR, s);
      if (status < 200) {
        // 1xx is informational (a final response follows); 101 has no place in HTTP/2 (§8.6).
        if (endStream || status === 101) this.streamError(sid, H2Error.PROTOCOL_ERROR, s);
        return;
      }
      s.gotResponse = true;
    } else if (!endStream || checkTrailers(headers) !== "") {
      return this.streamError(sid, H2Error.PROTOCOL_ERROR, s);
    }
    s.onHeaders(headers, endStream);
    if (endStream && !s.isReset && !this.dead) this.remoteEnd(s);
  }

  protected onPeerGoaway(lastStreamId: number, code: number): void {
    if (code !== H2Error.NO_ERROR) this.closeError ??= new Error(`${this.target} sent GOAWAY with error ${code}`);
    // Streams above the last one the server took were not processed: safe to retry elsewhere.
    const refused = [...this.streams.values()].filter((s) => s.id > lastStreamId);
    for (const s of refused) {
      s.discard();
      this.closeStream(s, true);
    }
    const waiting = this.waiting.splice(0);
    this.onGoaway(code);
    for (const s of refused) s.onReset(H2Error.REFUSED_STREAM);
    for (const s of waiting) { s.discard(); s.onReset(H2Error.REFUSED_STREAM); }
  }

  protected override finished(): void {
    const waiting = this.waiting.splice(0);
    for (const s of waiting) {
      s.discard();
      try { s.onReset(H2Error.CANCEL); } catch { /* the others must hear too */ }
    }
  }

  private closedNow(err?: Error): void {
    if (this.readyReject) {
      this.readyReject(new Error(`${this.target} closed the connection before its HTTP/2 SETTINGS${err ? ` (${err.message})` : ""}`));
      this.readyResolve = this.readyReject = undefined;
    }
    this.onClose(err);
  }
}
