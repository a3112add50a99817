// The node takes its storage and its kv store through its options, as it takes its transport:
// a member built on a kv store of the test's choosing applies to that store (not to a kv.db in
// its data directory), and finds it again, applied, when it starts a second time.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { createLogger } from "../../src/log/log.ts";
import { TriremeNode } from "../../src/node/node.ts";
import type { NodeOptions } from "../../src/node/node-options.ts";
import { openDataDir } from "../../src/storage/index.ts";
import { InProcessNetwork } from "../../src/transport/index.ts";
import { singleMemberConfig } from "./single-member.ts";
import { waitFor } from "./three-members.ts";

const BASE = 25960; // client port 25960 only: the peer planes are in-process
const enc = new TextEncoder();
const dir = mkdtempSync(join(tmpdir(), "trireme-parts-"));
const elsewhere = join(dir, "elsewhere");
mkdirSync(elsewhere);
const config = singleMemberConfig(BASE, dir);
const net = new InProcessNetwork();
const opened: { storage: string[]; stores: MvccStore[] } = { storage: [], stores: [] };
let node: TriremeNode | undefined;

const options = (): NodeOptions => ({
  config,
  log: createLogger({ level: "error", format: "json" }, () => {}),
  onFatal: () => {},
  transport: (identity) => net.transport(identity),
  storage: async (o) => (opened.storage.push(o.dir), openDataDir(o)),
  stateMachine: (_dataDir, o) => {
    const store = MvccStore.open(join(elsewhere, "kv.db"), o);
    opened.stores.push(store);
    return store;
  },
});

describe("a node on the storage and state machine its options give", () => {
  after(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies to the given kv store and restarts from it", { timeout: 30_000 }, async () => {
    node = await TriremeNode.start(options());
    assert.deepEqual(opened.storage, [config.node.data_dir]);
    assert.equal(node.store, opened.stores[0]);
    await waitFor("a leader", 10_000, () => (node!.status().leader === node!.id ? true : undefined));
    await node.write({ put: { key: enc.encode("k"), value: enc.encode("v") } });
    assert.equal(new TextDecoder().decode(opened.stores[0]!.range({ key: enc.encode("k") }).kvs[0]?.value), "v");
    assert.equal(existsSync(join(config.node.data_dir, "kv.db")), false, "no kv.db of its own");
    const applied = node.store.appliedIndex;
    await node.stop();

    node = await TriremeNode.start(options());
    assert.equal(opened.stores.length, 2);
    assert.equal(node.store, opened.stores[1]);
    assert.ok(node.store.appliedIndex >= applied, "the store kept what it applied");
    assert.equal(new TextDecoder().decode(node.store.range({ key: enc.encode("k") }).kvs[0]?.value), "v");
  });
});
