// Watches the gap between what was appended and what is durable, and says so once when it stays
// above the threshold for too long (and once more when it recovers), instead of on every check.
// The lag can only rise when entries arrive, so appends poke the monitor and its timer runs only
// while the lag is above the threshold: an idle member does not wake up for it (a timer wake-up
// costs ~80 µs of CPU on Bun; a 25 ms check was 40 of them a second on every MemFirst member).
import type { LogFn } from "../log/log.ts";

export interface LagSample {
  entries: number;
  oldestUnflushedAgeMs: number;
}

export interface LagWarnPolicy {
  /** Warn when more than this many entries are unflushed ... */
  entries: number;
  /** ... continuously for longer than this. */
  afterMs: number;
}

export class FlushLagMonitor {
  private aboveSince: number | undefined;
  private warned = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private readonly period: number;

  constructor(
    private readonly policy: LagWarnPolicy,
    private readonly sample: () => LagSample,
    private readonly logger: LogFn,
    private readonly onWarn: () => void,
    private readonly now: () => number,
  ) {
    this.period = Math.max(5, Math.min(policy.afterMs / 4, 1000));
  }

  /** Called after entries were appended, with the unflushed count. */
  poke(unflushedEntries: number): void {
    if (this.timer !== undefined || this.stopped || unflushedEntries <= this.policy.entries) return;
    this.check(this.now());
    this.timer = setInterval(() => this.check(this.now()), this.period);
    // A warning is not a reason to keep the process alive.
    this.timer.unref();
  }

  /** True while the periodic check runs (the lag is above the threshold). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  check(now: number): void {
    const lag = this.sample();
    if (lag.entries > this.policy.entries) {
      this.aboveSince ??= now;
      if (!this.warned && now - this.aboveSince > this.policy.afterMs) {
        this.warned = true;
        this.onWarn();
        this.logger("warn", "storage flush lag is above its threshold", {
          unflushedEntries: lag.entries,
          oldestUnflushedAgeMs: Math.round(lag.oldestUnflushedAgeMs),
          thresholdEntries: this.policy.entries,
          forMs: Math.round(now - this.aboveSince),
        });
      }
    } else {
      if (this.warned) this.logger("info", "storage flush lag is back under its threshold", { unflushedEntries: lag.entries });
      this.aboveSince = undefined;
      this.warned = false;
      this.disarm();
    }
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
