// Three real members whose peer traffic goes over an InProcessNetwork (the transport comes in
// through the node's options): no peer port is bound, yet they elect, replicate, and elect again
// once the leader is cut off.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../src/config/schema.ts";
import { createLogger } from "../../src/node/log.ts";
import { TriremeNode } from "../../src/node/node.ts";
import { InProcessNetwork } from "../../src/transport/index.ts";

const BASE = 25740; // client ports 25740..25742; the peer addresses (25750..) are never bound
const enc = new TextEncoder();
const base = mkdtempSync(join(tmpdir(), "trireme-inproc-"));
const net = new InProcessNetwork();
const nodes: TriremeNode[] = [];

async function waitFor<T>(what: string, ms: number, f: () => T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const leaderOf = (members: TriremeNode[]) =>
  waitFor("a leader", 15_000, () => members.find((n) => n.status().leader === n.id && members.every((m) => m.status().leader === n.id)));
const read = (n: TriremeNode, key: string) => n.store.range({ key: enc.encode(key) }).kvs[0];

describe("members on an in-process transport", () => {
  before(async () => {
    const peer = (i: number, j: number) => `127.0.0.1:${BASE + 10 + 3 * i + j}`;
    const peers = [0, 1, 2].map((i) => ({ id: i + 1, name: `n${i + 1}`, client_address: `127.0.0.1:${BASE + i}`, control_address: peer(i, 0), data_address: peer(i, 1), bulk_address: peer(i, 2) }));
    for (const [i, p] of peers.entries()) {
      const config = defaultConfig();
      config.cluster.name = "inproc-test";
      config.cluster.peers = peers;
      config.node.id = p.id;
      config.node.name = p.name;
      config.node.data_dir = join(base, p.name);
      config.node.client_address = p.client_address;
      config.node.control_address = p.control_address;
      config.node.data_address = p.data_address;
      config.node.bulk_address = p.bulk_address;
      config.metrics.enabled = false;
      nodes[i] = await TriremeNode.start({
        config,
        log: createLogger({ level: "error", format: "json" }, () => {}),
        onFatal: () => {},
        transport: (identity) => net.transport(identity),
      });
    }
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(base, { recursive: true, force: true });
  });

  it("replicates a write to every member, and a cut-off leader is replaced", { timeout: 40_000 }, async () => {
    const first = await leaderOf(nodes);
    await first.write({ put: { key: enc.encode("k1"), value: enc.encode("v1") } });
    await waitFor("k1 applied everywhere", 5000, () => (nodes.every((n) => read(n, "k1") !== undefined) ? true : undefined));

    for (const n of nodes) if (n !== first) net.partition(first.id, n.id);
    const rest = nodes.filter((n) => n !== first);
    const second = await leaderOf(rest);
    assert.notEqual(second.id, first.id);
    await second.write({ put: { key: enc.encode("k2"), value: enc.encode("v2") } });
    await waitFor("k2 applied on the connected members", 5000, () => (rest.every((n) => read(n, "k2") !== undefined) ? true : undefined));
    assert.equal(read(first, "k2"), undefined, "the cut-off member cannot have it");

    for (const n of rest) net.heal(first.id, n.id);
    await waitFor("k2 on the healed member", 15_000, () => (read(first, "k2") !== undefined ? true : undefined));
  });
});
