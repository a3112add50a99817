// The storage part's public API (DESIGN.md, "storage/ — persistence strategies").
export { StorageError, type StorageErrorCode } from "./errors.ts";
export type { LogStore, HardStateStore } from "./log-store.ts";
export type { LagWarnPolicy } from "./flush-lag.ts";
export { COMMIT_MS_BUCKETS, type StorageStats } from "./stats.ts";
export { openDataDir, type DataDir, type OpenDataDirOptions } from "./data-dir.ts";
export { inspectDataDir, type DataDirReport, type SnapshotReport } from "./inspect.ts";
export { MARKER_FILE, DATA_FORMAT_VERSION, checkIdentity, hexId, readMarker, type ClusterIdentity, type DataMarker } from "./marker.ts";
export { LOG_DB_FILE } from "./schema.ts";
export { LOCK_FILE } from "./dir-lock.ts";
export {
  SnapshotStore,
  holdsImage,
  SNAPSHOT_DIR,
  DEFAULT_CHUNK_BYTES,
  type SnapshotInfo,
  type SnapshotWriter,
  type NewSnapshot,
} from "./snapshot-store.ts";
export { SNAPSHOT_FORMAT_VERSION, type SnapshotHeader } from "./snapshot-format.ts";
