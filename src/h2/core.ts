// The lifecycle of one HTTP/2 connection, either role: the stream table, what streams ask of it
// (headers out, resets, ends), stream and connection errors, and ending: GOAWAY, the drain of open
// streams, the close of the socket. Frames are read by the subclass (connection.ts). Any
// exception inside becomes GOAWAY(INTERNAL_ERROR), never a crash.
import { DEFAULT_WINDOW, errorName } from "./frames.ts";
import { Sender } from "./flow.ts";
import { HpackDecoder, HpackEncoder } from "./hpack.ts";
import { Keepalive } from "./keepalive.ts";
import { type ConnectionConfig, initialPeerSettings, settingsPairs } from "./settings.ts";
import { RecentStreams, type Stream, type StreamHost } from "./stream.ts";
import { type ByteSocket, H2Error, type H2ErrorCode, type HeaderList } from "./types.ts";

const SETTINGS_TIMEOUT_MS = 10_000;
/** ACKs and resets we may owe a peer that does not read before it is told to calm down. */
const MAX_CONTROL_DEBT = 1024;
/** After our side closed, how long a peer that does not read may keep the socket. */
const CLOSE_LINGER_MS = 2000;

export interface ConnectionHooks {
  onProtocolError?(remote: string, code: H2ErrorCode, message: string): void;
  /** The socket is gone (called once). */
  onClosed?(err?: Error): void;
}

export abstract class ConnectionCore implements StreamHost {
  abstract readonly isClient: boolean;
  readonly sender: Sender;
  readonly streams = new Map<number, Stream>();
  readonly peer = initialPeerSettings();
  readonly remoteAddress: string;
  readonly streamHighWaterMark: number;
  protected readonly decoder: HpackDecoder;
  protected readonly encoder = new HpackEncoder();
  /** Highest stream id the peer opened (server role), for GOAWAY. */
  protected lastPeerStreamId = 0;
  dead = false;
  protected goawaySent = false;
  protected goawayReceived = false;
  /** What streams are told when the connection goes: an error GOAWAY's code, else CANCEL. */
  protected endCode: number = H2Error.CANCEL;
  protected readonly keepalive: Keepalive;
  private readonly recent = new RecentStreams();
  private settingsTimer: ReturnType<typeof setTimeout> | undefined;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private closedNotified = false;
  private finishQueued = false;
  /** Why the connection ended, for onClosed (set by the first cause). */
  protected closeError: Error | undefined;

  constructor(protected readonly socket: ByteSocket, protected readonly config: ConnectionConfig, protected readonly hooks: ConnectionHooks) {
    const s = config.settings;
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.streamHighWaterMark = config.streamHighWaterMark;
    this.decoder = new HpackDecoder(s.headerTableSize, s.maxHeaderListSize);
    this.sender = new Sender(socket, (fn) => this.guard(fn));
    this.keepalive = new Keepalive(config.keepaliveIntervalMs, config.keepaliveTimeoutMs, {
      ping: (payload) => { this.sender.out.ping(false, payload); this.sender.schedule(); },
      timedOut: (ms) => this.lost(new Error(`HTTP/2 peer ${this.remoteAddress} did not answer a keep-alive PING within ${ms} ms`)),
    });
    socket.onData = (chunk) => this.onSocketData(chunk);
    socket.onDrain = () => this.guard(() => this.sender.onSocketDrain());
    socket.onClose = (err) => this.onSocketClose(err);
  }

  protected abstract onSocketData(chunk: Uint8Array): void;

  /** Writes our preface (SETTINGS, then the connection window) and starts the timers. */
  protected start(preface?: Uint8Array): void {
    const out = this.sender.out;
    if (preface) out.raw(preface);
    out.settings(settingsPairs(this.config.settings, this.isClient));
    const extra = this.config.connectionWindowSize - DEFAULT_WINDOW;
    if (extra > 0) out.windowUpdate(0, extra);
    this.settingsTimer = setTimeout(() => this.guard(() => this.fail(H2Error.SETTINGS_TIMEOUT, `our SETTINGS were not acknowledged within ${SETTINGS_TIMEOUT_MS} ms`)), SETTINGS_TIMEOUT_MS);
    this.settingsTimer.unref?.();
    this.keepalive.start();
    this.sender.schedule();
  }

  /** The peer ACKed our SETTINGS. */
  protected settingsAckedNow(): void {
    clearTimeout(this.settingsTimer);
  }

  /** A stream left the table (a concurrency slot is free). */
  protected streamGone(_s: Stream): void {}
  /** The connection is finished; streams have been told. */
  protected finished(): void {}
  /** A paused stream was resumed: credit back what it consumed (connection.ts). */
  abstract resumed(s: Stream): void;

  writeHeaders(s: Stream, headers: HeaderList, endStream: boolean): void {
    if (this.dead) return;
    this.sender.out.headers(s.id, this.encoder.encode(headers), endStream, this.sender.maxFrameSize);
    this.sender.schedule();
  }

  localEndSent(s: Stream): void {
    if (s.remoteEnded) this.closeStream(s, false);
    else if (!this.isClient && !s.isReset) {
      // The response is complete before the request: ask the client to stop sending (§8.1).
      this.sender.out.rstStream(s.id, H2Error.NO_ERROR);
      s.discard();
      this.closeStream(s, true);
    }
  }

  resetByApp(s: Stream, code: number): void {
    if (s.id !== 0 && !this.dead) {
      this.sender.out.rstStream(s.id, code);
      this.sender.schedule();
    }
    s.discard();
    this.closeStream(s, true);
  }

  /** RST_STREAM for a stream error we found; the application hears onReset(code). */
  protected streamError(sid: number, code: number, s?: Stream): void {
    this.sender.out.rstStream(sid, code);
    this.owed();
    this.sender.schedule();
    if (s === undefined) {
      this.rememberClosed(sid, true);
      return;
    }
    s.discard();
    this.closeStream(s, true);
    s.onReset(code);
  }

  protected closeStream(s: Stream, byUs: boolean): void {
    if (s.id === 0) return this.streamGone(s);
    if (this.streams.get(s.id) !== s) return;
    this.streams.delete(s.id);
    this.rememberClosed(s.id, byUs);
    this.streamGone(s);
    this.maybeFinish();
  }

  protected rememberClosed(sid: number, byUs: boolean): void {
    this.recent.add(sid, byUs);
  }

  /** 1: reset by us, 0: closed otherwise, -1: not among the recent ones. */
  protected recentlyClosed(sid: number): number {
    return this.recent.find(sid);
  }

  protected recentlyResetByUs(sid: number): boolean {
    return this.recent.find(sid) === 1;
  }

  protected owed(): void {
    if (this.sender.owe() > MAX_CONTROL_DEBT) this.fail(H2Error.ENHANCE_YOUR_CALM, `over ${MAX_CONTROL_DEBT} frames owed to a peer that does not read (SETTINGS/PING/RST flood)`);
  }

  // ---- ending ----
  /** GOAWAY(NO_ERROR) with the last stream id; the connection closes once its streams are done. */
  shutdown(message = "shutting down"): void {
    if (this.dead || this.goawaySent) return;
    this.goawaySent = true;
    this.sender.out.goaway(this.lastPeerStreamId, H2Error.NO_ERROR, message);
    this.sender.schedule();
    this.maybeFinish();
  }

  protected maybeFinish(): void {
    if (!this.finishQueued && (this.goawaySent || this.goawayReceived) && this.streams.size === 0 && !this.dead) {
      // Not from inside a flush or a frame handler: after what they write has been written.
      this.finishQueued = true;
      queueMicrotask(() => {
        this.finishQueued = false;
        if (this.streams.size === 0 && !this.dead) this.guard(() => this.teardown(this.endCode));
      });
    }
  }

  /** A connection error: GOAWAY with the code and the last stream we processed, then close. */
  fail(code: H2ErrorCode, message: string): void {
    if (this.dead) return;
    this.sender.out.goaway(this.lastPeerStreamId, code, message);
    this.goawaySent = true;
    if (code !== H2Error.NO_ERROR) this.endCode = code;
    this.closeError ??= new Error(`HTTP/2 connection with ${this.remoteAddress} failed: ${errorName(code)}: ${message}`);
    this.teardown(this.endCode);
    this.hooks.onProtocolError?.(this.remoteAddress, code, `${errorName(code)}: ${message}`);
  }

  protected internalError(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (this.dead) return;
    this.fail(H2Error.INTERNAL_ERROR, `internal error: ${message}`);
  }

  protected guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.internalError(err);
    }
  }

  /** The peer is unreachable (keep-alive): close at once. */
  private lost(err: Error): void {
    if (this.dead) return;
    this.closeError ??= err;
    this.teardown(H2Error.CANCEL, true);
  }

  /** Closes at once; open streams hear onReset(CANCEL). */
  destroy(): void {
    if (!this.dead) this.teardown(H2Error.CANCEL, true);
  }

  /** Flushes what we wrote (a GOAWAY), closes the socket, and tells every open stream `code`. */
  protected teardown(code: number, hard = false): void {
    this.dead = true;
    clearTimeout(this.settingsTimer);
    this.keepalive.stop();
    const sender = this.sender;
    sender.batching = false;
    if (!hard) {
      try { sender.flush(); } catch { /* the socket is going anyway */ }
    }
    sender.close();
    const open = [...this.streams.values()];
    this.streams.clear();
    if (hard) this.socket.destroy();
    else {
      this.socket.end();
      this.lingerTimer = setTimeout(() => this.socket.destroy(), CLOSE_LINGER_MS);
      this.lingerTimer.unref?.();
    }
    for (const s of open) {
      s.discard();
      try { s.onReset(code); } catch { /* one stream's callback must not stop the others hearing */ }
    }
    this.finished();
  }

  private onSocketClose(err?: Error): void {
    if (!this.dead) this.teardown(this.endCode, true);
    clearTimeout(this.lingerTimer);
    if (this.closedNotified) return;
    this.closedNotified = true;
    this.hooks.onClosed?.(err ?? this.closeError);
  }
}
