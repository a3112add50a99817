// Entry point of the compiled test binary (compiled-worker.test.ts): proves the SQLite writer
// worker is bundled and runs inside `bun build --compile`.
import { openDataDir } from "../../src/storage/index.ts";

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: compiled-entry DIR");
const d = await openDataDir({ dir, clusterId: 3, nodeId: 3, persistence: { strategy: "DiskFirst", flush_policy: "Immediate", max_buffered_entries: 100 } });
const first = d.log.lastIndex() + 1;
d.log.append([{ index: first, term: 1, type: 0, data: new Uint8Array([1, 2, 3]) }]);
await new Promise<void>((resolve) => d.log.onDurable((i) => i >= first && resolve()));
await d.hardState.save({ term: 1, vote: 3 });
await d.close();
console.log(`durable ${first}`);
