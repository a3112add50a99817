// Three real members whose peer traffic goes over an InProcessNetwork (the transport comes in
// through the node's options): no peer port is bound, yet they elect, replicate, and elect again
// once the leader is cut off.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/log/log.ts";
import { TriremeNode } from "../../src/node/node.ts";
import { InProcessNetwork } from "../../src/transport/index.ts";
import { agreedLeader, threeMemberConfigs, waitFor } from "./three-members.ts";

const BASE = 25740; // 4 ports per member, 25740..25751; only the client ports are bound
const enc = new TextEncoder();
const base = mkdtempSync(join(tmpdir(), "trireme-inproc-"));
const net = new InProcessNetwork();
const nodes: TriremeNode[] = [];
const read = (n: TriremeNode, key: string) => n.store.range({ key: enc.encode(key) }).kvs[0];

describe("members on an in-process transport", () => {
  before(async () => {
    for (const [i, config] of threeMemberConfigs(BASE, base, "inproc-test").entries()) {
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
    const first = await agreedLeader(nodes);
    await first.write({ put: { key: enc.encode("k1"), value: enc.encode("v1") } });
    await waitFor("k1 applied everywhere", 5000, () => (nodes.every((n) => read(n, "k1") !== undefined) ? true : undefined));

    for (const n of nodes) if (n !== first) net.partition(first.id, n.id);
    const rest = nodes.filter((n) => n !== first);
    const second = await agreedLeader(rest);
    assert.notEqual(second.id, first.id);
    await second.write({ put: { key: enc.encode("k2"), value: enc.encode("v2") } });
    await waitFor("k2 applied on the connected members", 5000, () => (rest.every((n) => read(n, "k2") !== undefined) ? true : undefined));
    assert.equal(read(first, "k2"), undefined, "the cut-off member cannot have it");

    for (const n of rest) net.heal(first.id, n.id);
    await waitFor("k2 on the healed member", 15_000, () => (read(first, "k2") !== undefined ? true : undefined));
  });
});
