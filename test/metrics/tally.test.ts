import { test } from "node:test";
import assert from "node:assert/strict";
import { Counter, Histogram, Registry } from "prom-client";
import { TallyCounter, TallyHistogram } from "../../src/metrics/tally.ts";

const BUCKETS = [0.001, 0.005, 0.01, 0.1];

test("a tally exports exactly the text prom-client's own counter and histogram export for the same events", async () => {
  const theirs = new Registry();
  const ours = new Registry();
  const c1 = new Counter({ name: "calls_total", help: "calls", labelNames: ["method", "code"], registers: [theirs] });
  const h1 = new Histogram({ name: "call_seconds", help: "time", labelNames: ["method"], buckets: BUCKETS, registers: [theirs] });
  const c2 = new TallyCounter("calls_total", "calls", ["method", "code"], ours);
  const h2 = new TallyHistogram("call_seconds", "time", ["method"], BUCKETS, ours);
  // Values on, between, below and above the bounds, over two series each.
  const events: [string, string, number][] = [["Put", "OK", 0.0005], ["Put", "OK", 0.001], ["Range", "Unavailable", 0.007], ["Put", "OK", 0.5], ["Range", "OK", 0.1], ["Put", "Unknown", 0]];
  for (const [method, code, seconds] of events) {
    c1.labels(method, code).inc();
    c2.labels(method, code).inc();
    h1.labels(method).observe(seconds);
    h2.labels(method).observe(seconds);
  }
  c1.labels("Put", "OK").inc(5);
  c2.labels("Put", "OK").inc(5);
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test("a series is made on first use and the wrong number of label values is refused", () => {
  const r = new Registry();
  const c = new TallyCounter("x_total", "x", ["a", "b"], r);
  assert.equal(c.labels("1", "2"), c.labels("1", "2"));
  assert.throws(() => c.labels("1"), /1 label values for 2 labels/);
});
