// Request latencies in an HDR histogram (microsecond resolution, 3 significant digits), so the
// tail percentiles are exact to 0.1 % however many requests there are. The pure-JS build is used:
// it needs no async WebAssembly set-up and no explicit free, and records ~4 M values/s here.
import * as hdr from "hdr-histogram-js";

/** One hour in µs: a slower request is clamped here (and still counted). */
const HIGHEST_US = 3_600_000_000;

export interface LatencySummary {
  count: number;
  minMs: number;
  meanMs: number;
  stddevMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export class LatencyRecorder {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  recordMs(ms: number): void {
    this.h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
  }

  get count(): number {
    return this.h.totalCount;
  }

  summary(): LatencySummary {
    const h = this.h;
    const ms = (us: number) => (h.totalCount === 0 ? 0 : Math.round(us) / 1000);
    return {
      count: h.totalCount,
      minMs: ms(h.minNonZeroValue),
      meanMs: ms(h.mean),
      stddevMs: ms(h.stdDeviation),
      p50Ms: ms(h.getValueAtPercentile(50)),
      p90Ms: ms(h.getValueAtPercentile(90)),
      p99Ms: ms(h.getValueAtPercentile(99)),
      p999Ms: ms(h.getValueAtPercentile(99.9)),
      maxMs: ms(h.maxValue),
    };
  }
}
