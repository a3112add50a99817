// ns per HPACK decode and encode of the header lists one gRPC call carries, with warm tables.
// The request blocks come from our encoder, which makes the same choices for these fields as
// grpc-go's (static or dynamic hit indexed, otherwise literal with incremental indexing, Huffman when
// shorter), so grpc-timeout, new on every call, is one literal with an indexed name per block.
// Each figure is the best of 5 runs, as wall time and as process CPU time (CPU time does not count the
// time other processes on a shared machine take from us; it does count GC threads).
// Usage: bun scripts/bench-hpack.ts [--calls 200000]
import { parseArgs } from "node:util";
import { HpackDecoder, HpackEncoder } from "../src/h2/hpack.ts";
import { huffmanDecode, huffmanEncode } from "../src/h2/huffman.ts";
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

let sink = 0;
interface Ns { wall: number; cpu: number }
/** Best ns per call over 5 runs; `setup` runs before each (fresh tables), untimed. */
function best<S>(setup: () => S, call: (state: S, i: number) => void): Ns {
  const min: Ns = { wall: Infinity, cpu: Infinity };
  for (let run = 0; run < 5; run++) {
    const state = setup();
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) call(state, i);
    const c = process.cpuUsage(c0);
    min.wall = Math.min(min.wall, Number(process.hrtime.bigint() - t0) / calls);
    min.cpu = Math.min(min.cpu, ((c.user + c.system) * 1000) / calls);
  }
  return min;
}
const warmLength = (list: HeaderList): number => { const e = new HpackEncoder(); e.encode(list); return e.encode(list).length; };
console.log(`${"".padEnd(50)}   wall     cpu`);
function report(what: string, ns: Ns, bytes?: number): void {
  const col = (n: number): string => `${n.toFixed(0).padStart(4)} ns`;
  console.log(`${what.padEnd(50)} ${col(ns.wall)} ${col(ns.cpu)}${bytes === undefined ? "" : `  (${bytes} bytes per block)`}`);
}

// Blocks must be decoded in the order they were made, so each run decodes the sequence afresh.
const reqEncoder = new HpackEncoder();
const blocks = Array.from({ length: calls }, (_, i) => reqEncoder.encode(request(i)));
report("decode warm grpc-go request (8 fields)", best(() => new HpackDecoder(), (d, i) => {
  const r = d.decode(blocks[i]!);
  if (!r.ok) throw new Error(r.error);
  sink += r.headers.length;
}), blocks[calls - 1]!.length);
// The share of that spent in huffman.ts on the one Huffman string (the grpc-timeout value).
const coded = Array.from({ length: 100 }, (_, i) => huffmanEncode(new TextEncoder().encode(`${4999900 + i}u`)));
report("  of which huffmanDecode of the grpc-timeout value", best(() => 0, (_, i) => {
  const r = huffmanDecode(coded[i % 100]!.subarray(0));
  if (r.ok) sink += r.bytes.length;
}));

const respEncoder = new HpackEncoder();
const respDecoder = new HpackDecoder();
respDecoder.decode(respEncoder.encode(response));
const warmResp = respEncoder.encode(response);
report("decode warm gRPC response headers (4 fields)", best(() => 0, () => {
  const r = respDecoder.decode(warmResp);
  if (r.ok) sink += r.headers.length;
}), warmResp.length);

report("encode warm gRPC response headers (4 fields)", best(() => new HpackEncoder(), (e) => { sink += e.encode(response).length; }),
  warmLength(response));
report("encode warm gRPC trailers (grpc-status 0)", best(() => new HpackEncoder(), (e) => { sink += e.encode(trailers).length; }),
  warmLength(trailers));
const lists = Array.from({ length: 100 }, (_, i) => request(i));
report("encode warm grpc-go-like request (8 fields)", best(() => new HpackEncoder(), (e, i) => { sink += e.encode(lists[i % 100]!).length; }),
  blocks[calls - 1]!.length);
if (sink < 0) console.log(sink);
