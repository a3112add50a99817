// A raw HTTP/2 "peer" for the transport tests: it accepts a plane's outgoing connection, sends an
// empty SETTINGS (so the client's handshake completes), ACKs what needs an ACK and records every
// frame the client sends, with the time it arrived. Tests read the client's SETTINGS, its
// connection WINDOW_UPDATE and its keep-alive PINGs off the wire (after decryption, over TLS).
import { Buffer } from "node:buffer";
import * as net from "node:net";
import * as tls from "node:tls";
import assert from "node:assert/strict";
import { Flag, FrameType, PREFACE, readU32, SettingId } from "../../src/h2/frames.ts";
import { frameBytes, parseSettings } from "../h2/raw.ts";

export interface SeenFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
  at: number;
}

export class RawPeer {
  readonly frames: SeenFrame[] = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private waiters: (() => void)[] = [];
  port = 0;

  /** With `tls`, a node:tls server (ALPN h2) with these options, so the frames are read decrypted. */
  constructor(private readonly answerPings = true, tlsOptions?: tls.TlsOptions) {
    this.server = tlsOptions
      ? tls.createServer({ ALPNProtocols: ["h2"], ...tlsOptions }, (s) => this.accept(s))
      : net.createServer((s) => this.accept(s));
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, "127.0.0.1", () => {
      this.port = (this.server.address() as net.AddressInfo).port;
      resolve(this.port);
    }));
  }

  private accept(sock: net.Socket): void {
    this.sockets.add(sock);
    sock.on("error", () => {});
    sock.on("close", () => this.sockets.delete(sock));
    sock.write(Buffer.from(frameBytes(FrameType.SETTINGS, 0, 0)));
    let buf = Buffer.alloc(0);
    let prefaceSeen = false;
    sock.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!prefaceSeen) {
        if (buf.length < PREFACE.length) return;
        prefaceSeen = true;
        buf = buf.subarray(PREFACE.length);
      }
      while (buf.length >= 9) {
        const len = (buf[0]! << 16) | (buf[1]! << 8) | buf[2]!;
        if (buf.length < 9 + len) break;
        const f: SeenFrame = { type: buf[3]!, flags: buf[4]!, streamId: readU32(buf, 5) & 0x7fffffff, payload: new Uint8Array(buf.subarray(9, 9 + len)), at: performance.now() };
        buf = buf.subarray(9 + len);
        this.frames.push(f);
        if (f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0) sock.write(Buffer.from(frameBytes(FrameType.SETTINGS, Flag.ACK, 0)));
        if (f.type === FrameType.PING && (f.flags & Flag.ACK) === 0 && this.answerPings) sock.write(Buffer.from(frameBytes(FrameType.PING, Flag.ACK, 0, f.payload)));
      }
      const w = this.waiters;
      this.waiters = [];
      for (const fn of w) fn();
    });
  }

  /** The first recorded frame matching `pred`; rejects naming `what` after `ms`. */
  waitFor(pred: (f: SeenFrame) => boolean, what: string, ms = 5000): Promise<SeenFrame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; got frame types ${this.frames.map((f) => f.type).join(",") || "none"}`)), ms);
      const check = () => {
        const f = this.frames.find(pred);
        if (f) {
          clearTimeout(timer);
          resolve(f);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** Each plane's client, as its RawPeer saw it: SETTINGS (push off, the plane's concurrent streams,
 *  stream window and frame size, in `want` order: control, data, bulk) and a connection
 *  WINDOW_UPDATE raising the window to the plane's size. */
export async function assertPlaneSettings(peers: RawPeer[], want: [streams: number, window: number, frame: number][], who: string): Promise<void> {
  for (const [i, p] of peers.entries()) {
    const s = parseSettings((await p.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0, `${who}'s SETTINGS`)).payload);
    assert.equal(s.get(SettingId.ENABLE_PUSH), 0);
    assert.equal(s.get(SettingId.MAX_CONCURRENT_STREAMS), want[i]![0]);
    assert.equal(s.get(SettingId.INITIAL_WINDOW_SIZE), want[i]![1]);
    assert.equal(s.get(SettingId.MAX_FRAME_SIZE), want[i]![2]);
    const wu = await p.waitFor((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 0, `${who}'s connection WINDOW_UPDATE`);
    assert.equal(readU32(wu.payload, 0), want[i]![1] - 65_535);
  }
}

