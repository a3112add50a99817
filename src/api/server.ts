// The etcd v3 client port: KV, Watch, Lease, Maintenance (Status, Snapshot, ...) and Cluster
// on our gRPC server (src/grpc), against a KvBackend. Validation follows etcd's v3rpc layer; everything stateful
// is the backend's.
import { GrpcServer, type GrpcServerOptions } from "../grpc/server.ts";
import { GrpcStatus, type StatusObject } from "../grpc/status.ts";
import type { MethodDefinition, StreamHandler, UnaryHandler } from "../grpc/types.ts";
import type { H2ServerTls } from "../h2/types.ts";
import { dirname } from "node:path";
import type { LimitsSection } from "../config/types.ts";
import { EtcdError, Errors, StatusCode } from "../kv/errors.ts";
import { isTxnReadOnly, isTxnSerializable } from "../kv/txn.ts";
import type { InternalRequest, WriteResponse } from "../kv/types.ts";
import { checkDeleteRequest, checkPutRequest, checkRangeRequest, checkTxnRequest } from "../kv/validate.ts";
import type { KvBackend, MemberInfo } from "./backend.ts";
import { ClusterService, type Decoded, KVService, MaintenanceService } from "./services.ts";
import type { WatchHubOptions } from "../kv/watch.ts";
import { createWatchServer, WatchService } from "./watch.ts";
import { LeaseApi, LeaseService } from "./lease.ts";
import { alarm } from "./alarm.ts";
import { createSnapshotService, sweepBackupTemps } from "./snapshot.ts";
import { type AuthOptions, startAuth } from "./auth-service.ts";
import { clientPortHttp } from "./http-routes.ts";

/** etcd lets a gRPC message exceed --max-request-bytes by this much, so that a request just
 *  over the limit gets etcd's own "request is too large" rather than a transport error
 *  (etcd server/etcdserver/api/v3rpc/grpc.go, grpcOverheadBytes). */
export const GRPC_OVERHEAD_BYTES = 512 * 1024;

export interface ClientServerOptions {
  /** "host:port"; port 0 picks a free one. */
  address: string;
  backend: KvBackend;
  /** The space quota is the node's (node/quota.ts), not this port's. */
  limits: Omit<LimitsSection, "quota_backend_bytes" | "space_reserve_mib">;
  /** Tokens and password hashing of the Auth service (`[auth]`); etcd's defaults otherwise. */
  auth?: Partial<AuthOptions>;
  /** Watch tuning (progress interval, slow-client cap, leader check period); etcd's defaults
   *  otherwise. */
  watch?: WatchHubOptions & { leaderCheckMs?: number };
  /** Maintenance.Snapshot tuning: blob bytes per message, rows per copy step. */
  snapshot?: { chunkBytes?: number; rowsPerStep?: number };
  /** Every client call once it ended (the handled-calls metric). */
  onCallHandled?: GrpcServerOptions["onHandled"];
  /** Every client call as it starts (grpc_server_started_total). */
  onCallStarted?: GrpcServerOptions["onStarted"];
  /** Client message bytes each way (etcd_network_client_grpc_*_bytes_total). */
  onMessageBytes?: GrpcServerOptions["onMessageBytes"];
  /** The Prometheus text for GET /metrics on this port, as etcd serves it; absent: 404. */
  metricsText?: () => Promise<{ contentType: string; body: string }>;
  /** TLS on the port (`[tls.client]`); absent: plaintext. */
  tls?: H2ServerTls;
}

export interface ClientServer {
  readonly port: number;
  /** Open Watch streams and watchers (for the metrics). */
  watchCounts(): { streams: number; watchers: number };
  /** Stops accepting, lets calls in flight finish for up to `graceMs`, then cuts the rest. */
  close(graceMs?: number): Promise<void>;
}

type Handler<Req, Res> = (req: Req, size: number) => Res | Promise<Res>;

function toStatus(err: unknown): StatusObject {
  if (err instanceof EtcdError) return { code: err.code, details: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: GrpcStatus.UNKNOWN, details: message };
}

/** Adapts a handler that returns or throws into the server's callback style; a request that did
 *  not decode is answered INVALID_ARGUMENT and the server keeps serving. */
function unary<Req, Res>(
  def: MethodDefinition<Decoded<Req>, Res>,
  fn: Handler<Req, Res>,
): UnaryHandler<Decoded<Req>, Res> {
  return (call, callback) => {
    const d = call.request;
    if (!d.ok) {
      callback({ code: StatusCode.INVALID_ARGUMENT, details: `${def.path}: malformed request (${d.error})` });
      return;
    }
    let out: Res | Promise<Res>;
    try {
      out = fn(d.msg, d.size);
    } catch (err) {
      callback(toStatus(err));
      return;
    }
    if (out instanceof Promise) out.then((r) => callback(null, r), (err) => callback(toStatus(err)));
    else callback(null, out);
  };
}

function expect<K extends WriteResponse["op"]>(r: WriteResponse, op: K): Extract<WriteResponse, { op: K }> {
  if (r.op !== op) throw new Error(`backend answered a ${op} request with a ${r.op} response`);
  return r as Extract<WriteResponse, { op: K }>;
}

const toMember = (m: MemberInfo) => ({
  ID: m.id,
  name: m.name,
  peerURLs: m.peerURLs,
  clientURLs: m.clientURLs,
  isLearner: m.isLearner,
});

/** The client port's HTTP/2 settings. etcd leaves concurrent streams unlimited; a bound keeps one
 *  connection from holding unbounded state, and 1,024 is far above what a client multiplexes. A
 *  1 MiB stream window takes a request of etcd's 1.5 MiB default limit in two round trips. */
const CLIENT_PORT_H2 = {
  settings: { maxConcurrentStreams: 1024, initialWindowSize: 1 << 20, maxHeaderListSize: 64 * 1024 },
  connectionWindowSize: 16 << 20,
  keepaliveIntervalMs: 0,
};

/** "host:port", "[v6]:port"; port 0 picks a free one. */
function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`client API: "${address}" is not host:port`);
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ""), port };
}

export async function startClientServer(opts: ClientServerOptions): Promise<ClientServer> {
  const { backend, limits } = opts;
  const store = backend.store;
  const header = (revision: number) => {
    const h = backend.header();
    return { clusterId: h.clusterId, memberId: h.memberId, revision, raftTerm: h.raftTerm };
  };
  const checkSize = (size: number) => {
    if (size > limits.max_request_bytes) throw Errors.requestTooLarge();
  };
  // Users, tokens and the rules every call passes once auth is enabled (auth-guard.ts).
  const auth = startAuth(backend, opts.auth);
  const write = (req: InternalRequest) => backend.write(auth.guard.stamp(req));
  const unimplemented = (what: string) =>
    new EtcdError(StatusCode.UNIMPLEMENTED, `trireme: ${what} is not supported yet`);

  // etcd's learners serve Status and serializable Range only; every other call (MemberList
  // aside, see below) is refused with UNAVAILABLE so that clients move on to another endpoint.
  const learner = () => backend.isLearner?.() === true;
  const voterOnly = <Req, Res>(fn: Handler<Req, Res>): Handler<Req, Res> => (req, size) => {
    if (learner()) throw Errors.notSupportedForLearner();
    return fn(req, size);
  };
  const voterOnlyStream = <Req, Res>(handler: StreamHandler<Req, Res>): StreamHandler<Req, Res> => (call) => {
    if (!learner()) return handler(call);
    const e = Errors.notSupportedForLearner();
    call.emit("error", { code: e.code, details: e.message });
  };

  // The store answers with the revision only; the cluster part of the header is this port's.
  const withHeader = <R extends { header: { revision: number } }>(r: R) => ({ ...r, header: header(r.header.revision) });
  const rangeNow = (req: Parameters<typeof store.range>[0]) => withHeader(store.range(req));
  /** A KV change: checked here, proposed through Raft, answered once applied. */
  const change = <Req, Res extends { header: { revision: number } }>(check: (req: Req) => void, propose: (req: Req) => Promise<Res>) =>
    voterOnly((req: Req, size) => {
      check(req);
      checkSize(size);
      return propose(req).then(withHeader);
    });

  // HTTP/1.1 and non-gRPC h2 requests: health, version, metrics and the JSON gateway.
  const http = clientPortHttp({ backend, grpc: () => server, metricsText: opts.metricsText, maxRequestBytes: limits.max_request_bytes });
  const server: GrpcServer = new GrpcServer({
    maxReceiveMessageBytes: limits.max_request_bytes + GRPC_OVERHEAD_BYTES,
    h2: opts.tls ? { ...CLIENT_PORT_H2, tls: opts.tls } : CLIENT_PORT_H2,
    onHandled: opts.onCallHandled,
    onStarted: opts.onCallStarted,
    onMessageBytes: opts.onMessageBytes,
    onHttp1: http.onHttp1,
    onHttp: http.onHttp,
  });
  auth.guard.wrapServices(server);

  // Watches are served from this member's applied state (the hub listens to backend.store).
  const watch = createWatchServer({
    store,
    header,
    maxRequestBytes: limits.max_request_bytes,
    hub: opts.watch,
    leader: () => backend.status().leader,
    leaderCheckMs: opts.watch?.leaderCheckMs,
    authorizeCreate: auth.guard.watchCreate,
  });
  server.addService(WatchService, { watch: voterOnlyStream(watch.handler) });
  server.addService(KVService, {
    range: unary(KVService.Range, (req) => {
      checkRangeRequest(req);
      if (!req.serializable && learner()) throw Errors.notSupportedForLearner();
      if (req.serializable) return rangeNow(req);
      return backend.readBarrier().then(() => rangeNow(req));
    }),
    put: unary(KVService.Put, change(checkPutRequest, (req) => write({ put: req }).then((r) => expect(r, "put").put))),
    deleteRange: unary(KVService.DeleteRange, change(checkDeleteRequest, (req) => write({ deleteRange: req }).then((r) => expect(r, "deleteRange").deleteRange))),
    txn: unary(KVService.Txn, voterOnly((req, size) => {
      checkTxnRequest(req, limits.max_txn_ops);
      if (isTxnReadOnly(req)) {
        const local = () => withHeader(store.readTxn(req));
        return isTxnSerializable(req) ? local() : backend.readBarrier().then(local);
      }
      checkSize(size);
      return write({ txn: req }).then((r) => withHeader(expect(r, "txn").txn));
    })),
    compact: unary(KVService.Compact, voterOnly((req) =>
      write({ compaction: req }).then((r) => ({ header: header(expect(r, "compaction").compaction.header.revision) })))),
  });

  const lease = new LeaseApi(backend, header);
  server.addService(LeaseService, {
    leaseGrant: unary(LeaseService.LeaseGrant, voterOnly((req) => lease.grant(req))),
    leaseRevoke: unary(LeaseService.LeaseRevoke, voterOnly((req) => lease.revoke(req))),
    leaseTimeToLive: unary(LeaseService.LeaseTimeToLive, voterOnly((req) => lease.timeToLive(req))),
    leaseLeases: unary(LeaseService.LeaseLeases, voterOnly(() => lease.list())),
    leaseKeepAlive: voterOnlyStream(lease.keepAlive),
  });

  // Backups in flight when a previous process died left their temporary images behind.
  sweepBackupTemps(dirname(store.path));
  const snapshot = createSnapshotService({ store, header, ...opts.snapshot });
  server.addService(MaintenanceService, {
    snapshot: voterOnlyStream(snapshot.handler),
    hash: unary(MaintenanceService.Hash, voterOnly(() => {
      const h = store.hash();
      return { header: header(h.revision), hash: h.hash };
    })),
    hashKV: unary(MaintenanceService.HashKV, voterOnly((req) => {
      const h = store.hashKv(req.revision ?? 0);
      return { header: header(h.revision), hash: h.hash, compactRevision: Math.max(0, h.compactRevision) };
    })),
    defragment: unary(MaintenanceService.Defragment, voterOnly(async () => {
      await store.defragment();
      return { header: header(store.revision) };
    })),
    moveLeader: unary(MaintenanceService.MoveLeader, voterOnly((req) => {
      if (!backend.moveLeader) throw unimplemented("MoveLeader");
      return backend.moveLeader(req.targetID ?? 0).then(() => ({ header: header(store.revision) }));
    })),
    alarm: unary(MaintenanceService.Alarm, voterOnly((req) => alarm(backend, header, req))),
    status: unary(MaintenanceService.Status, () => {
      const s = backend.status();
      const db = store.dbSize();
      return {
        header: header(store.revision),
        version: s.version,
        dbSize: db.size,
        leader: s.leader,
        raftIndex: s.raftIndex,
        raftTerm: s.raftTerm,
        raftAppliedIndex: s.raftAppliedIndex,
        errors: s.errors,
        dbSizeInUse: db.inUse,
        isLearner: s.isLearner,
      };
    }),
  });

  server.addService(ClusterService, {
    // Unlike etcd, a learner answers MemberList: promoting a member added by URL asks it for the
    // name in its config.toml (membership.ts, learnName), and the list is local, read-only data.
    memberList: unary(ClusterService.MemberList, () => ({ header: header(store.revision), members: backend.members().map(toMember) })),
    memberAdd: unary(ClusterService.MemberAdd, voterOnly((req) => {
      if (!backend.memberAdd) throw unimplemented("MemberAdd");
      return backend.memberAdd(req.peerURLs ?? [], req.isLearner === true).then((r) => ({
        header: header(store.revision),
        member: toMember(r.member),
        members: r.members.map(toMember),
      }));
    })),
    memberRemove: unary(ClusterService.MemberRemove, voterOnly((req) => {
      if (!backend.memberRemove) throw unimplemented("MemberRemove");
      return backend.memberRemove(req.ID ?? 0).then((ms) => ({ header: header(store.revision), members: ms.map(toMember) }));
    })),
    memberUpdate: unary(ClusterService.MemberUpdate, voterOnly((req) => {
      if (!backend.memberUpdate) throw unimplemented("MemberUpdate");
      return backend.memberUpdate(req.ID ?? 0, req.peerURLs ?? []).then((ms) => ({
        header: header(store.revision),
        members: ms.map(toMember),
      }));
    })),
    memberPromote: unary(ClusterService.MemberPromote, voterOnly((req) => {
      if (!backend.memberPromote) throw unimplemented("MemberPromote");
      return backend.memberPromote(req.ID ?? 0).then((ms) => ({ header: header(store.revision), members: ms.map(toMember) }));
    })),
  });
  server.addService(auth.service, auth.handlers(header, write, (def, fn) => unary(def, voterOnly(fn))));

  const { host, port: wanted } = splitAddress(opts.address);
  let port: number;
  try {
    port = await server.listen(host, wanted);
  } catch (err) {
    throw new Error(`client API: cannot listen on ${opts.address}: ${(err as Error).message}`);
  }

  return {
    port,
    watchCounts: () => ({ streams: watch.hub.streamCount, watchers: watch.hub.watcherCount }),
    close(graceMs = 2000) {
      // Watch streams never end by themselves: end them first so tryShutdown can finish.
      watch.close();
      lease.close();
      auth.close();
      // Ends backups in progress and removes their temporary images before the store closes.
      const snapshots = snapshot.close();
      const shutdown = server.close(graceMs);
      return Promise.all([snapshots, shutdown]).then(() => {});
    },
  };
}
