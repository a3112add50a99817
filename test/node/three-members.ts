// Three members of one cluster on 127.0.0.1 (client, control, data, bulk on base+4i .. base+4i+3),
// and the waits the tests around them share.
import { join } from "node:path";
import { defaultConfig } from "../../src/config/schema.ts";
import type { Config } from "../../src/config/types.ts";
import type { TriremeNode } from "../../src/node/node.ts";

export function threeMemberConfigs(base: number, dir: string, clusterName: string): Config[] {
  const addr = (i: number, j: number) => `127.0.0.1:${base + 4 * i + j}`;
  const peers = [0, 1, 2].map((i) => ({ id: i + 1, name: `n${i + 1}`, client_address: addr(i, 0), control_address: addr(i, 1), data_address: addr(i, 2), bulk_address: addr(i, 3) }));
  return peers.map((p) => {
    const config = defaultConfig();
    config.cluster.name = clusterName;
    config.cluster.peers = peers;
    config.node.id = p.id;
    config.node.name = p.name;
    config.node.data_dir = join(dir, p.name);
    config.node.client_address = p.client_address;
    config.node.control_address = p.control_address;
    config.node.data_address = p.data_address;
    config.node.bulk_address = p.bulk_address;
    config.metrics.enabled = false;
    return config;
  });
}

export async function waitFor<T>(what: string, ms: number, f: () => T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The member every one of `nodes` names as leader, once they agree. */
export function agreedLeader(nodes: TriremeNode[], ms = 15_000): Promise<TriremeNode> {
  return waitFor("a leader", ms, () => nodes.find((n) => n.status().leader === n.id && nodes.every((m) => m.status().leader === n.id)));
}
