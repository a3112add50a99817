// A global request-rate limit shared by all clients: slots on an absolute schedule, so timer
// lateness does not lower the achieved rate (a late client takes the slot it missed at once).
export class RateLimiter {
  private nextAt = 0;
  private readonly intervalMs: number;

  constructor(perSecond: number, private readonly now: () => number = () => performance.now()) {
    this.intervalMs = perSecond > 0 ? 1000 / perSecond : 0;
  }

  /** Milliseconds the caller must wait before sending; reserves the slot. */
  reserve(): number {
    if (this.intervalMs === 0) return 0;
    const t = this.now();
    // Idle time is not banked: no burst after a pause.
    const at = Math.max(this.nextAt, t);
    this.nextAt = at + this.intervalMs;
    return Math.max(0, at - t);
  }

  async wait(): Promise<void> {
    const ms = this.reserve();
    if (ms >= 1) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
