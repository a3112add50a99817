// A member that cannot start (its client port is taken) stops cleanly: the peer planes it had
// already bound are closed and its data directory is unlocked, so a retry in the same process
// (or another process) can have them.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/log/log.ts";
import { TriremeNode } from "../../src/node/node.ts";
import { openDataDir } from "../../src/storage/index.ts";
import { bootstrapClusterId } from "../../src/node/cluster-id.ts";
import { singleMemberConfig } from "./single-member.ts";

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
    const config = singleMemberConfig(BASE, base);
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
    const d = await openDataDir({ dir: config.node.data_dir, clusterId: bootstrapClusterId(config.cluster.name, config.cluster.token, config.cluster.peers), nodeId: 1, persistence: config.raft.persistence });
    await d.close();
  });
});
