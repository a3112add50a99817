// The metrics part's public surface for the node shell.
export { Metrics, type MetricsOptions, type SnapshotOperation } from "./metrics.ts";
export { MetricsServer, healthJson, type MetricsServerOptions } from "./server.ts";
export { DEFAULT_HEALTH_POLICY, judgeHealth, Readiness, type HealthPolicy, type HealthVerdict } from "./health.ts";
export { ALL_METRICS, M, type MetricDefinition, type MetricType } from "./definitions.ts";
export type { MetricsSource, NodeSample, SnapshotTransfer } from "./source.ts";
