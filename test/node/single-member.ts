// The config of a one-member cluster on 127.0.0.1: client, control, data and bulk on base..base+3.
import { join } from "node:path";
import { defaultConfig } from "../../src/config/schema.ts";
import type { Config } from "../../src/config/types.ts";

export function singleMemberConfig(base: number, dir: string): Config {
  const config = defaultConfig();
  const addr = (i: number) => `127.0.0.1:${base + i}`;
  config.node.id = 1;
  config.node.name = "n1";
  config.node.data_dir = join(dir, "data");
  config.node.client_address = addr(0);
  config.node.control_address = addr(1);
  config.node.data_address = addr(2);
  config.node.bulk_address = addr(3);
  config.metrics.enabled = false;
  config.cluster.peers = [{ id: 1, name: "n1", client_address: addr(0), control_address: addr(1), data_address: addr(2), bulk_address: addr(3) }];
  return config;
}
