// etcd's gRPC gateway on the client port: `POST /v3/kv/range` and the rest of etcd's HTTP
// bindings (api/etcdserverpb/rpc.proto's google.api.http options) with JSON bodies in the
// protobuf JSON mapping (gateway-json.ts), each call made on this member's own gRPC server as
// etcd's gateway dials its own port. Streaming methods (watch, lease keep-alive, snapshot)
// answer newline-delimited `{"result":...}` objects, an error in the stream as
// `{"error":{...}}`; a failed unary call answers grpc-gateway's `{"error","message","code"}`
// with the HTTP status its gRPC code maps to. /v3beta/ is served too: etcd 3.4's deprecated
// alias, which 3.4-era scripts still call (etcd 3.5 dropped it; /v3alpha was gone in 3.4).
import { etcdserverpb } from "../gen/etcd.js";
import type { GrpcServer } from "../grpc/server.ts";
import { GrpcStatus, type StatusObject, statusName } from "../grpc/status.ts";
import type { HeaderList } from "../h2/types.ts";
import { dropDefaults, type Json, jsonValues, requestKeys, responseKeys, splitJson } from "./gateway-json.ts";
import { type BodyQueue, type HttpAnswer, type HttpReply, type HttpRequest, methodNotAllowed, REASONS } from "./http-types.ts";
import { type LoopbackCall, loopbackCall, loopbackUnary } from "./loopback.ts";


interface MessageClass {
  fromObject(o: Record<string, unknown>): unknown;
  encode(m: never): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
  toObject(m: never, o: { longs: StringConstructor; bytes: StringConstructor; enums: StringConstructor }): Record<string, unknown>;
}

interface Binding {
  grpc: string;
  req: MessageClass;
  res: MessageClass;
  streaming: boolean;
}

const pb = etcdserverpb as unknown as Record<string, MessageClass>;

function bind(service: string, method: string, req: string, res: string, streaming = false): Binding {
  const rq = pb[req];
  const rs = pb[res];
  if (!rq || !rs) throw new Error(`gateway: no codec for ${req} / ${res}`);
  return { grpc: `/etcdserverpb.${service}/${method}`, req: rq, res: rs, streaming };
}

const unary = (service: string, method: string, req = `${method}Request`, res = `${method}Response`) => bind(service, method, req, res);

/** etcd's HTTP bindings (3.4's rpc.proto), by path below /v3. */
const BINDINGS: Record<string, Binding> = {
  "/kv/range": unary("KV", "Range"),
  "/kv/put": unary("KV", "Put"),
  "/kv/deleterange": unary("KV", "DeleteRange"),
  "/kv/txn": unary("KV", "Txn"),
  "/kv/compaction": unary("KV", "Compact", "CompactionRequest", "CompactionResponse"),
  "/watch": bind("Watch", "Watch", "WatchRequest", "WatchResponse", true),
  "/lease/grant": unary("Lease", "LeaseGrant"),
  "/lease/revoke": unary("Lease", "LeaseRevoke"),
  "/kv/lease/revoke": unary("Lease", "LeaseRevoke"),
  "/lease/keepalive": bind("Lease", "LeaseKeepAlive", "LeaseKeepAliveRequest", "LeaseKeepAliveResponse", true),
  "/lease/timetolive": unary("Lease", "LeaseTimeToLive"),
  "/kv/lease/timetolive": unary("Lease", "LeaseTimeToLive"),
  "/lease/leases": unary("Lease", "LeaseLeases"),
  "/kv/lease/leases": unary("Lease", "LeaseLeases"),
  "/cluster/member/add": unary("Cluster", "MemberAdd"),
  "/cluster/member/remove": unary("Cluster", "MemberRemove"),
  "/cluster/member/update": unary("Cluster", "MemberUpdate"),
  "/cluster/member/list": unary("Cluster", "MemberList"),
  "/cluster/member/promote": unary("Cluster", "MemberPromote"),
  "/maintenance/alarm": unary("Maintenance", "Alarm"),
  "/maintenance/status": unary("Maintenance", "Status"),
  "/maintenance/defragment": unary("Maintenance", "Defragment"),
  "/maintenance/hash": unary("Maintenance", "Hash"),
  "/maintenance/hashkv": unary("Maintenance", "HashKV"),
  "/maintenance/snapshot": bind("Maintenance", "Snapshot", "SnapshotRequest", "SnapshotResponse", true),
  "/maintenance/transfer-leadership": unary("Maintenance", "MoveLeader"),
  "/auth/enable": unary("Auth", "AuthEnable"),
  "/auth/disable": unary("Auth", "AuthDisable"),
  "/auth/status": unary("Auth", "AuthStatus"),
  "/auth/authenticate": unary("Auth", "Authenticate"),
  "/auth/user/add": unary("Auth", "UserAdd", "AuthUserAddRequest", "AuthUserAddResponse"),
  "/auth/user/get": unary("Auth", "UserGet", "AuthUserGetRequest", "AuthUserGetResponse"),
  "/auth/user/list": unary("Auth", "UserList", "AuthUserListRequest", "AuthUserListResponse"),
  "/auth/user/delete": unary("Auth", "UserDelete", "AuthUserDeleteRequest", "AuthUserDeleteResponse"),
  "/auth/user/changepw": unary("Auth", "UserChangePassword", "AuthUserChangePasswordRequest", "AuthUserChangePasswordResponse"),
  "/auth/user/grant": unary("Auth", "UserGrantRole", "AuthUserGrantRoleRequest", "AuthUserGrantRoleResponse"),
  "/auth/user/revoke": unary("Auth", "UserRevokeRole", "AuthUserRevokeRoleRequest", "AuthUserRevokeRoleResponse"),
  "/auth/role/add": unary("Auth", "RoleAdd", "AuthRoleAddRequest", "AuthRoleAddResponse"),
  "/auth/role/get": unary("Auth", "RoleGet", "AuthRoleGetRequest", "AuthRoleGetResponse"),
  "/auth/role/list": unary("Auth", "RoleList", "AuthRoleListRequest", "AuthRoleListResponse"),
  "/auth/role/delete": unary("Auth", "RoleDelete", "AuthRoleDeleteRequest", "AuthRoleDeleteResponse"),
  "/auth/role/grant": unary("Auth", "RoleGrantPermission", "AuthRoleGrantPermissionRequest", "AuthRoleGrantPermissionResponse"),
  "/auth/role/revoke": unary("Auth", "RoleRevokePermission", "AuthRoleRevokePermissionRequest", "AuthRoleRevokePermissionResponse"),
};

const PREFIXES = ["/v3beta", "/v3"];

/** grpc-gateway v1's runtime.HTTPStatusFromCode. */
const HTTP_STATUS: Record<number, number> = {
  [GrpcStatus.OK]: 200, [GrpcStatus.CANCELLED]: 408, [GrpcStatus.UNKNOWN]: 500, [GrpcStatus.INVALID_ARGUMENT]: 400,
  [GrpcStatus.DEADLINE_EXCEEDED]: 504, [GrpcStatus.NOT_FOUND]: 404, [GrpcStatus.ALREADY_EXISTS]: 409,
  [GrpcStatus.PERMISSION_DENIED]: 403, [GrpcStatus.UNAUTHENTICATED]: 401, [GrpcStatus.RESOURCE_EXHAUSTED]: 429,
  [GrpcStatus.FAILED_PRECONDITION]: 412, [GrpcStatus.ABORTED]: 409, [GrpcStatus.OUT_OF_RANGE]: 400,
  [GrpcStatus.UNIMPLEMENTED]: 501, [GrpcStatus.INTERNAL]: 500, [GrpcStatus.UNAVAILABLE]: 503, [GrpcStatus.DATA_LOSS]: 500,
};
export const httpStatusOf = (code: number): number => HTTP_STATUS[code] ?? 500;

const JSON_TYPE = "application/json";

/** grpc-gateway's error body, in its field order. */
function errorAnswer(s: StatusObject): HttpAnswer {
  return { status: httpStatusOf(s.code), contentType: JSON_TYPE, body: JSON.stringify({ error: s.details, message: s.details, code: s.code }) };
}

/** grpc-gateway's error object inside a stream. */
function streamError(s: StatusObject): string {
  const http = httpStatusOf(s.code);
  return `${JSON.stringify({ error: { grpc_code: s.code, http_code: http, message: s.details, http_status: REASONS[http] ?? statusName(s.code) } })}\n`;
}

/** A JSON body as the request messages it holds; an error status when it is not one. */
function decodeRequests(b: Binding, body: Uint8Array): Uint8Array[] | StatusObject {
  let values: Json[];
  try {
    values = jsonValues(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch (err) {
    return { code: GrpcStatus.INVALID_ARGUMENT, details: (err as Error).message };
  }
  // grpc-gateway reads an empty body as an empty message.
  if (values.length === 0) values = [{}];
  // A unary call reads the first object and ignores what follows, as grpc-gateway's decoder does.
  if (!b.streaming) values = values.slice(0, 1);
  return encodeRequests(b, values);
}

function encodeRequests(b: Binding, values: Json[]): Uint8Array[] | StatusObject {
  const out: Uint8Array[] = [];
  for (const v of values) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      return { code: GrpcStatus.INVALID_ARGUMENT, details: `json: cannot unmarshal ${Array.isArray(v) ? "array" : typeof v} into a ${b.grpc} request` };
    }
    try {
      out.push(b.req.encode(b.req.fromObject(requestKeys(v) as Record<string, unknown>) as never).finish());
    } catch (err) {
      return { code: GrpcStatus.INVALID_ARGUMENT, details: (err as Error).message };
    }
  }
  return out;
}

/** One response message as grpc-gateway marshals it. */
function toJson(b: Binding, bytes: Uint8Array): string {
  const m = b.res.decode(bytes);
  dropDefaults(m);
  return JSON.stringify(responseKeys(b.res.toObject(m as never, { longs: String, bytes: String, enums: String })));
}

/** What the client sent that etcd reads as call metadata (the gateway's Authorization token). */
function metadataOf(req: HttpRequest): HeaderList {
  const auth = req.headers.get("authorization");
  return auth === undefined ? [] : [["authorization", auth], ["token", auth]];
}

function streamReply(server: GrpcServer, b: Binding, requests: Uint8Array[], req: HttpRequest): HttpReply {
  return {
    status: 200,
    contentType: JSON_TYPE,
    open(sink) {
      const body = req.bodyStream;
      const call = loopbackCall(server, b.grpc, requests, {
        onMessage: (bytes) => sink.write(`{"result":${toJson(b, bytes)}}\n`),
        onStatus(status) {
          if (status.code !== GrpcStatus.OK) sink.write(streamError(status));
          sink.end();
        },
      }, { remoteAddress: req.remoteAddress, metadata: metadataOf(req), open: body !== undefined });
      sink.onDrain = () => call.resume();
      sink.onClose = () => call.cancel();
      if (body !== undefined) feedRequests(b, body, call, (s) => {
        sink.write(streamError(s));
        call.cancel();
        sink.end();
      });
    },
  };
}

/** Requests that keep coming in the body (a watch whose client creates and cancels watchers
 *  over time, as grpc-gateway reads a streaming call's body): each complete JSON object goes
 *  into the call as it arrives; the body's end is the client's half-close. */
function feedRequests(b: Binding, body: BodyQueue, call: LoopbackCall, fail: (s: StatusObject) => void): void {
  const decoder = new TextDecoder("utf-8");
  let text = "";
  let failed = false;
  const take = (values: Json[]) => {
    const encoded = encodeRequests(b, values);
    if (!Array.isArray(encoded)) {
      failed = true;
      fail(encoded);
      return;
    }
    for (const r of encoded) call.send(r);
  };
  body.listen((chunk) => {
    if (failed) return;
    text += decoder.decode(chunk, { stream: true });
    try {
      const { values, rest } = splitJson(text);
      text = rest;
      take(values);
    } catch (err) {
      failed = true;
      fail({ code: GrpcStatus.INVALID_ARGUMENT, details: (err as Error).message });
    }
  }, () => {
    if (failed) return;
    try {
      take(jsonValues(text + decoder.decode()));
    } catch (err) {
      failed = true;
      return fail({ code: GrpcStatus.INVALID_ARGUMENT, details: (err as Error).message });
    }
    if (!failed) call.end();
  });
}

function bindingOf(path: string): Binding | undefined {
  const prefix = PREFIXES.find((p) => path.startsWith(`${p}/`));
  return prefix === undefined ? undefined : BINDINGS[path.slice(prefix.length)];
}

/** The streaming calls read their body as it comes. */
export const gatewayStreamsBody = (path: string): boolean => bindingOf(path)?.streaming === true;

/** The gateway's paths, or undefined for any other. */
export function gatewayRoute(grpc: () => GrpcServer): (req: HttpRequest) => Promise<HttpReply> | undefined {
  return (req) => {
    const b = bindingOf(req.path);
    if (b === undefined) return undefined;
    if (req.method !== "POST") return Promise.resolve(methodNotAllowed("POST"));
    if (req.bodyStream !== undefined && b.streaming) return Promise.resolve(streamReply(grpc(), b, [], req));
    const requests = decodeRequests(b, req.body);
    if (!Array.isArray(requests)) return Promise.resolve(errorAnswer(requests));
    if (b.streaming) return Promise.resolve(streamReply(grpc(), b, requests, req));
    return loopbackUnary(grpc(), b.grpc, requests[0]!, { remoteAddress: req.remoteAddress, metadata: metadataOf(req) }).then((r) =>
      r.ok ? { status: 200, contentType: JSON_TYPE, body: toJson(b, r.message) } : errorAnswer(r.status));
  };
}
