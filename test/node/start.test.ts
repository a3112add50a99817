// A member that cannot start (its client port is taken) stops cleanly: the peer planes it had
// already bound are closed and its data directory is unlocked, so a retry in the same process
// (or another process) can have them.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../src/config/schema.ts";
import { createLogger } from "../../src/node/log.ts";
import { TriremeNode } from "../../src/node/node.ts";
import { openDataDir } from "../../src/storage/index.ts";
import { clusterIdOf } from "../../src/transport/index.ts";

const BASE = 28960; // client, control, data, bulk, metrics: 28960..28964
const base = mkdtempSync(join(tmpdir(), "trireme-start-"));
after(() => rmSync(base, { recursive: true, force: true }));

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}
const closeServer = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

describe("a member whose start fails", () => {
  test("closes the planes it bound and unlocks its data directory", { timeout: 20_000 }, async () => {
    const config = defaultConfig();
    const addr = (i: number) => `127.0.0.1:${BASE + i}`;
    config.node.id = 1;
    config.node.name = "n1";
    config.node.data_dir = join(base, "data");
    config.node.client_address = addr(0);
    config.node.control_address = addr(1);
    config.node.data_address = addr(2);
    config.node.bulk_address = addr(3);
    config.metrics.enabled = false;
    config.cluster.peers = [{ id: 1, name: "n1", client_address: addr(0), control_address: addr(1), data_address: addr(2), bulk_address: addr(3) }];
    const taken = await listenOn(BASE); // the client port
    let fatal: Error | undefined;
    try {
      await assert.rejects(
        TriremeNode.start({ config, log: createLogger({ level: "error", format: "json" }, () => {}), onFatal: (e) => (fatal = e) }),
        /28960|in use|EADDRINUSE/i,
      );
    } finally {
      await closeServer(taken);
    }
    assert.equal(fatal, undefined, "a failed start is an error of start(), not a fatal error later");
    // The control, data and bulk ports were bound before the client port failed: free again.
    for (const i of [1, 2, 3]) await closeServer(await listenOn(BASE + i));
    const d = await openDataDir({ dir: config.node.data_dir, clusterId: clusterIdOf(config.cluster.name), nodeId: 1, persistence: config.raft.persistence });
    await d.close();
  });
});
