// A small etcd v3 client for the CLI: unary calls over grpc-js with the API's own service
// definitions (etcd's method paths, the static codecs), to a list of endpoints. A call goes to
// the first endpoint and moves on to the next only when that one is UNAVAILABLE (down, or a
// member without a leader) and retrying cannot apply a write twice; any other answer is final.
// Connections are opened per endpoint on first use and closed by close().
import type * as Grpc from "@grpc/grpc-js";
import { ClusterService, type Decoded, KVService, MaintenanceService } from "../../api/services.ts";
import { GrpcStatus } from "../../grpc/status.ts";
import type { MethodDefinition } from "../../grpc/types.ts";
import { type ClientTls, grpcTls, tlsHint } from "./tls.ts";

// grpc-js is loaded on the first call, not when the binary starts: `trireme start` never uses
// it, and importing it cost every member its memory and start-up CPU.
let grpcModule: Promise<typeof Grpc> | undefined;
const loadGrpc = (): Promise<typeof Grpc> => (grpcModule ??= import("@grpc/grpc-js"));

/** A unary method of the API: what grpc-js needs to send Req and read Res. */
type Method<Req, Res> = MethodDefinition<Decoded<Req>, Res>;
type ReqOf<M> = M extends Method<infer Req, infer _Res> ? Req : never;
type ResOf<M> = M extends Method<infer _Req, infer Res> ? Res : never;

/** The methods the CLI calls, by name. */
export const Methods = {
  range: KVService.Range,
  put: KVService.Put,
  deleteRange: KVService.DeleteRange,
  txn: KVService.Txn,
  compact: KVService.Compact,
  status: MaintenanceService.Status,
  memberList: ClusterService.MemberList,
  memberAdd: ClusterService.MemberAdd,
  memberRemove: ClusterService.MemberRemove,
  memberPromote: ClusterService.MemberPromote,
};
export type MethodName = keyof typeof Methods;
export type Request<N extends MethodName> = ReqOf<(typeof Methods)[N]>;
export type Response<N extends MethodName> = ResOf<(typeof Methods)[N]>;

/** One endpoint's failure: the gRPC status and the server's message (etcd's, verbatim). */
export interface EndpointFailure {
  endpoint: string;
  code: number;
  details: string;
}

/** A call that no endpoint answered successfully. `message` is what the user sees after
 *  "Error: ": etcd's own message when the server gave one, so scripts can match on it. */
export class CallError extends Error {
  constructor(readonly failures: EndpointFailure[], readonly timeoutMs: number) {
    super(describe(failures, timeoutMs));
    this.name = "CallError";
  }
  /** The status of the last failure (the one that ended the call). */
  get code(): number {
    return this.failures[this.failures.length - 1].code;
  }
}

/** grpc-js appends an empty "Resolution note: " to connection errors; it says nothing. */
const tidy = (details: string): string => details.replace(/\s*Resolution note:\s*$/, "");

/** Messages the server wrote (etcd's own), which clients match on and we print verbatim. */
const SERVER_MESSAGE = /^(etcdserver|mvcc|trireme):/;

function detailsOf(f: EndpointFailure, timeoutMs: number): string {
  if (f.code === GrpcStatus.DEADLINE_EXCEEDED && /^Deadline exceeded/i.test(f.details)) {
    return `no answer from ${f.endpoint} within ${timeoutMs} ms (raise --timeout)`;
  }
  if (f.code === GrpcStatus.UNAVAILABLE && !SERVER_MESSAGE.test(f.details)) return `cannot reach ${f.endpoint}: ${f.details}${tlsHint(f.details)}`;
  return f.details;
}

function describe(failures: EndpointFailure[], timeoutMs: number): string {
  const messages = failures.map((f) => detailsOf(f, timeoutMs));
  // One failure, or the same server message from every member: print it as etcd would.
  if (messages.every((m) => m === messages[0])) return messages[0];
  const named = failures.map((f, i) => (messages[i].includes(f.endpoint) ? messages[i] : `${f.endpoint}: ${messages[i]}`));
  return `no endpoint answered: ${named.join("; ")}`;
}

/** Trying the next endpoint is safe for a read after any UNAVAILABLE. A write moves on only
 *  when it never reached the member (no connection): after "request timed out", "no leader"
 *  or a dropped connection it may still commit (a member that forwarded it to the leader
 *  cannot tell), and sending it again could apply it twice (a txn would then report FAILURE
 *  for its own success). etcd's clientv3 draws the same line (isSafeRetryMutableRPC). */
function mayRetry(f: EndpointFailure, readOnly: boolean): boolean {
  if (f.code !== GrpcStatus.UNAVAILABLE) return false;
  return readOnly || f.details.startsWith("No connection established");
}

type TxnRequest = Request<"txn">;
const txnReadOnly = (t: TxnRequest): boolean =>
  [...(t.success ?? []), ...(t.failure ?? [])].every((op) =>
    op.requestPut == null && op.requestDeleteRange == null && (op.requestTxn == null || txnReadOnly(op.requestTxn))
  );

function isReadOnly<N extends MethodName>(name: N, req: Request<N>): boolean {
  if (name === "range" || name === "status" || name === "memberList") return true;
  return name === "txn" && txnReadOnly(req as TxnRequest);
}

export interface EtcdClientOptions {
  endpoints: string[];
  /** The whole call's budget in ms, shared by the endpoints it tries. */
  timeoutMs: number;
  /** These endpoints are dialled with TLS, with these files. */
  tls?: { files: ClientTls; endpoints: ReadonlySet<string> };
}

export class EtcdClient {
  readonly endpoints: readonly string[];
  readonly timeoutMs: number;
  readonly #clients = new Map<string, Grpc.Client>();
  readonly #tls: EtcdClientOptions["tls"];

  constructor(opts: EtcdClientOptions) {
    if (opts.endpoints.length === 0) throw new Error("EtcdClient: no endpoints");
    this.endpoints = opts.endpoints;
    this.timeoutMs = opts.timeoutMs;
    this.#tls = opts.tls;
  }

  /** Calls the endpoints in order until one answers; moves on only when trying the next is
   *  safe (see mayRetry). Rejects with CallError. */
  async call<N extends MethodName>(name: N, req: Request<N>): Promise<Response<N>> {
    const deadline = Date.now() + this.timeoutMs;
    const failures: EndpointFailure[] = [];
    const readOnly = isReadOnly(name, req);
    for (const endpoint of this.endpoints) {
      const r = await this.#unary(endpoint, name, req, deadline);
      if (r.ok) return r.res;
      failures.push(r.failure);
      if (!mayRetry(r.failure, readOnly) || Date.now() >= deadline) break;
    }
    throw new CallError(failures, this.timeoutMs);
  }

  /** Calls one given endpoint (for per-member commands like `status`); never fails over. */
  async callEndpoint<N extends MethodName>(
    endpoint: string,
    name: N,
    req: Request<N>,
  ): Promise<{ ok: true; res: Response<N> } | { ok: false; failure: EndpointFailure }> {
    return this.#unary(endpoint, name, req, Date.now() + this.timeoutMs);
  }

  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }

  #client(grpc: typeof Grpc, endpoint: string): Grpc.Client {
    let c = this.#clients.get(endpoint);
    if (c === undefined) {
      const secure = this.#tls?.endpoints.has(endpoint) ? grpcTls(grpc, endpoint, this.#tls.files) : undefined;
      c = new grpc.Client(endpoint, secure?.credentials ?? grpc.credentials.createInsecure(), {
        // Answers can be large (a range over many keys); the server bounds requests, not us.
        "grpc.max_receive_message_length": -1,
        // A down endpoint should fail this call now, not after grpc-js's reconnect backoff.
        "grpc.initial_reconnect_backoff_ms": 100,
        ...secure?.options,
      });
      this.#clients.set(endpoint, c);
    }
    return c;
  }

  async #unary<N extends MethodName>(
    endpoint: string,
    name: N,
    req: Request<N>,
    deadline: number,
  ): Promise<{ ok: true; res: Response<N> } | { ok: false; failure: EndpointFailure }> {
    const method = Methods[name] as unknown as Method<Request<N>, Response<N>>;
    const grpc = await loadGrpc();
    return new Promise((resolve) => {
      this.#client(grpc, endpoint).makeUnaryRequest(
        method.path,
        (msg: Request<N>) => method.requestSerialize({ ok: true, msg, size: 0 }),
        method.responseDeserialize,
        req,
        new grpc.Metadata(),
        { deadline },
        (err, res) => {
          if (err) resolve({ ok: false, failure: { endpoint, code: err.code, details: tidy(err.details || err.message) } });
          else if (res === undefined) {
            resolve({ ok: false, failure: { endpoint, code: GrpcStatus.INTERNAL, details: `${endpoint}: empty answer` } });
          } else resolve({ ok: true, res });
        },
      );
    });
  }
}
