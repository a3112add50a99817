// Presets against the tuning guide. The guide's tables are written out here again, independently
// of src/config/presets.ts, and checked in the rendered TOML (parsed with smol-toml directly, not
// with our loader), so a wrong value in the preset code cannot hide behind itself.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { parse } from "smol-toml";
import { parseConfig, parseConfigDetailed } from "../../src/config/load.ts";
import { presetFile } from "../../src/config/preset-file.ts";
import { SCHEMA } from "../../src/config/schema.ts";
import { presetConfig, type DeploymentPreset, type Member, type NetworkPreset } from "../../src/config/presets.ts";

type Toml = Record<string, unknown>;
const at = (doc: Toml, path: string): unknown =>
  path.split(".").reduce<unknown>((cur, k) => (cur as Toml | undefined)?.[k], doc);

// "Reference Deployment Configurations", verbatim.
const GUIDE_DEPLOYMENTS: Record<DeploymentPreset, Record<string, unknown>> = {
  single: {
    "raft.persistence.strategy": "MemFirst",
    "raft.persistence.flush_policy": { Batch: { threshold: 500, interval_ms: 50 } },
    "network.control.concurrency_limit": 10,
    "network.control.max_concurrent_streams": 64,
    "network.control.connection_window_size": 1_048_576,
    "network.data.concurrency_limit": 20,
    "network.data.max_concurrent_streams": 128,
    "network.data.connection_window_size": 2_097_152,
    "network.bulk.concurrency_limit": 2,
    "network.bulk.connection_window_size": 8_388_608,
    "network.bulk.request_timeout_in_ms": 10_000,
  },
  "cloud-3": {
    "raft.persistence.strategy": "MemFirst",
    "raft.persistence.flush_policy": { Batch: { threshold: 2000, interval_ms: 200 } },
    "network.control.concurrency_limit": 20,
    "network.control.max_concurrent_streams": 128,
    "network.control.connection_window_size": 2_097_152,
    "network.data.concurrency_limit": 30,
    "network.data.max_concurrent_streams": 256,
    "network.data.connection_window_size": 4_194_304,
    "network.bulk.concurrency_limit": 4,
    "network.bulk.connection_window_size": 33_554_432,
    "network.bulk.request_timeout_in_ms": 30_000,
  },
  "prod-5": {
    "raft.persistence.strategy": "DiskFirst",
    "network.control.concurrency_limit": 50,
    "network.control.max_concurrent_streams": 256,
    "network.control.connection_window_size": 4_194_304,
    "network.data.concurrency_limit": 80,
    "network.data.max_concurrent_streams": 512,
    "network.data.connection_window_size": 8_388_608,
    "network.bulk.concurrency_limit": 8,
    "network.bulk.connection_window_size": 67_108_864,
    "network.bulk.request_timeout_in_ms": 60_000,
  },
};

// "Network Environment Tuning Recommendations" (exact) and "RPC Timeout Guidance" (ranges;
// `max` undefined for the guide's "1000+" / "5000+").
interface Range {
  min: number;
  max?: number;
}
const GUIDE_NETWORKS: Record<
  NetworkPreset,
  { tcp: number; interval: number; timeout: number; frame: number; connect: Range; request: Range }
> = {
  lan: { tcp: 60, interval: 10, timeout: 5, frame: 16_777_215, connect: { min: 50, max: 100 }, request: { min: 100, max: 300 } },
  wan: { tcp: 60, interval: 15, timeout: 8, frame: 16_777_215, connect: { min: 200, max: 500 }, request: { min: 300, max: 1000 } },
  lossy: { tcp: 60, interval: 20, timeout: 10, frame: 33_554_432, connect: { min: 500, max: 1000 }, request: { min: 1000, max: 5000 } },
  unstable: { tcp: 120, interval: 30, timeout: 15, frame: 33_554_432, connect: { min: 1000 }, request: { min: 5000 } },
};

const DEPLOYMENT_NAMES = Object.keys(GUIDE_DEPLOYMENTS) as DeploymentPreset[];
const NETWORK_NAMES = Object.keys(GUIDE_NETWORKS) as NetworkPreset[];
const MEMBER_COUNT: Record<DeploymentPreset, number> = { single: 1, "cloud-3": 3, "prod-5": 5 };

function members(n: number): Member[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, host: n === 1 ? "127.0.0.1" : `10.0.0.${i + 1}`, basePort: 2379 }));
}

function inRange(v: unknown, r: Range): boolean {
  return typeof v === "number" && v >= r.min && (r.max === undefined || v <= r.max);
}

describe("every preset × network", () => {
  for (const deployment of DEPLOYMENT_NAMES) {
    for (const network of NETWORK_NAMES) {
      const opts = { deployment, network, members: members(MEMBER_COUNT[deployment]), nodeId: 1 };
      const text = presetFile(opts);

      test(`${deployment} × ${network}: init output loads back to the same values (round trip)`, () => {
        const loaded = parseConfigDetailed(text, "/etc/trireme/node-1.toml");
        const expected = presetConfig(opts).config;
        // A relative data_dir ("data", or "data/node-1" for a cluster) resolves against the file's directory.
        expected.node.data_dir = resolve("/etc/trireme", expected.node.data_dir);
        assert.ok(loaded.config.node.data_dir.startsWith("/etc/trireme/data"));
        assert.deepEqual(loaded.config, expected);
        assert.deepEqual(loaded.warnings, [], "the guide's own values must not warn");
        assert.equal(loaded.defaulted.size, 0, `every key is written: missing ${[...loaded.defaulted].join(", ")}`);
      });

      test(`${deployment} × ${network}: every value the guide gives is in the rendered file`, () => {
        // JSON round trip: smol-toml's tables have a null prototype, which deepEqual would compare.
        const doc = JSON.parse(JSON.stringify(parse(text))) as Toml;
        for (const [path, value] of Object.entries(GUIDE_DEPLOYMENTS[deployment])) {
          assert.deepEqual(at(doc, path), value, path);
        }
        const g = GUIDE_NETWORKS[network];
        for (const plane of ["control", "data", "bulk"]) {
          assert.equal(at(doc, `network.${plane}.tcp_keepalive_in_secs`), g.tcp, `${plane} tcp_keepalive_in_secs`);
          assert.equal(at(doc, `network.${plane}.http2_keep_alive_interval_in_secs`), g.interval, `${plane} interval`);
          assert.equal(at(doc, `network.${plane}.http2_keep_alive_timeout_in_secs`), g.timeout, `${plane} timeout`);
          assert.equal(at(doc, `network.${plane}.max_frame_size`), g.frame, `${plane} max_frame_size`);
        }
        for (const plane of ["control", "data"]) {
          const connect = at(doc, `network.${plane}.connect_timeout_in_ms`);
          const request = at(doc, `network.${plane}.request_timeout_in_ms`);
          assert.ok(inRange(connect, g.connect), `${plane} connect_timeout_in_ms ${connect} outside ${JSON.stringify(g.connect)}`);
          assert.ok(inRange(request, g.request), `${plane} request_timeout_in_ms ${request} outside ${JSON.stringify(g.request)}`);
        }
        // Bulk connects are "slow-start" (guide's Bulk example: 1000) but never below the network's range.
        const bulkConnect = at(doc, "network.bulk.connect_timeout_in_ms") as number;
        assert.ok(bulkConnect >= Math.max(1000, g.connect.min), `bulk connect_timeout_in_ms ${bulkConnect}`);
        assert.equal((at(doc, "cluster.peers") as unknown[]).length, MEMBER_COUNT[deployment]);
      });

      test(`${deployment} × ${network}: every key has a comment, and preset values say why`, () => {
        const lines = text.split("\n");
        let inPeers = false; // [[cluster.peers]] entries are documented once, above the first
        let keys = 0;
        lines.forEach((line, i) => {
          if (line.startsWith("[")) inPeers = line === "[[cluster.peers]]";
          if (!/^[a-z0-9_]+ = /.test(line) || inPeers) return;
          keys++;
          assert.ok(lines[i - 1].startsWith("# "), `line ${i + 1} "${line}" has no comment above it`);
        });
        assert.equal(keys, SCHEMA.length - 1, "every key but cluster.peers is one `key = value` line");
        const why = text.match(/^# preset: guide/gm) ?? [];
        // Deployment keys (≥ 10) + network keys (3 planes × ≥ 5) all cite the guide.
        assert.ok(why.length >= 25, `only ${why.length} "preset:" reasons`);
        assert.match(text, /^connection_window_size = \d[\d_]* {3}# \d+ MiB$/m);
      });
    }
  }
});

test("a 3-member cloud-3 cluster: each member's file names itself and lists the same peers", () => {
  const ms = members(3);
  const configs = ms.map((m) =>
    parseConfig(presetFile({ deployment: "cloud-3", network: "wan", members: ms, nodeId: m.id, dataDir: `data/node-${m.id}` }), `/x/node-${m.id}.toml`),
  );
  configs.forEach((c, i) => {
    assert.equal(c.node.id, i + 1);
    assert.equal(c.node.client_address, `10.0.0.${i + 1}:2379`);
    assert.equal(c.node.bulk_address, `10.0.0.${i + 1}:2382`);
    assert.equal(c.node.data_dir, `/x/data/node-${i + 1}`);
    assert.deepEqual(c.cluster.peers, configs[0].cluster.peers);
  });
  assert.deepEqual(
    configs[0].cluster.peers.map((p) => [p.id, p.name, p.control_address]),
    [
      [1, "node-1", "10.0.0.1:2380"],
      [2, "node-2", "10.0.0.2:2380"],
      [3, "node-3", "10.0.0.3:2380"],
    ],
  );
});

test("presetConfig refuses a node id that is not a member", () => {
  assert.throws(() => presetConfig({ deployment: "single", network: "lan", members: members(1), nodeId: 7 }), /node id 7 is not among the members \(1\)/);
});
