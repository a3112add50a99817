// The loader: accepted forms, refused files (each problem naming file, line, key, got and
// expected), cross-key rules and warnings.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, parseConfig, parseConfigDetailed, type ConfigProblem } from "../../src/config/load.ts";
import { defaultConfig } from "../../src/config/schema.ts";

const FILE = "/srv/trireme/config.toml";

/** The problems of a file that must be refused. */
function problems(text: string): ConfigProblem[] {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    for (const p of err.problems) assert.equal(p.file, FILE);
    // The message lists every problem with file, key, got and expected.
    for (const p of err.problems) assert.ok(err.message.includes(`${p.key}: got ${p.got}; expected ${p.expected}`), err.message);
    return err.problems;
  }
  assert.fail(`accepted:\n${text}`);
}

function only(text: string): ConfigProblem {
  const ps = problems(text);
  assert.equal(ps.length, 1, ps.map((p) => `${p.key}: ${p.got}`).join("\n"));
  return ps[0];
}

const NODE1 = '[node]\nclient_address = "10.0.0.1:2379"\ncontrol_address = "10.0.0.1:2380"\ndata_address = "10.0.0.1:2381"\nbulk_address = "10.0.0.1:2382"\n';
const PEERS3 = [1, 2, 3]
  .map(
    (id) => `[[cluster.peers]]
id = ${id}
client_address = "10.0.0.${id}:2379"
control_address = "10.0.0.${id}:2380"
data_address = "10.0.0.${id}:2381"
bulk_address = "10.0.0.${id}:2382"
`,
  )
  .join("\n");

describe("accepted", () => {
  test("an empty file is a single local node with every default", () => {
    const loaded = parseConfigDetailed("", FILE);
    const expected = defaultConfig();
    expected.node.data_dir = "/srv/trireme/data";
    assert.deepEqual(loaded.config, expected);
    assert.deepEqual(loaded.warnings, []);
    assert.equal(loaded.config.cluster.peers.length, 1);
    assert.equal(loaded.config.cluster.peers[0].client_address, "127.0.0.1:2379");
    assert.ok(loaded.defaulted.has("raft.election_timeout_ms"));
  });

  test('flush_policy = "Immediate", inline Batch and the expanded [raft.persistence.flush_policy.Batch] table', () => {
    const immediate = parseConfig('[raft.persistence]\nstrategy = "DiskFirst"\nflush_policy = "Immediate"\n', FILE);
    assert.equal(immediate.raft.persistence.flush_policy, "Immediate");
    const inline = parseConfig("[raft.persistence]\nflush_policy = { Batch = { threshold = 1000, interval_ms = 100 } }\n", FILE);
    assert.deepEqual(inline.raft.persistence.flush_policy, { Batch: { threshold: 1000, interval_ms: 100 } });
    const expanded = parseConfig("[raft.persistence.flush_policy.Batch]\nthreshold = 1000\ninterval_ms = 100\n", FILE);
    assert.deepEqual(expanded.raft.persistence.flush_policy, { Batch: { threshold: 1000, interval_ms: 100 } });
  });

  test("1_048_576-style integers", () => {
    const c = parseConfig("[network.bulk]\nconnection_window_size = 33_554_432\n[raft]\nmax_bytes_per_append = 1_048_576\n", FILE);
    assert.equal(c.network.bulk.connection_window_size, 33_554_432);
    assert.equal(c.raft.max_bytes_per_append, 1_048_576);
  });

  test("a relative data_dir resolves against the file's directory; an absolute one is kept", () => {
    assert.equal(parseConfig('[node]\ndata_dir = "../var/db"\n', FILE).node.data_dir, "/srv/var/db");
    assert.equal(parseConfig('[node]\ndata_dir = "/data/t"\n', FILE).node.data_dir, "/data/t");
  });

  test("peers that omit this node get it added, in id order, with this node's addresses", () => {
    const text = `[node]\nid = 4\nclient_address = "10.0.0.4:2379"\ncontrol_address = "10.0.0.4:2380"\ndata_address = "10.0.0.4:2381"\nbulk_address = "10.0.0.4:2382"\n\n${PEERS3}`;
    const loaded = parseConfigDetailed(text, FILE);
    assert.deepEqual(
      loaded.config.cluster.peers.map((p) => [p.id, p.name, p.data_address]),
      [
        [1, "node-1", "10.0.0.1:2381"],
        [2, "node-2", "10.0.0.2:2381"],
        [3, "node-3", "10.0.0.3:2381"],
        [4, "node-4", "10.0.0.4:2381"],
      ],
    );
    assert.match(loaded.adjusted.get("cluster.peers") ?? "", /node 4 \(this node\) added/);
  });

  test("IPv6 and DNS-name addresses", () => {
    const c = parseConfig('[node]\nclient_address = "[::1]:2379"\ncontrol_address = "trireme-0.trireme.svc:2380"\n', FILE);
    assert.equal(c.node.client_address, "[::1]:2379");
  });
});

describe("refused, naming the file, line and key", () => {
  test("a typo'd key, with did-you-mean", () => {
    const p = only("[raft]\nheartbeat_interval_ms = 100\nelection_timeout = 1000\n");
    assert.equal(p.key, "raft.election_timeout");
    assert.equal(p.line, 3);
    assert.match(p.expected, /did you mean "election_timeout_ms"\?/);
  });

  test("a key in the wrong table says where it belongs", () => {
    const p = only("[node]\ntick_ms = 10\n");
    assert.equal(p.key, "node.tick_ms");
    assert.match(p.expected, /tick_ms belongs in \[raft\]/);
  });

  test("an unknown table, with did-you-mean", () => {
    const p = only("[node]\nid = 1\n\n[netwrok.data]\nmax_frame_size = 16_777_215\n");
    assert.equal(p.key, "netwrok");
    assert.equal(p.line, 4);
    assert.equal(p.got, "an unknown table");
    assert.match(p.expected, /did you mean "network"\?/);
  });

  test("a wrong type", () => {
    const p = only('[network.control]\nconcurrency_limit = "ten"\n');
    assert.equal(p.key, "network.control.concurrency_limit");
    assert.equal(p.line, 2);
    assert.equal(p.got, '"ten" (a string)');
    assert.match(p.expected, /an integer from 1 to/);
    assert.equal(only("[raft]\npre_vote = 1\n").expected, "true or false");
    assert.equal(only("[raft]\ntick_ms = 2.5\n").got, "2.5 (a number with a fraction)");
  });

  test("a negative window", () => {
    const p = only("[network.data]\nconnection_window_size = -1\n");
    assert.equal(p.key, "network.data.connection_window_size");
    assert.equal(p.got, "-1");
    assert.match(p.expected, /an integer from 65_535 to 2_147_483_647 \(bytes\)/);
  });

  test("an integer above 2^53", () => {
    const p = only("[raft]\nsnapshot_entries = 9_007_199_254_740_993\n");
    assert.equal(p.key, "raft.snapshot_entries");
    assert.match(p.got, /^9_007_199_254_740_993 \(above 2\^53−1/);
  });

  test("duplicate ports on this node", () => {
    const p = only('[node]\nclient_address = "127.0.0.1:2379"\ncontrol_address = "127.0.0.1:2380"\ndata_address = "127.0.0.1:2380"\n');
    assert.equal(p.key, "node.data_address");
    assert.equal(p.line, 4);
    assert.match(p.expected, /different from node.control_address \("127.0.0.1:2380"\)/);
    // A wildcard host collides with any host on the same port.
    assert.equal(only('[node]\nbulk_address = "0.0.0.0:2379"\n').key, "node.bulk_address");
    assert.equal(only('[metrics]\naddress = "127.0.0.1:2381"\n').key, "metrics.address");
  });

  test("out-of-range ports and bad host:port addresses", () => {
    assert.match(only('[node]\nclient_address = "127.0.0.1:70000"\n').got, /port "70000" is not 1–65535/);
    assert.match(only('[node]\nclient_address = "127.0.0.1"\n').got, /no port/);
    assert.match(only('[node]\nclient_address = "::1:2379"\n').got, /IPv6 host must be written in brackets/);
    assert.match(only('[node]\nclient_address = "300.1.1.1:2379"\n').got, /not an IPv4 address/);
  });

  test("bad flush_policy shapes", () => {
    const cases: [string, string, RegExp][] = [
      ['flush_policy = "Batch"', "raft.persistence.flush_policy", /Batch needs its parameters/],
      ['flush_policy = "immediate"', "raft.persistence.flush_policy", /did you mean "Immediate"/],
      ["flush_policy = 5", "raft.persistence.flush_policy", /"Immediate" or \{ Batch/],
      ["flush_policy = { Bacth = { threshold = 1, interval_ms = 1 } }", "raft.persistence.flush_policy.Bacth", /did you mean "Batch"/],
      ["flush_policy = { Batch = { threshold = 1000 } }", "raft.persistence.flush_policy.Batch.interval_ms", /an integer ≥ 1/],
      ["flush_policy = { Batch = { threshold = 0, interval_ms = 100 } }", "raft.persistence.flush_policy.Batch.threshold", /from 1 to/],
      ["flush_policy = { Batch = { threshold = 10, interval_ms = 0 } }", "raft.persistence.flush_policy.Batch.interval_ms", /from 1 to/],
      ["flush_policy = { Batch = { threshold = 10, interval = 5, interval_ms = 5 } }", "raft.persistence.flush_policy.Batch.interval", /did you mean "interval_ms"/],
      ['flush_policy = { Batch = "fast" }', "raft.persistence.flush_policy.Batch", /threshold = N, interval_ms = N/],
    ];
    for (const [line, key, expected] of cases) {
      const p = only(`[raft.persistence]\n${line}\n`);
      assert.equal(p.key, key, line);
      assert.equal(p.line, 2, line);
      assert.match(p.expected, expected, line);
    }
  });

  test("an enum value, with did-you-mean", () => {
    const p = only('[raft.persistence]\nstrategy = "DiskFrist"\n');
    assert.match(p.expected, /one of "DiskFirst", "MemFirst" \(did you mean "DiskFirst"\?\)/);
  });

  test("every problem at once, in file order", () => {
    const ps = problems('[node]\nnmae = "a"\n[raft]\ntick_ms = 0\n[log]\nlevel = "loud"\n');
    assert.deepEqual(
      ps.map((p) => [p.line, p.key]),
      [
        [2, "node.nmae"],
        [4, "raft.tick_ms"],
        [6, "log.level"],
      ],
    );
  });

  test("a TOML syntax error names the line", () => {
    const p = only("[raft]\ntick_ms = = 3\n");
    assert.equal(p.key, "(syntax)");
    assert.equal(p.line, 2);
  });

  test("peers: bad entries, duplicate ids, duplicate addresses, this node's entry differing", () => {
    assert.equal(only(`${NODE1}${PEERS3}\n[[cluster.peers]]\nid = 2\nclient_address = "10.0.0.9:2379"\ncontrol_address = "10.0.0.9:2380"\ndata_address = "10.0.0.9:2381"\nbulk_address = "10.0.0.9:2382"\n`).key, "cluster.peers[3].id");
    const dupAddr = only(NODE1 + PEERS3.replace('bulk_address = "10.0.0.3:2382"', 'bulk_address = "10.0.0.2:2380"'));
    assert.equal(dupAddr.key, "cluster.peers[2].bulk_address");
    assert.match(dupAddr.expected, /not already used by cluster.peers\[1\].control_address/);
    // This node (id 1 by default, 127.0.0.1 addresses) is listed with other addresses.
    const self = problems(`[node]\nid = 1\n${PEERS3}`);
    assert.deepEqual(
      self.map((p) => p.key),
      ["cluster.peers[0].client_address", "cluster.peers[0].control_address", "cluster.peers[0].data_address", "cluster.peers[0].bulk_address"],
    );
    assert.equal(self[0].line, 5);
    const typo = only('[[cluster.peers]]\nid = 2\nclient_adress = "10.0.0.2:2379"\nclient_address = "10.0.0.2:2379"\ncontrol_address = "10.0.0.2:2380"\ndata_address = "10.0.0.2:2381"\nbulk_address = "10.0.0.2:2382"\n');
    assert.equal(typo.key, "cluster.peers[0].client_adress");
    assert.match(typo.expected, /did you mean "client_address"/);
    assert.equal(only('[[cluster.peers]]\nid = 0\nclient_address = "10.0.0.2:2379"\ncontrol_address = "10.0.0.2:2380"\ndata_address = "10.0.0.2:2381"\nbulk_address = "10.0.0.2:2382"\n').key, "cluster.peers[0].id");
    const missing = problems("[[cluster.peers]]\nid = 2\n");
    assert.deepEqual(
      missing.map((p) => [p.key, p.got, p.line]),
      ["client", "control", "data", "bulk"].map((k) => [`cluster.peers[0].${k}_address`, "nothing (missing)", 1]),
    );
  });
});

describe("cross-key rules", () => {
  test("election timeout must exceed 2 × heartbeat", () => {
    const p = only("[raft]\nheartbeat_interval_ms = 100\nelection_timeout_ms = 200\n");
    assert.equal(p.key, "raft.election_timeout_ms");
    assert.equal(p.line, 3);
    assert.match(p.expected, /more than 2 × raft.heartbeat_interval_ms = 200 ms/);
    parseConfig("[raft]\ntick_ms = 10\nheartbeat_interval_ms = 100\nelection_timeout_ms = 210\n", FILE);
  });

  test("timeouts that are not whole ticks are rounded, with a warning", () => {
    const loaded = parseConfigDetailed("[raft]\ntick_ms = 20\nheartbeat_interval_ms = 105\nelection_timeout_ms = 1000\n", FILE);
    assert.equal(loaded.config.raft.heartbeat_interval_ms, 100);
    assert.equal(loaded.warnings.length, 1);
    assert.equal(loaded.warnings[0].key, "raft.heartbeat_interval_ms");
    assert.equal(loaded.warnings[0].line, 3);
    assert.match(loaded.warnings[0].message, /105 ms is not a multiple of raft.tick_ms \(20 ms\); using 100 ms/);
  });

  test("lease_read requires check_quorum", () => {
    const p = only("[raft]\ncheck_quorum = false\nlease_read = true\n");
    assert.equal(p.key, "raft.lease_read");
    parseConfig("[raft]\ncheck_quorum = false\n", FILE);
  });

  test("max_buffered_entries must hold a Batch threshold", () => {
    const p = only("[raft.persistence]\nmax_buffered_entries = 100\nflush_policy = { Batch = { threshold = 500, interval_ms = 50 } }\n");
    assert.equal(p.key, "raft.persistence.max_buffered_entries");
    assert.match(p.expected, /at least the flush_policy Batch threshold \(500\)/);
    parseConfig('[raft.persistence]\nmax_buffered_entries = 100\nflush_policy = "Immediate"\nstrategy = "DiskFirst"\n', FILE);
  });

  test("an append must fit a Data-plane message", () => {
    assert.deepEqual(
      problems("[network.data]\nmax_frame_size = 65_536\n").map((p) => [p.key, p.expected]),
      [
        ["raft.max_bytes_per_append", "at most network.data.max_frame_size = 65_536"],
        ["limits.max_request_bytes", "at most network.data.max_frame_size = 65_536"],
      ],
    );
  });

  test("a rule reading a broken key is skipped: the user sees the cause, not its consequences", () => {
    const p = only('[raft]\nheartbeat_interval_ms = "fast"\nelection_timeout_ms = 150\n');
    assert.equal(p.key, "raft.heartbeat_interval_ms");
  });

  test("MemFirst + Immediate warns (the guide's anti-pattern) but loads", () => {
    const loaded = parseConfigDetailed('[raft.persistence]\nstrategy = "MemFirst"\nflush_policy = "Immediate"\n', FILE);
    assert.equal(loaded.warnings.length, 1);
    assert.equal(loaded.warnings[0].key, "raft.persistence.flush_policy");
    assert.match(loaded.warnings[0].message, /anti-pattern/);
    assert.equal(parseConfigDetailed('[raft.persistence]\nstrategy = "DiskFirst"\nflush_policy = "Immediate"\n', FILE).warnings.length, 0);
  });

  test("keep-alive ratio: the guide's table values pass, a literal 1/3 ratio and a huge one warn", () => {
    for (const [interval, timeout] of [
      [10, 5],
      [15, 8],
      [20, 10],
      [30, 15],
      [60, 20],
    ]) {
      const text = `[network.control]\nhttp2_keep_alive_interval_in_secs = ${interval}\nhttp2_keep_alive_timeout_in_secs = ${timeout}\n`;
      assert.deepEqual(parseConfigDetailed(text, FILE).warnings, [], `${interval}/${timeout}`);
    }
    for (const [interval, timeout] of [
      [5, 15],
      [10, 10],
      [70, 10],
    ]) {
      const text = `[network.bulk]\nhttp2_keep_alive_interval_in_secs = ${interval}\nhttp2_keep_alive_timeout_in_secs = ${timeout}\n`;
      const w = parseConfigDetailed(text, FILE).warnings;
      assert.equal(w.length, 1, `${interval}/${timeout}`);
      assert.equal(w[0].key, "network.bulk.http2_keep_alive_interval_in_secs");
      assert.equal(w[0].line, 2);
    }
  });
});

describe("loadConfig from disk", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "trireme-config-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("reads the file, names it in problems, and resolves data_dir next to it", () => {
    const file = join(dir, "node.toml");
    writeFileSync(file, '[node]\ndata_dir = "state"\n');
    assert.equal(loadConfig(file).node.data_dir, join(dir, "state"));
    writeFileSync(file, "[raft]\ntickms = 10\n");
    assert.throws(() => loadConfig(file), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, new RegExp(`^invalid configuration ${file} \\(1 problem\\):\\n  ${file}:2: raft.tickms: got an unknown key; expected .*did you mean "tick_ms"`));
      return true;
    });
  });

  test("a missing file is a ConfigError naming it", () => {
    const file = join(dir, "absent.toml");
    assert.throws(() => loadConfig(file), (err: unknown) => err instanceof ConfigError && err.problems[0].file === file && /no such file/.test(err.message));
  });
});
