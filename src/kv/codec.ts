// InternalRequest <-> Raft entry data. The node encodes a client write once when proposing
// and every member decodes it once when applying.
import { triremekv } from "../gen/etcd.js";
import type { InternalRequest } from "./types.ts";

export function encodeInternalRequest(req: InternalRequest): Uint8Array {
  return triremekv.InternalRequest.encode(req).finish();
}

/** Throws an Error naming the entry when the bytes are not an InternalRequest. */
export function decodeInternalRequest(data: Uint8Array, index?: number): InternalRequest {
  try {
    return triremekv.InternalRequest.decode(data);
  } catch (err) {
    throw new Error(`raft entry ${index ?? "?"}: not a kv request (${(err as Error).message})`);
  }
}
