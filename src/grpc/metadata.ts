// A call's custom metadata: the request headers that are not pseudo-headers or HTTP/2 and gRPC
// reserved ones. Binary values (`-bin` names) arrive base64 encoded and are handed out as Buffers,
// as grpc-js does, so handlers written against grpc-js read them the same way.
import { Buffer } from "node:buffer";
import type { HeaderList } from "../h2/types.ts";

const RESERVED = new Set(["content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "user-agent", "host", "connection"]);

export type MetadataValue = string | Buffer;

export class Metadata {
  private readonly values = new Map<string, MetadataValue[]>();

  static fromHeaders(headers: HeaderList): Metadata {
    const md = new Metadata();
    for (const [name, value] of headers) {
      if (name.charCodeAt(0) === 0x3a || RESERVED.has(name)) continue;
      md.add(name, name.endsWith("-bin") ? Buffer.from(value, "base64") : value);
    }
    return md;
  }

  add(name: string, value: MetadataValue): void {
    const key = name.toLowerCase();
    const list = this.values.get(key);
    if (list) list.push(value);
    else this.values.set(key, [value]);
  }

  /** Every value of the name, in the order received; empty when absent. */
  get(name: string): MetadataValue[] {
    return this.values.get(name.toLowerCase()) ?? [];
  }

  /** As header fields, `-bin` values base64 encoded. */
  toHeaders(): HeaderList {
    const out: HeaderList = [];
    for (const [name, list] of this.values) {
      for (const v of list) out.push([name, typeof v === "string" ? v : v.toString("base64")]);
    }
    return out;
  }
}
