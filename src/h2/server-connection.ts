// The server role of a connection: request header blocks open streams (odd ids, increasing) that
// go to the application's onStream, a second header block is the request's trailers, and the
// bounds that keep one client from costing the server more than its own traffic: at most
// SETTINGS_MAX_CONCURRENT_STREAMS streams, and a rate of streams the client may reset
// (CVE-2023-44487, "rapid reset").
import { Connection, type ConnectionHooks } from "./connection.ts";
import type { HpackDecodeResult } from "./hpack.ts";
import { checkRequest, checkTrailers } from "./headers.ts";
import type { ConnectionConfig } from "./settings.ts";
import { Stream } from "./stream.ts";
import { type ByteSocket, H2Error, type H2ServerStream } from "./types.ts";

/** Client resets of open streams allowed in a burst, and per second after it (nghttp2's numbers). */
const RESET_BURST = 1000;
const RESET_RATE_PER_S = 33;

export class ServerConnection extends Connection {
  readonly isClient = false;
  private resetTokens = RESET_BURST;
  private resetRefilled = Date.now();

  constructor(socket: ByteSocket, config: ConnectionConfig, hooks: ConnectionHooks, private readonly onStream: (s: H2ServerStream) => void) {
    super(socket, config, hooks);
    this.start();
  }

  /** Bytes that followed the client's preface in its first chunk. */
  receive(chunk: Uint8Array): void {
    this.onSocketData(chunk);
  }

  protected isIdle(sid: number): boolean {
    // Even ids are the server's, and we never open one.
    return (sid & 1) === 0 || sid > this.lastPeerStreamId;
  }

  protected onHeaderBlock(sid: number, endStream: boolean, decoded: HpackDecodeResult, badPriority: boolean): void {
    const open = this.streams.get(sid);
    if (open !== undefined) return this.trailers(open, endStream, decoded, badPriority);
    if ((sid & 1) === 0) return this.fail(H2Error.PROTOCOL_ERROR, `HEADERS on stream ${sid}: client streams have odd ids`);
    if (sid <= this.lastPeerStreamId) {
      const closed = this.recentlyClosed(sid);
      if (closed === 1) return; // we reset it: frames already in flight are ignored (§5.4.2)
      if (closed === 0) return this.fail(H2Error.STREAM_CLOSED, `HEADERS on stream ${sid}, which is closed`);
      return this.fail(H2Error.PROTOCOL_ERROR, `new stream ${sid} is not above the last one, ${this.lastPeerStreamId} (RFC 9113 §5.1.1)`);
    }
    this.lastPeerStreamId = sid;
    // After our GOAWAY the client learns which streams we took; this one we did not.
    if (this.goawaySent) return this.streamError(sid, H2Error.REFUSED_STREAM);
    if (badPriority) return this.streamError(sid, H2Error.PROTOCOL_ERROR);
    if (!decoded.ok) {
      // The table is in step (HPACK decoded the whole block): only this request is refused.
      if (!decoded.fatal && decoded.tooLarge) return this.tooLarge(sid, endStream);
      return this.streamError(sid, H2Error.PROTOCOL_ERROR);
    }
    const check = checkRequest(decoded.headers);
    if (check.error !== "") return this.streamError(sid, H2Error.PROTOCOL_ERROR);
    if (endStream && check.contentLength > 0) return this.streamError(sid, H2Error.PROTOCOL_ERROR);
    if (this.streams.size >= this.config.settings.maxConcurrentStreams) return this.streamError(sid, H2Error.REFUSED_STREAM);
    const s = new Stream(this, sid, this.remoteAddress);
    s.peerCommonName = this.socket.peerCommonName;
    s.headers = decoded.headers;
    s.sendWindow = this.peer.initialWindowSize;
    s.recvWindow = this.config.settings.initialWindowSize;
    s.contentLength = check.contentLength;
    // Known before the application sees the stream: a response it completes inside onStream then
    // closes the stream cleanly instead of asking the client to stop sending.
    s.remoteEnded = endStream;
    this.streams.set(sid, s);
    this.onStream(s);
    if (endStream && !s.isReset && !this.dead) {
      s.onEnd();
      if (s.localEndDone && !s.isReset) this.closeStream(s, false);
    }
  }

  private trailers(s: Stream, endStream: boolean, decoded: HpackDecodeResult, badPriority: boolean): void {
    if (s.remoteEnded) return this.streamError(s.id, H2Error.STREAM_CLOSED, s);
    // A header block after the request's headers is its trailers, and ends the stream (§8.1).
    if (!endStream || badPriority || !decoded.ok || checkTrailers(decoded.headers) !== "") return this.streamError(s.id, H2Error.PROTOCOL_ERROR, s);
    this.remoteEnd(s);
  }

  /** 431 (RFC 6585) for a header list over our SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §10.5.1). */
  private tooLarge(sid: number, endStream: boolean): void {
    const out = this.sender.out;
    out.headers(sid, this.encoder.encode([[":status", "431"]]), true, this.sender.maxFrameSize);
    if (!endStream) out.rstStream(sid, H2Error.NO_ERROR);
    this.rememberClosed(sid, true);
    this.sender.schedule();
  }

  protected override peerReset(_s: Stream): void {
    const now = Date.now();
    this.resetTokens = Math.min(RESET_BURST, this.resetTokens + ((now - this.resetRefilled) * RESET_RATE_PER_S) / 1000);
    this.resetRefilled = now;
    if (--this.resetTokens < 0) {
      this.fail(H2Error.ENHANCE_YOUR_CALM, `the client reset over ${RESET_BURST} open streams (+${RESET_RATE_PER_S}/s): rapid reset (CVE-2023-44487)`);
    }
  }

  protected onPeerGoaway(): void {
    // The client opens no more streams; the connection closes when the open ones are done.
  }
}
