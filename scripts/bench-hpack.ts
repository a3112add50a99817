// ns per HPACK decode and encode of the header lists one gRPC call carries, with warm tables.
// The request blocks come from our encoder, which makes the same choices for these fields as
// grpc-go's (static or dynamic hit indexed, otherwise literal with incremental indexing, Huffman when
// shorter), so grpc-timeout, new on every call, is one literal with an indexed name per block.
// Usage: bun scripts/bench-hpack.ts [--calls 200000]
import { parseArgs } from "node:util";
import { HpackDecoder, HpackEncoder } from "../src/h2/hpack.ts";
import type { HeaderList } from "../src/h2/types.ts";

const { values } = parseArgs({ options: { calls: { type: "string", default: "200000" } } });
const calls = Number(values.calls);

const request = (i: number): HeaderList => [
  [":method", "POST"], [":scheme", "http"], [":path", "/etcdserverpb.KV/Put"], [":authority", "127.0.0.1:2379"],
  ["content-type", "application/grpc"], ["user-agent", "grpc-go/1.59.0"], ["te", "trailers"],
  ["grpc-timeout", `${4999900 + (i % 100)}u`],
];
const response: HeaderList = [
  [":status", "200"], ["content-type", "application/grpc"], ["grpc-encoding", "identity"],
  ["grpc-accept-encoding", "identity,gzip"],
];
const trailers: HeaderList = [["grpc-status", "0"]];

function report(what: string, ns: number, bytes: number): void {
  console.log(`${what.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns  (${bytes} bytes per block once warm)`);
}

function time(n: number, f: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f(i);
  return Number(process.hrtime.bigint() - t0) / n;
}

// Blocks must be decoded in the order they were made, so each run decodes a fresh sequence.
const reqEncoder = new HpackEncoder();
const blocks = Array.from({ length: calls }, (_, i) => reqEncoder.encode(request(i)));
let sink = 0;
for (let run = 0; run < 3; run++) {
  const decoder = new HpackDecoder();
  const ns = time(calls, (i) => {
    const r = decoder.decode(blocks[i]!);
    if (!r.ok) throw new Error(r.error);
    sink += r.headers.length;
  });
  if (run === 2) report("decode grpc-go request (8 fields)", ns, blocks[calls - 1]!.length);
}

const respDecoder = new HpackDecoder();
const respEncoder = new HpackEncoder();
const respBlock = respEncoder.encode(response);
respDecoder.decode(respBlock);
const warmResp = respEncoder.encode(response);
for (let run = 0; run < 3; run++) {
  const ns = time(calls, () => { const r = respDecoder.decode(warmResp); if (r.ok) sink += r.headers.length; });
  if (run === 2) report("decode gRPC response headers (4 fields)", ns, warmResp.length);
}

for (let run = 0; run < 3; run++) {
  const enc = new HpackEncoder();
  let last: Uint8Array = new Uint8Array();
  const ns = time(calls, () => { last = enc.encode(response); });
  if (run === 2) report("encode gRPC response headers (4 fields)", ns, last.length);
}
for (let run = 0; run < 3; run++) {
  const enc = new HpackEncoder();
  let last: Uint8Array = new Uint8Array();
  const ns = time(calls, () => { last = enc.encode(trailers); });
  if (run === 2) report("encode gRPC trailers (grpc-status 0)", ns, last.length);
}
for (let run = 0; run < 3; run++) {
  const enc = new HpackEncoder();
  const lists = Array.from({ length: 100 }, (_, i) => request(i));
  let last: Uint8Array = new Uint8Array();
  const ns = time(calls, (i) => { last = enc.encode(lists[i % 100]!); });
  if (run === 2) report("encode grpc-go-like request (8 fields)", ns, last.length);
}
if (sink < 0) console.log(sink);
