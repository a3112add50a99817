// Service definitions in grpc-js's shape (path, streaming flags, codecs), so one definition serves
// our server, grpc-js clients in tests and the CLI. Methods are declared as methods, not function
// properties, so a definition of concrete message types is assignable to the untyped one the
// server keeps (TypeScript compares method parameters bivariantly).
import type { Buffer } from "node:buffer";
import type { ServerCall } from "./call.ts";
import type { StatusObject } from "./status.ts";

export interface MethodDefinition<Req, Res> {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize(value: Req): Buffer;
  requestDeserialize(bytes: Buffer): Req;
  responseSerialize(value: Res): Buffer;
  responseDeserialize(bytes: Buffer): Res;
  /** The response as a whole gRPC message (prefix and bytes) in one buffer, for hot methods
   *  whose encoder writes the prefix itself; absent: responseSerialize, then framing. */
  responseFrame?(value: Res): Uint8Array;
  originalName?: string;
}

export type ServiceDefinition = Record<string, MethodDefinition<unknown, unknown>>;

/** A unary call's answer: an error status, or null and the response. */
export type UnaryCallback<Res> = (error: Partial<StatusObject> | null, value?: Res) => void;

export type UnaryHandler<Req, Res> = (call: ServerCall<Req, Res>, callback: UnaryCallback<Res>) => void;
/** Server-, client- and bidi-streaming calls: the handler reads `call.request` or "data" events and
 *  answers with write()/end() or emit("error", status). */
export type StreamHandler<Req, Res> = (call: ServerCall<Req, Res>) => void;

/** Handlers by method name. `never` parameters accept a handler of any message types; the
 *  server pairs each with its method's codecs. */
export interface ServiceImplementation {
  [method: string]: (call: never, callback: never) => void;
}
