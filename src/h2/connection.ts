// One HTTP/2 connection (RFC 9113), the frames both roles share: parsed in place out of each
// socket chunk (reader.ts), checked, and dispatched. SETTINGS, PING, GOAWAY, WINDOW_UPDATE,
// RST_STREAM, PRIORITY and DATA (with receive flow control) are handled here; header blocks are
// assembled here and handed to the role (server-connection.ts, client-connection.ts). An error in
// a frame is a connection error (GOAWAY with the code, then close) or a stream error (RST_STREAM).
import { ConnectionCore, type ConnectionHooks } from "./core.ts";
import { DEFAULT_WINDOW, Flag, FRAME_NAMES, FrameType, MAX_WINDOW, readU32 } from "./frames.ts";
import { type BlockStep, HeaderBlockAssembler } from "./header-block.ts";
import type { HpackDecodeResult } from "./hpack.ts";
import { applySettings } from "./peer-settings.ts";
import { FrameReader } from "./reader.ts";
import type { ConnectionConfig } from "./settings.ts";
import type { Stream } from "./stream.ts";
import { type ByteSocket, H2Error } from "./types.ts";

export type { ConnectionHooks } from "./core.ts";

export abstract class Connection extends ConnectionCore {
  private readonly reader: FrameReader;
  private readonly blocks: HeaderBlockAssembler;
  private connRecvWindow = DEFAULT_WINDOW;
  private connRecvConsumed = 0;
  private readonly connCreditAt: number;
  private readonly streamCreditAt: number;
  /** Before the peer ACKs our SETTINGS it may still count on the RFC's 65,535 stream window. */
  private readonly preAckSlack: number;
  private sawPeerSettings = false;
  private settingsAcked = false;

  constructor(socket: ByteSocket, config: ConnectionConfig, hooks: ConnectionHooks) {
    super(socket, config, hooks);
    const s = config.settings;
    // Our preface (core.ts start()) raises the connection window to this at once.
    this.connRecvWindow = config.connectionWindowSize;
    this.connCreditAt = Math.max(1, config.connectionWindowSize >>> 1);
    this.streamCreditAt = Math.max(1, s.initialWindowSize >>> 1);
    this.preAckSlack = Math.max(0, DEFAULT_WINDOW - s.initialWindowSize);
    // Room for a list at the limit however it is coded, and for one a little over it to be decoded
    // (so it is refused with 431, the connection kept) rather than cut off.
    this.blocks = new HeaderBlockAssembler(2 * s.maxHeaderListSize + 1024);
    this.reader = new FrameReader(s.maxFrameSize, {
      frame: (type, flags, sid, b, start, end) => { this.frame(type, flags, sid, b, start, end); return !this.dead; },
      tooLarge: (message) => this.fail(H2Error.FRAME_SIZE_ERROR, message),
    });
  }

  // ---- role hooks ----
  /** A complete header block for stream `sid` (END_HEADERS seen), decoded. */
  protected abstract onHeaderBlock(sid: number, endStream: boolean, decoded: HpackDecodeResult, badPriority: boolean): void;
  /** Whether a frame on `sid` names a stream that was never opened. */
  protected abstract isIdle(sid: number): boolean;
  protected abstract onPeerGoaway(lastStreamId: number, code: number): void;
  /** The peer reset an open stream (the rapid-reset bound lives in the server). */
  protected peerReset(_s: Stream): void {}
  /** A SETTINGS frame from the peer was applied (the client may open more streams). */
  protected peerSettingsApplied(): void {}

  // ---- receiving ----
  protected override onSocketData(chunk: Uint8Array): void {
    if (this.dead) return;
    this.keepalive.activity();
    const sender = this.sender;
    sender.batching = true;
    try {
      this.reader.push(chunk);
    } catch (err) {
      this.internalError(err);
    }
    sender.batching = false;
    if (!this.dead) this.guard(() => sender.flush());
  }

  private frame(type: number, flags: number, sid: number, b: Uint8Array, start: number, end: number): void {
    if (this.blocks.streamId !== 0 && type !== FrameType.CONTINUATION) {
      return this.fail(H2Error.PROTOCOL_ERROR, `${FRAME_NAMES[type] ?? `type ${type}`} frame inside the header block of stream ${this.blocks.streamId}`);
    }
    if (!this.sawPeerSettings) {
      if (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0) return this.fail(H2Error.PROTOCOL_ERROR, "the peer's first frame is not SETTINGS (RFC 9113 §3.4)");
      this.sawPeerSettings = true;
    }
    switch (type) {
      case FrameType.DATA: return this.onDataFrame(flags, sid, b, start, end);
      case FrameType.HEADERS:
        if (sid === 0) return this.fail(H2Error.PROTOCOL_ERROR, "HEADERS on stream 0");
        return this.onBlockStep(this.blocks.headers(flags, sid, b, start, end));
      case FrameType.PRIORITY: return this.onPriority(sid, b, start, end);
      case FrameType.RST_STREAM: return this.onRstStream(sid, b, start, end);
      case FrameType.SETTINGS: return this.onSettings(flags, sid, b, start, end);
      case FrameType.PUSH_PROMISE: return this.fail(H2Error.PROTOCOL_ERROR, this.isClient ? "PUSH_PROMISE although we disabled push" : "PUSH_PROMISE from a client");
      case FrameType.PING: return this.onPing(flags, sid, b, start, end);
      case FrameType.GOAWAY: return this.onGoawayFrame(sid, b, start, end);
      case FrameType.WINDOW_UPDATE: return this.onWindowUpdate(sid, b, start, end);
      case FrameType.CONTINUATION: return this.onBlockStep(this.blocks.continuation(flags, sid, b, start, end));
      default: return; // unknown frame types are ignored (RFC 9113 §4.1)
    }
  }

  private onDataFrame(flags: number, sid: number, b: Uint8Array, start: number, end: number): void {
    if (sid === 0) return this.fail(H2Error.PROTOCOL_ERROR, "DATA on stream 0");
    const len = end - start;
    let dataStart = start, dataEnd = end;
    if (flags & Flag.PADDED) {
      if (len < 1 || b[start]! >= len) return this.fail(H2Error.PROTOCOL_ERROR, `DATA on stream ${sid} with more padding than payload`);
      dataStart = start + 1;
      dataEnd = end - b[start]!;
    }
    // The whole frame, padding included, counts against both windows (RFC 9113 §6.9).
    if (len > this.connRecvWindow) return this.fail(H2Error.FLOW_CONTROL_ERROR, `DATA of ${len} bytes beyond the connection window (${this.connRecvWindow} left)`);
    this.connRecvWindow -= len;
    this.connRecvConsumed += len;
    const s = this.streams.get(sid);
    if (s === undefined) {
      if (this.isIdle(sid)) return this.fail(H2Error.PROTOCOL_ERROR, `DATA on stream ${sid}, which was never opened`);
      if (!this.recentlyResetByUs(sid)) this.streamError(sid, H2Error.STREAM_CLOSED);
    } else if (s.remoteEnded) {
      this.streamError(sid, H2Error.STREAM_CLOSED, s);
    } else if (this.isClient && !s.gotResponse) {
      this.streamError(sid, H2Error.PROTOCOL_ERROR, s);
    } else if (len > s.recvWindow + (this.settingsAcked ? 0 : this.preAckSlack)) {
      this.streamError(sid, H2Error.FLOW_CONTROL_ERROR, s);
    } else {
      s.recvWindow -= len;
      s.received += dataEnd - dataStart;
      if (s.contentLength >= 0 && s.received > s.contentLength) this.streamError(sid, H2Error.PROTOCOL_ERROR, s);
      else {
        if (dataEnd > dataStart) s.onData(b.subarray(dataStart, dataEnd));
        if (!s.isReset) {
          s.recvConsumed += len;
          if (flags & Flag.END_STREAM) this.remoteEnd(s);
          else this.creditStream(s);
        }
      }
    }
    if (this.connRecvConsumed >= this.connCreditAt && !this.dead) {
      this.sender.out.windowUpdate(0, this.connRecvConsumed);
      this.connRecvWindow += this.connRecvConsumed;
      this.connRecvConsumed = 0;
      this.sender.schedule();
    }
  }

  private creditStream(s: Stream): void {
    if (s.paused || s.isReset || s.remoteEnded || s.recvConsumed < this.streamCreditAt) return;
    this.sender.out.windowUpdate(s.id, s.recvConsumed);
    s.recvWindow += s.recvConsumed;
    s.recvConsumed = 0;
    this.sender.schedule();
  }

  override resumed(s: Stream): void {
    this.creditStream(s);
  }

  /** The peer's END_STREAM on `s` (DATA or trailers). */
  protected remoteEnd(s: Stream): void {
    if (s.contentLength >= 0 && s.received !== s.contentLength) return this.streamError(s.id, H2Error.PROTOCOL_ERROR, s);
    s.remoteEnded = true;
    s.onEnd();
    if (s.localEndDone && !s.isReset) this.closeStream(s, false);
  }

  private onBlockStep(step: BlockStep): void {
    if (step.kind === "more") return;
    if (step.kind === "error") return this.fail(step.code, step.message);
    const decoded = this.decoder.decode(step.block);
    if (!decoded.ok && decoded.fatal) return this.fail(H2Error.COMPRESSION_ERROR, decoded.error);
    this.onHeaderBlock(step.streamId, (step.flags & Flag.END_STREAM) !== 0, decoded, step.badPriority);
  }

  private onPriority(sid: number, b: Uint8Array, start: number, end: number): void {
    if (sid === 0) return this.fail(H2Error.PROTOCOL_ERROR, "PRIORITY on stream 0");
    if (end - start !== 5) return this.streamError(sid, H2Error.FRAME_SIZE_ERROR, this.streams.get(sid));
    // Priorities are ignored (RFC 9113 §5.3.2), but a stream may not depend on itself.
    if ((readU32(b, start) & MAX_WINDOW) === sid) this.streamError(sid, H2Error.PROTOCOL_ERROR, this.streams.get(sid));
  }

  private onRstStream(sid: number, b: Uint8Array, start: number, end: number): void {
    if (end - start !== 4) return this.fail(H2Error.FRAME_SIZE_ERROR, `RST_STREAM of ${end - start} bytes`);
    if (sid === 0) return this.fail(H2Error.PROTOCOL_ERROR, "RST_STREAM on stream 0");
    if (this.isIdle(sid)) return this.fail(H2Error.PROTOCOL_ERROR, `RST_STREAM on stream ${sid}, which was never opened`);
    const s = this.streams.get(sid);
    if (s === undefined) return;
    const code = readU32(b, start);
    const complete = s.remoteEnded && this.isClient;
    s.discard();
    this.closeStream(s, false);
    this.peerReset(s);
    // A client whose response is complete is not told: RST_STREAM(NO_ERROR) after a full response
    // only says the server wants no more of the request (RFC 9113 §8.1).
    if (!complete) s.onReset(code);
  }

  private onSettings(flags: number, sid: number, b: Uint8Array, start: number, end: number): void {
    if (sid !== 0) return this.fail(H2Error.PROTOCOL_ERROR, `SETTINGS on stream ${sid}`);
    if (flags & Flag.ACK) {
      if (end !== start) return this.fail(H2Error.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
      if (!this.settingsAcked) {
        this.settingsAcked = true;
        this.settingsAckedNow();
      }
      return;
    }
    if ((end - start) % 6 !== 0) return this.fail(H2Error.FRAME_SIZE_ERROR, `SETTINGS of ${end - start} bytes, not a multiple of 6`);
    const err = applySettings(this, b, start, end);
    if (err) return this.fail(err.code, err.message);
    this.peerSettingsApplied();
    this.sender.out.settingsAck();
    this.owed();
    this.sender.schedule();
  }

  /** For peer-settings.ts: the peer's SETTINGS_HEADER_TABLE_SIZE. */
  peerTableSize(size: number): void {
    this.encoder.setMaxTableSize(size);
  }

  /** For peer-settings.ts: the peer changed SETTINGS_INITIAL_WINDOW_SIZE by delta; false on overflow. */
  shiftStreamWindows(delta: number): boolean {
    for (const s of this.streams.values()) {
      s.sendWindow += delta;
      if (s.sendWindow > MAX_WINDOW) return false;
      if (delta > 0) s.windowOpened();
    }
    this.sender.schedule();
    return true;
  }

  private onPing(flags: number, sid: number, b: Uint8Array, start: number, end: number): void {
    if (end - start !== 8) return this.fail(H2Error.FRAME_SIZE_ERROR, `PING of ${end - start} bytes`);
    if (sid !== 0) return this.fail(H2Error.PROTOCOL_ERROR, `PING on stream ${sid}`);
    if (flags & Flag.ACK) return this.keepalive.acked(b, start);
    this.sender.out.ping(true, b, start);
    this.owed();
    this.sender.schedule();
  }

  private onGoawayFrame(sid: number, b: Uint8Array, start: number, end: number): void {
    if (sid !== 0) return this.fail(H2Error.PROTOCOL_ERROR, `GOAWAY on stream ${sid}`);
    if (end - start < 8) return this.fail(H2Error.FRAME_SIZE_ERROR, `GOAWAY of ${end - start} bytes`);
    const code = readU32(b, start + 4);
    this.goawayReceived = true;
    if (code !== H2Error.NO_ERROR) this.endCode = code;
    this.onPeerGoaway(readU32(b, start) & MAX_WINDOW, code);
    this.maybeFinish();
  }

  private onWindowUpdate(sid: number, b: Uint8Array, start: number, end: number): void {
    if (end - start !== 4) return this.fail(H2Error.FRAME_SIZE_ERROR, `WINDOW_UPDATE of ${end - start} bytes`);
    const inc = readU32(b, start) & MAX_WINDOW;
    const sender = this.sender;
    if (sid === 0) {
      if (inc === 0) return this.fail(H2Error.PROTOCOL_ERROR, "WINDOW_UPDATE of 0 on the connection");
      if (sender.connWindow + inc > MAX_WINDOW) return this.fail(H2Error.FLOW_CONTROL_ERROR, "WINDOW_UPDATE takes the connection window over 2^31-1");
      sender.connWindow += inc;
      sender.schedule();
      return;
    }
    const s = this.streams.get(sid);
    if (s === undefined) {
      if (this.isIdle(sid)) this.fail(H2Error.PROTOCOL_ERROR, `WINDOW_UPDATE on stream ${sid}, which was never opened`);
      return;
    }
    if (inc === 0) return this.streamError(sid, H2Error.PROTOCOL_ERROR, s);
    if (s.sendWindow + inc > MAX_WINDOW) return this.streamError(sid, H2Error.FLOW_CONTROL_ERROR, s);
    s.sendWindow += inc;
    s.windowOpened();
  }
}
