// PINGs of one connection: keep-alive (a PING after an interval of silence from the peer, and the
// connection closed when no ACK comes back in time) and round-trip measurements for ping().
import { readU32 } from "./frames.ts";

export interface KeepaliveHost {
  /** Writes a PING with these 8 octets. */
  ping(payload: Uint8Array): void;
  /** No ACK came within the timeout. */
  timedOut(timeoutMs: number): void;
}

// The first octet tells our two kinds of PING apart in the ACK.
const KEEPALIVE = 0x6b; // "k"
const MEASURE = 0x6d; // "m"

interface Waiting {
  start: number;
  resolve(ms: number): void;
  reject(err: Error): void;
}

export class Keepalive {
  private last = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly payload = new Uint8Array([KEEPALIVE, 0x61, 0x6c, 0x69, 0x76, 0x65, 0, 0]);
  private seq = 0;
  private readonly measuring = new Map<number, Waiting>();
  private stopped = false;

  constructor(private readonly intervalMs: number, private readonly timeoutMs: number, private readonly host: KeepaliveHost) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.last = Date.now();
    this.arm(this.intervalMs);
  }

  /** Bytes arrived from the peer. */
  activity(): void {
    if (this.intervalMs > 0) this.last = Date.now();
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(this.tick, ms);
    this.timer.unref?.();
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const idle = Date.now() - this.last;
    if (idle < this.intervalMs) return this.arm(this.intervalMs - idle);
    this.host.ping(this.payload);
    this.ackTimer = setTimeout(() => this.host.timedOut(this.timeoutMs), this.timeoutMs);
    this.ackTimer.unref?.();
  };

  /** A PING ACK with the 8 octets at b[start]. */
  acked(b: Uint8Array, start: number): void {
    if (b[start] === KEEPALIVE) {
      if (this.ackTimer === undefined) return;
      clearTimeout(this.ackTimer);
      this.ackTimer = undefined;
      this.last = Date.now();
      this.arm(this.intervalMs);
    } else if (b[start] === MEASURE) {
      const id = readU32(b, start + 4);
      const w = this.measuring.get(id);
      if (w === undefined) return;
      this.measuring.delete(id);
      w.resolve(performance.now() - w.start);
    }
  }

  /** Sends a PING and resolves with its round trip in ms. */
  measure(): Promise<number> {
    if (this.stopped) return Promise.reject(new Error("the HTTP/2 connection is closed"));
    const id = (this.seq = (this.seq + 1) >>> 0);
    const payload = new Uint8Array([MEASURE, 0, 0, 0, id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);
    return new Promise<number>((resolve, reject) => {
      this.measuring.set(id, { start: performance.now(), resolve, reject });
      this.host.ping(payload);
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.ackTimer);
    const err = new Error("the HTTP/2 connection closed before the PING was answered");
    for (const w of this.measuring.values()) w.reject(err);
    this.measuring.clear();
  }
}
