// Watches the gap between what was appended and what is durable, and says so once when it stays
// above the threshold for too long (and once more when it recovers), instead of on every check.
import type { Logger } from "./logger.ts";

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
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly policy: LagWarnPolicy,
    private readonly sample: () => LagSample,
    private readonly logger: Logger,
    private readonly onWarn: () => void,
    now: () => number,
  ) {
    const period = Math.max(5, Math.min(policy.afterMs / 4, 1000));
    this.timer = setInterval(() => this.check(now()), period);
    // A warning is not a reason to keep the process alive.
    this.timer.unref();
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
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
