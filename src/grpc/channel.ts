// A client channel to one address: at most one HTTP/2 connection, made on demand and again after
// it is lost, with exponential backoff (±20 % jitter) between failed attempts, like grpc-js's
// subchannel. Calls wait for a connection only when they ask to (waitForReady); otherwise a call
// made while the peer is unreachable fails UNAVAILABLE at once, which is what the Raft planes want.
import { connectH2 } from "../h2/client.ts";
import type { H2ClientConnection, H2ClientOptions } from "../h2/types.ts";

export type ChannelState = "idle" | "connecting" | "ready" | "transient-failure" | "shutdown";

export interface ChannelOptions {
  host: string;
  port: number;
  h2?: Omit<H2ClientOptions, "host" | "port">;
  backoff?: { initialMs: number; maxMs: number };
  /** Called on every state change (reachability, metrics). */
  onState?: (state: ChannelState) => void;
  /** SO_KEEPALIVE on each new connection's socket, probing after this many ms of idle (0: off). */
  tcpKeepAliveMs?: number;
}

interface Waiter {
  resolve(conn: H2ClientConnection): void;
  reject(err: Error): void;
}

export class GrpcChannel {
  private conn: H2ClientConnection | undefined;
  private state_: ChannelState = "idle";
  private attempt: Promise<void> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private backoffMs: number;
  /** When the attempt in progress (or the last one) started. */
  private attemptStartedAt = 0;
  private lastError: Error | undefined;
  private readonly waiters = new Set<Waiter>();

  constructor(readonly opts: ChannelOptions) {
    this.backoffMs = opts.backoff?.initialMs ?? 100;
  }

  get state(): ChannelState {
    return this.state_;
  }

  get target(): string {
    return `${this.opts.host}:${this.opts.port}`;
  }

  /** Starts connecting if idle (the planes are pre-warmed). */
  connect(): void {
    if (this.state_ === "idle") this.dial();
  }

  /** The connection now, or undefined while there is none (starting an attempt if idle). */
  current(): H2ClientConnection | undefined {
    if (this.conn && !this.conn.closed) return this.conn;
    this.connect();
    return undefined;
  }

  /** The connection, waiting up to `untilMs` (an absolute Date.now() time) for one. */
  ready(untilMs: number): Promise<H2ClientConnection> {
    const now = this.current();
    if (now) return Promise.resolve(now);
    if (this.state_ === "shutdown") return Promise.reject(new Error(`channel to ${this.target} is closed`));
    return new Promise<H2ClientConnection>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`no connection to ${this.target} within the deadline${this.lastError ? ` (${this.lastError.message})` : ""}`));
      }, Math.max(0, untilMs - Date.now()));
      const w: Waiter = {
        resolve: (c) => { clearTimeout(timer); resolve(c); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      this.waiters.add(w);
    });
  }

  /** Why the last attempt failed, for error messages. */
  get failure(): string {
    return this.lastError?.message ?? "not connected";
  }

  close(): void {
    if (this.state_ === "shutdown") return;
    this.setState("shutdown");
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.conn?.close();
    this.conn = undefined;
    for (const w of this.waiters) w.reject(new Error(`channel to ${this.target} is closed`));
    this.waiters.clear();
  }

  /** Drops the connection and dials a new one at once: the peer stopped answering on it (a
   *  stream stuck past its deadline). After a network heals, a connection whose packets were
   *  lost waits out TCP's retransmission backoff (seconds after a long cut) before anything
   *  moves again, while a new connection goes through at once. */
  reconnect(reason: string): void {
    const conn = this.conn;
    if (conn === undefined || this.state_ === "shutdown") return;
    this.lost(conn, new Error(reason));
    conn.destroy();
  }

  private setState(s: ChannelState): void {
    if (this.state_ === s) return;
    this.state_ = s;
    this.opts.onState?.(s);
  }

  private dial(): void {
    if (this.attempt || this.state_ === "shutdown") return;
    this.setState("connecting");
    this.attemptStartedAt = performance.now();
    this.attempt = connectH2({ ...this.opts.h2, host: this.opts.host, port: this.opts.port, tcpKeepAliveMs: this.opts.tcpKeepAliveMs }).then(
      (conn) => {
        this.attempt = undefined;
        if (this.state_ === "shutdown") { conn.destroy(); return; }
        this.conn = conn;
        this.backoffMs = this.opts.backoff?.initialMs ?? 100;
        this.lastError = undefined;
        conn.onGoaway = () => this.lost(conn, new Error(`${this.target} sent GOAWAY`));
        conn.onClose = (err) => this.lost(conn, err ?? new Error(`connection to ${this.target} closed`));
        this.setState("ready");
        for (const w of this.waiters) w.resolve(conn);
        this.waiters.clear();
      },
      (err: Error) => {
        this.attempt = undefined;
        this.lastError = err;
        if (this.state_ === "shutdown") return;
        this.setState("transient-failure");
        this.scheduleRetry();
      },
    );
  }

  private lost(conn: H2ClientConnection, err: Error): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    this.lastError = err;
    if (this.state_ === "shutdown") return;
    // Peer links are meant to stay up: redial at once (backoff applies only to failed attempts).
    this.setState("idle");
    this.dial();
  }

  private scheduleRetry(): void {
    const max = this.opts.backoff?.maxMs ?? 2000;
    const jitter = 1 + (Math.random() * 0.4 - 0.2);
    // As gRPC's connection backoff: attempts start at most one backoff apart, so an attempt that
    // used up its connect timeout (a black-holed SYN) is followed by the next one at once.
    const wait = Math.max(0, Math.round(this.backoffMs * jitter - (performance.now() - this.attemptStartedAt)));
    this.backoffMs = Math.min(max, this.backoffMs * 1.6);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state_ === "transient-failure") this.dial();
    }, wait);
  }
}
