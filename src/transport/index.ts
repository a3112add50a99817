// The transport part's public surface for the node shell.
export { PeerTransport, type PeerTransportOptions } from "./peer-transport.ts";
export { InProcessNetwork, InProcessTransport } from "./in-process.ts";
export { clusterIdOf } from "./codec.ts";
export { defaultBackoff, memberBackoff, type ReconnectBackoff } from "./options.ts";
export type {
  LogFn,
  LogLevel,
  PeerAddress,
  ProgressFn,
  RefusalReason,
  SnapshotSink,
  SnapshotSource,
  Transport,
  TransportHandlers,
  TransportIdentity,
  TransportObserver,
} from "./types.ts";
export { noopObserver } from "./types.ts";
