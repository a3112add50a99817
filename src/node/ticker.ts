// Drives the core's logical clock. The next deadline is computed from performance.now(), not from
// setInterval's cadence, which drifts 45–80 ms over 2 s under load (research/runtime-facts.md §7).
//
// Lazily: the core says how many ticks may pass before one acts (Raft.ticksUntilDue), and the
// timer is set for that one only. The ticks before it are delivered, all that are owed, by
// catchUp() before every other input to the core, and by the timer when it fires. The core sees
// the same ticks in the same order as from a timer per tick, but an idle follower wakes about
// once per election timeout instead of once per tick: each wake-up costs ~60–80 µs of CPU on Bun.

/** The longest a lazy timer sleeps, in ticks, even when nothing is due (a learner). */
const MAX_LAZY_TICKS = 50;
/** How early a timer may fire and still count as on time. */
const EARLY_MS = 1;

export class Ticker {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Deadline of the first tick not delivered yet. */
  private next = 0;
  /** When the armed timer was set to fire. */
  private armedAt = Infinity;
  private stopped = true;

  /** `maxCatchUp`: most ticks delivered at once past a due tick's deadline after a stall
   *  (Infinity: all of them). `onLate`: how many ms after it was due the timer fired, the event
   *  loop's lag as heartbeats and election timers feel it, measured without a timer of its own.
   *  `dueIn`: ticks until one that acts (1: a timer per tick). */
  constructor(
    private readonly tickMs: number,
    private readonly onTick: (ticks: number) => void,
    private readonly maxCatchUp = 2,
    private readonly onLate?: (ms: number) => void,
    private readonly dueIn: () => number = () => 1,
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
    this.armedAt = Infinity;
  }

  /** Delivers the ticks whose deadlines passed, short of the one that acts (the timer delivers
   *  that one, so a stall's rule stays in one place). Call before every other input to the core. */
  catchUp(): void {
    if (this.stopped) return;
    const now = performance.now();
    if (now < this.next) return;
    const owed = Math.floor((now - this.next) / this.tickMs) + 1;
    const quiet = Math.min(owed, this.due() - 1);
    if (quiet <= 0) return;
    this.next += quiet * this.tickMs;
    this.onTick(quiet);
  }

  /** The core's next due tick may have moved earlier (a new leader heartbeats every tick, a
   *  client request waits on the clock): sets the timer sooner if it must fire sooner. */
  rearm(): void {
    if (!this.stopped && this.dueAt() < this.armedAt) this.arm();
  }

  private due(): number {
    return Math.max(1, Math.min(this.dueIn(), MAX_LAZY_TICKS));
  }

  private dueAt(): number {
    return this.next + (this.due() - 1) * this.tickMs;
  }

  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedAt = this.dueAt();
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(this.armedAt - performance.now())));
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const now = performance.now();
    this.onLate?.(Math.max(0, now - this.armedAt));
    const k = this.due();
    const dueAt = this.next + (k - 1) * this.tickMs;
    // Timers may fire a fraction of a millisecond early; a tick that moved moved by a whole tick.
    if (now + EARLY_MS < dueAt) {
      // Set for a tick that is no longer due (a heartbeat restarted the election clock).
      this.catchUp();
      this.arm();
      return;
    }
    // The ticks before the due one are delivered in full. Of the due one and those after it, a
    // stalled loop owes several: by default at most two come at once, so a stall does not turn
    // into a burst that makes a follower start an election it would not otherwise start. A
    // leader serving lease reads must count every tick, though: its lease is measured in ticks,
    // and dropping them would stretch the lease past the followers' election timeout.
    const late = Math.max(1, Math.floor((now - dueAt) / this.tickMs) + 1);
    if (late > this.maxCatchUp) {
      this.next = now + this.tickMs;
      this.onTick(k - 1 + this.maxCatchUp);
    } else {
      this.next += (k - 1 + late) * this.tickMs;
      this.onTick(k - 1 + late);
    }
    this.arm();
  }
}
