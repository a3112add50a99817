// Public surface of api/ for the node and the CLI.
export type { HeaderInfo, KvBackend, LeaseBackend, MemberInfo, StatusInfo } from "./backend.ts";
export { LeaseApi, LeaseService } from "./lease.ts";
export { LocalBackend, type LocalBackendOptions } from "./local-backend.ts";
export { type ClientServer, type ClientServerOptions, GRPC_OVERHEAD_BYTES, startClientServer } from "./server.ts";
export { ClusterService, KVService, MaintenanceService } from "./services.ts";
