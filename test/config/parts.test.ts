// The small pieces: addresses, --peers syntax, did-you-mean, line finding, defaults.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAddress } from "../../src/config/address.ts";
import { parseConfig } from "../../src/config/load.ts";
import { keyLines, lineOf } from "../../src/config/lines.ts";
import { parseMembers } from "../../src/config/members.ts";
import { defaultConfig, SCHEMA } from "../../src/config/schema.ts";
import { closest, editDistance } from "../../src/config/suggest.ts";

test("parseAddress", () => {
  assert.deepEqual(parseAddress("10.0.0.1:2380"), { host: "10.0.0.1", port: 2380 });
  assert.deepEqual(parseAddress("[FD00::1]:2380"), { host: "fd00::1", port: 2380 });
  assert.deepEqual(parseAddress("Node-1.example.com:1"), { host: "node-1.example.com", port: 1 });
  for (const bad of ["", "host", "host:", "host:0", "host:65536", "host:12a", ":2379", "a_b:2379", "[::1:2379", "1.2.3:80"]) {
    assert.equal(typeof parseAddress(bad), "string", bad);
  }
});

test("--peers syntax: ID=HOST[:PORT], IPv6 in brackets, clashes refused", () => {
  assert.deepEqual(parseMembers("1=10.0.0.1, 2=10.0.0.2:3000,3=[::1]"), [
    { id: 1, host: "10.0.0.1", basePort: 2379 },
    { id: 2, host: "10.0.0.2", basePort: 3000 },
    { id: 3, host: "::1", basePort: 2379 },
  ]);
  assert.match(parseMembers("1=127.0.0.1,2=127.0.0.1") as string, /overlap member 1's on 127.0.0.1; .* e\.g\. 2=127.0.0.1:2479/);
  assert.match(parseMembers("1=a,1=b") as string, /id 1 is listed twice/);
  assert.match(parseMembers("x=a") as string, /not ID=HOST\[:PORT\]/);
  assert.match(parseMembers("0=a") as string, /integer ≥ 1/);
  assert.match(parseMembers("1=a:65534") as string, /must be 1–65531/);
  assert.equal(parseMembers(""), "no members given");
});

test("edit distance and suggestions", () => {
  assert.equal(editDistance("tick_ms", "tick_ms"), 0);
  assert.equal(editDistance("tikc_ms", "tick_ms"), 1); // a transposition is one edit
  assert.equal(closest("heartbeat_interal_ms", ["heartbeat_interval_ms", "tick_ms"]), "heartbeat_interval_ms");
  assert.equal(closest("zzz", ["heartbeat_interval_ms", "tick_ms"]), undefined);
});

test("line finding: headers, array tables, dotted keys, nearest enclosing key", () => {
  const text = ['# c', '[raft]', 'tick_ms = 10', '', '[raft.persistence]', 'flush_policy = { Batch = { threshold = 1, interval_ms = 1 } }', '[[cluster.peers]]', 'id = 1', '[[cluster.peers]]', 'id = 2', '[network]', 'data.max_frame_size = 1'].join("\n");
  const lines = keyLines(text);
  assert.equal(lineOf(lines, "raft.tick_ms"), 3);
  assert.equal(lineOf(lines, "raft.persistence.flush_policy.Batch.threshold"), 6);
  assert.equal(lineOf(lines, "cluster.peers[1].id"), 10);
  assert.equal(lineOf(lines, "cluster.peers[1].name"), 9);
  assert.equal(lineOf(lines, "network.data.max_frame_size"), 12);
  assert.equal(lineOf(lines, "log.level"), undefined);
});

test("the defaults are one valid local node, and every key has a one-line description", () => {
  const c = parseConfig("", "/tmp/x.toml");
  const d = defaultConfig();
  assert.equal(c.node.data_dir, "/tmp/data");
  assert.deepEqual({ ...c, node: { ...c.node, data_dir: "data" } }, d);
  assert.equal(d.node.name, "node-1");
  for (const spec of SCHEMA) assert.ok(spec.doc.length > 10 && !spec.doc.includes("\n"), spec.path);
});
