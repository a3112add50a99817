// Counters and histograms for series that change on every client call or peer message. A
// prom-client child hashes its labels, validates them and looks the series up on every inc() or
// observe() (0.3–0.9 µs each: more than a tenth of a unary call's whole cost). Here a child is
// looked up once by its label values and holds plain numbers; the registry reads them only when
// it is scraped, through the same interface prom-client's own metrics offer it.
import type { Registry } from "prom-client";

type Labels = Record<string, string>;
interface Exported {
  labels: Labels;
  value: number;
  metricName?: string;
}
interface MetricData {
  name: string;
  help: string;
  type: "counter" | "histogram";
  aggregator: "sum";
  values: Exported[];
}

abstract class Tally<Child> {
  protected readonly children = new Map<string, { labels: Labels; child: Child }>();
  readonly aggregator = "sum";

  constructor(
    readonly name: string,
    readonly help: string,
    protected readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series with these label values (in `labelNames` order), made on first use. */
  labels(...values: string[]): Child {
    const key = values.join("\u0000");
    let slot = this.children.get(key);
    if (slot === undefined) {
      if (values.length !== this.labelNames.length) throw new Error(`${this.name}: ${values.length} label values for ${this.labelNames.length} labels`);
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => { labels[n] = values[i]!; });
      slot = { labels, child: this.make() };
      this.children.set(key, slot);
    }
    return slot.child;
  }

  protected abstract make(): Child;
  abstract get(): MetricData;

  reset(): void {
    this.children.clear();
  }
}

export interface CounterChild {
  value: number;
  inc(n?: number): void;
}

export class TallyCounter extends Tally<CounterChild> {
  readonly type = "counter";

  protected make(): CounterChild {
    return { value: 0, inc(n = 1) { this.value += n; } };
  }

  get(): MetricData {
    const values = [...this.children.values()].map(({ labels, child }) => ({ labels, value: child.value }));
    return { name: this.name, help: this.help, type: "counter", aggregator: "sum", values };
  }
}

export interface HistogramChild {
  observe(v: number): void;
}

class Buckets implements HistogramChild {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    const b = this.bounds;
    // Per-bucket counts (made cumulative at export): the first bound ≥ v, none when above all.
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) { this.counts[i]!++; return; }
    }
  }
}

export class TallyHistogram extends Tally<HistogramChild> {
  readonly type = "histogram";

  constructor(name: string, help: string, labelNames: readonly string[], private readonly bounds: readonly number[], registry: Registry) {
    super(name, help, labelNames, registry);
  }

  protected make(): HistogramChild {
    return new Buckets(this.bounds);
  }

  get(): MetricData {
    const values: Exported[] = [];
    for (const { labels, child } of this.children.values()) {
      const b = child as Buckets;
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += b.counts[i]!;
        values.push({ labels: { le: String(le), ...labels }, value: acc, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: "+Inf", ...labels }, value: b.count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: b.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: b.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: "histogram", aggregator: "sum", values };
  }
}
