// Runs the client API over a LocalBackend as a standalone process, for driving it with
// etcd's own tools (etcdctl, etcd's `benchmark`) outside the test runner:
//   bun test/api/local-server.ts --port 22100 [--dir DIR] [--sync FULL]
// Prints "listening on 127.0.0.1:PORT" once ready; SIGINT/SIGTERM close it cleanly.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LocalBackend } from "../../src/api/local-backend.ts";
import { startClientServer } from "../../src/api/server.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";

const { values } = parseArgs({
  options: { port: { type: "string", default: "22100" }, dir: { type: "string" }, sync: { type: "string", default: "NORMAL" } },
});
const dir = values.dir ?? mkdtempSync(join(tmpdir(), "trireme-local-"));
const store = MvccStore.open(join(dir, "kv.db"), { synchronous: values.sync === "FULL" ? "FULL" : "NORMAL" });
const address = `127.0.0.1:${values.port}`;
const server = await startClientServer({
  address,
  backend: new LocalBackend(store, { clientURL: `http://${address}` }),
  limits: { max_request_bytes: 1536 * 1024, max_txn_ops: 128 },
});
console.log(`listening on ${address} (data in ${dir})`);
const stop = async () => {
  await server.close(1000);
  store.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
