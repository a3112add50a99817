// Drives the core's logical clock. The next deadline is computed from performance.now(), not from
// setInterval's cadence, which drifts 45–80 ms over 2 s under load (research/runtime-facts.md §7).
export class Ticker {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private next = 0;
  private stopped = true;

  /** `maxCatchUp`: most owed ticks delivered at once after a stall (Infinity: all of them).
   *  `onLate`: how many ms after its deadline each tick fired. That is the event loop's lag as
   *  heartbeats and election timers feel it, measured without a timer of its own: every extra
   *  timer wake-up costs an idle member CPU. */
  constructor(
    private readonly tickMs: number,
    private readonly onTick: (ticks: number) => void,
    private readonly maxCatchUp = 2,
    private readonly onLate?: (ms: number) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.next = performance.now() + this.tickMs;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = setTimeout(() => this.fire(), Math.max(0, this.next - performance.now()));
  }

  private fire(): void {
    if (this.stopped) return;
    const now = performance.now();
    this.onLate?.(Math.max(0, now - this.next));
    // A late timer owes several ticks. By default deliver at most two at once: a stalled loop
    // must not turn into a burst that makes a follower start an election it would not otherwise
    // start. A leader serving lease reads must count every tick, though: its lease is measured in
    // ticks, and dropping them would stretch the lease past the followers' election timeout.
    let due = Math.floor((now - this.next) / this.tickMs) + 1;
    if (due > this.maxCatchUp) {
      due = this.maxCatchUp;
      this.next = now;
    }
    this.next += due * this.tickMs;
    this.onTick(due);
    this.arm();
  }
}
