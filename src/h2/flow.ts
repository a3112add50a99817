// The sending half of a connection: one frame buffer for everything the connection writes, the
// connection's send window, and the streams with DATA waiting. Nothing is written to the socket
// until flush(): at the end of the socket's data callback, or in a microtask for writes made
// outside it, so one event-loop turn costs one socket write. DATA is sent round-robin, one frame
// per stream per round, so one large body cannot hold the others back.
import { DEFAULT_WINDOW, FrameWriter, MIN_MAX_FRAME_SIZE } from "./frames.ts";
import type { ByteSocket } from "./types.ts";

/** A stream as the sender sees it. */
export interface SendStream {
  /** In the ready list (DATA or an end waiting, and room in its own window for DATA). */
  inReady: boolean;
  /** Sends at most one frame of what is queued (or the end of the stream); true to stay ready. */
  pumpOnce(sender: Sender): boolean;
  /** Called after the flush that brought the queue under its high-water mark. */
  fireDrain(): void;
}

/** DATA bytes put into one flush; more waits for the next turn so reads are not starved. */
const PUMP_BUDGET = 256 * 1024;

export class Sender {
  readonly out = new FrameWriter();
  /** The peer's connection-level window for our DATA. */
  connWindow = DEFAULT_WINDOW;
  /** The peer's SETTINGS_MAX_FRAME_SIZE. */
  maxFrameSize = MIN_MAX_FRAME_SIZE;
  /** False from a socket write that did not all go out until the socket drains. */
  writable = true;
  /** Inside the socket's data callback: the callback flushes once at its end. */
  batching = false;
  /** Frames we owe the peer (ACKs, resets) queued while the socket would not take more. */
  controlDebt = 0;
  closed = false;
  private scheduled = false;
  private continuing = false;
  private ready: SendStream[] = [];
  private spare: SendStream[] = [];
  private drained: SendStream[] = [];

  constructor(private readonly socket: ByteSocket, private readonly guard: (fn: () => void) => void) {}

  private readonly flushTask = (): void => {
    this.scheduled = false;
    this.guard(() => this.flush());
  };
  private readonly continueTask = (): void => {
    this.continuing = false;
    this.guard(() => this.flush());
  };

  /** Something was written or became sendable: flush in this turn. */
  schedule(): void {
    if (this.scheduled || this.batching || this.closed) return;
    this.scheduled = true;
    queueMicrotask(this.flushTask);
  }

  markReady(s: SendStream): void {
    if (s.inReady) return;
    s.inReady = true;
    this.ready.push(s);
    this.schedule();
  }

  /** Counts a frame that answers the peer while the socket is backed up; the caller acts on it. */
  owe(): number {
    return this.writable ? 0 : ++this.controlDebt;
  }

  queueDrain(s: SendStream): void {
    this.drained.push(s);
  }

  onSocketDrain(): void {
    this.writable = true;
    this.controlDebt = 0;
    this.flush();
  }

  flush(): void {
    if (this.closed) return;
    if (this.ready.length > 0 && this.writable) this.pump();
    const out = this.out;
    if (out.length > 0) {
      const ok = this.socket.write(out.take());
      out.recycle();
      if (!ok) this.writable = false;
    }
    if (this.drained.length > 0) {
      const list = this.drained;
      this.drained = [];
      for (let i = 0; i < list.length; i++) list[i]!.fireDrain();
    }
    if (this.ready.length > 0 && this.writable && this.connWindow > 0 && !this.continuing && !this.closed) {
      this.continuing = true;
      setImmediate(this.continueTask);
    }
  }

  private pump(): void {
    const out = this.out;
    let budget = PUMP_BUDGET;
    while (this.ready.length > 0 && budget > 0) {
      const round = this.ready;
      this.ready = this.spare;
      const before = out.length;
      for (let i = 0; i < round.length; i++) {
        const s = round[i]!;
        if (s.pumpOnce(this)) this.ready.push(s);
        else s.inReady = false;
      }
      round.length = 0;
      this.spare = round;
      const sent = out.length - before;
      if (sent === 0) break;
      budget -= sent;
    }
  }

  /** The connection is gone: nothing more is written. */
  close(): void {
    this.closed = true;
    this.ready.length = 0;
    this.drained.length = 0;
  }
}
