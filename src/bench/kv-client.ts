// etcd v3 KV clients for load generation. This one is grpc-js over the generated static codecs, one
// HTTP/2 connection per instance (h2-client.ts is the lean alternative). Responses are decoded (a
// broken reply is an error) but not kept.
import type * as Grpc from "@grpc/grpc-js";
import { etcdserverpb } from "../gen/etcd.js";

type Encodable<T> = { encode(m: T): { finish(): Uint8Array } };
type Decodable = { decode(b: Uint8Array): unknown };

function method<Req>(name: string, req: Encodable<Req>, res: Decodable) {
  return {
    path: `/etcdserverpb.KV/${name}`,
    serialize: (m: Req) => Buffer.from(req.encode(m).finish()),
    deserialize: (b: Buffer) => res.decode(b),
  };
}

const PUT = method("Put", etcdserverpb.PutRequest, etcdserverpb.PutResponse);
const RANGE = method("Range", etcdserverpb.RangeRequest, etcdserverpb.RangeResponse);
const TXN = method("Txn", etcdserverpb.TxnRequest, etcdserverpb.TxnResponse);

export type PutRequest = etcdserverpb.PutRequest.$Properties;
export type RangeRequest = etcdserverpb.RangeRequest.$Properties;
export type TxnRequest = etcdserverpb.TxnRequest.$Properties;

/** A failed call: the gRPC status code name (UNAVAILABLE, ...) and the server's message. */
export class CallError extends Error {
  constructor(readonly code: string, readonly details: string) {
    super(`${code}: ${details}`);
  }
}

/** What the load loop needs from a connection; two implementations: grpc-js and raw HTTP/2. */
export interface KvClient {
  readonly endpoint: string;
  ready(timeoutMs: number): Promise<void>;
  put(req: PutRequest, timeoutMs: number): Promise<void>;
  range(req: RangeRequest, timeoutMs: number): Promise<void>;
  txn(req: TxnRequest, timeoutMs: number): Promise<void>;
  close(): void;
}

export class KvConnection implements KvClient {
  private readonly client: Grpc.Client;

  /** `grpc` is the loaded grpc-js module: the runner imports it only when this client is chosen. */
  constructor(private readonly grpc: typeof Grpc, readonly endpoint: string) {
    this.client = new grpc.Client(endpoint, grpc.credentials.createInsecure(), {
      // Without a local pool grpc-js shares one subchannel (one TCP connection) between clients
      // with the same target and options, and --conns would be a lie.
      "grpc.use_local_subchannel_pool": 1,
      "grpc.max_receive_message_length": 64 << 20,
      "grpc.max_send_message_length": 64 << 20,
    });
  }

  /** Resolves once the connection is up; rejects with a message naming the endpoint. */
  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (err) => {
        if (err) reject(new Error(`cannot connect to ${this.endpoint} within ${timeoutMs} ms: ${err.message}`));
        else resolve();
      });
    });
  }

  put(req: PutRequest, timeoutMs: number): Promise<void> {
    return this.call(PUT, req, timeoutMs);
  }

  range(req: RangeRequest, timeoutMs: number): Promise<void> {
    return this.call(RANGE, req, timeoutMs);
  }

  txn(req: TxnRequest, timeoutMs: number): Promise<void> {
    return this.call(TXN, req, timeoutMs);
  }

  close(): void {
    this.client.close();
  }

  private call<Req>(m: ReturnType<typeof method<Req>>, req: Req, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(m.path, m.serialize, m.deserialize, req, new this.grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err) => {
        if (err) reject(new CallError(this.grpc.status[err.code] ?? String(err.code), err.details || err.message));
        else resolve();
      });
    });
  }
}
