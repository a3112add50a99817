// The cluster id (issue #13): derived at bootstrap from name, token and the initial members,
// fixed in the data directory's marker, checked against the config at start, learnt from the
// running cluster by a member added later, new for a restored backup.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { LocalBackend } from "../../src/api/local-backend.ts";
import { startClientServer, type ClientServer } from "../../src/api/server.ts";
import type { Config, PeerConfig } from "../../src/config/types.ts";
import { MvccStore } from "../../src/kv/mvcc.ts";
import { bootstrapClusterId, clusterIdentity, restoredClusterId, startIdentity } from "../../src/node/cluster-id.ts";
import { JoinError } from "../../src/node/learn-cluster-id.ts";
import { createLogger } from "../../src/log/log.ts";
import { quarantine } from "../../src/node/divergence.ts";
import { MARKER_FILE, openDataDir, readMarker, StorageError } from "../../src/storage/index.ts";
import { clusterIdOf } from "../../src/transport/index.ts";
import { singleMemberConfig } from "./single-member.ts";

const BASE = 26500; // 26500-26503 this member, 26505 a client port that answers, 26509 one that does not
const quiet = createLogger({ level: "error", format: "json" }, () => {});

const peer = (id: number, host: string): PeerConfig => ({
  id,
  name: `n${id}`,
  client_address: `${host}:2379`,
  control_address: `${host}:2380`,
  data_address: `${host}:2381`,
  bulk_address: `${host}:2382`,
});
const three = [peer(1, "10.0.0.1"), peer(2, "10.0.0.2"), peer(3, "10.0.0.3")];

describe("bootstrapClusterId", () => {
  test("every initial member derives the same id, whatever the order of its peer list", () => {
    const id = bootstrapClusterId("trireme", "t0k", three);
    assert.equal(bootstrapClusterId("trireme", "t0k", [three[2]!, three[0]!, three[1]!]), id);
    assert.ok(Number.isSafeInteger(id) && id > 0, "an exact JS number, never 0");
  });

  test("the token, the name, a member's id or a peer address changes it; the client address does not", () => {
    const id = bootstrapClusterId("trireme", "t0k", three);
    const others = [
      bootstrapClusterId("trireme", "other", three),
      bootstrapClusterId("trireme2", "t0k", three),
      bootstrapClusterId("trireme", "t0k", [three[0]!, three[1]!, { ...three[2]!, id: 4 }]),
      bootstrapClusterId("trireme", "t0k", [three[0]!, three[1]!, { ...three[2]!, data_address: "10.0.0.3:2391" }]),
      bootstrapClusterId("trireme", "t0k", three.slice(0, 2)),
    ];
    for (const o of others) assert.notEqual(o, id);
    assert.equal(new Set(others).size, others.length);
    assert.equal(bootstrapClusterId("trireme", "t0k", [three[0]!, three[1]!, { ...three[2]!, client_address: "10.0.0.3:9999" }]), id);
    // Before issue #13 the name alone made the id: two clusters of one name were one cluster.
    assert.notEqual(id, clusterIdOf("trireme"));
  });
});

describe("restoredClusterId", () => {
  test("one backup restored with one cluster's configs: one id, never the backed-up cluster's nor the bootstrap's", () => {
    const boot = bootstrapClusterId("trireme", "t0k", three);
    const origin = { clusterId: boot, index: 120, term: 3 };
    const id = restoredClusterId(boot, origin);
    assert.equal(restoredClusterId(boot, { ...origin }), id);
    assert.notEqual(id, boot);
    assert.notEqual(restoredClusterId(boot, { ...origin, index: 121 }), id, "another backup, another cluster");
  });
});

describe("startIdentity: the check at start", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "trireme-cluster-id-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function config(sub: string, token: string, name = "trireme"): Config {
    const c = singleMemberConfig(BASE, join(dir, sub));
    c.cluster.name = name;
    c.cluster.token = token;
    return c;
  }

  async function made(c: Config): Promise<number> {
    const { clusterId, identity } = await startIdentity(c, quiet);
    const d = await openDataDir({ dir: c.node.data_dir, clusterId, identity, nodeId: c.node.id, persistence: c.raft.persistence });
    await d.close();
    return clusterId;
  }

  test("an empty directory of an initial member gets the bootstrap id; started again it keeps it", async () => {
    const c = config("a", "token-a");
    const id = await made(c);
    assert.equal(id, bootstrapClusterId(c.cluster.name, c.cluster.token, c.cluster.peers));
    // Editing cluster.peers later changes nothing: the id is the directory's, not recomputed.
    c.cluster.peers.push(peer(2, "10.0.0.2"));
    assert.equal((await startIdentity(c, quiet)).clusterId, id);
  });

  test("another cluster's directory is refused, naming both ids and the directory, both ways round", async () => {
    const a = config("both-a", "token-a");
    const b = config("both-b", "token-b");
    const idA = await made(a);
    const idB = await made(b);
    assert.notEqual(idA, idB, "same name, same member id, same addresses: only the token differs");
    for (const [cfg, foreignDir, own, foreign] of [[a, b.node.data_dir, idA, idB], [b, a.node.data_dir, idB, idA]] as const) {
      const crossed = { ...cfg, node: { ...cfg.node, data_dir: foreignDir } };
      await assert.rejects(startIdentity(crossed, quiet), (err: unknown) => {
        assert.ok(err instanceof StorageError);
        assert.equal(err.code, "foreign-cluster");
        assert.ok(err.message.includes(foreignDir), err.message);
        assert.match(err.message, new RegExp(`belongs to cluster ${foreign} \\(0x${foreign.toString(16)}\\).*another cluster \\(${own} \\(0x${own.toString(16)}\\) at bootstrap\\): cluster\\.token differs`));
        return true;
      });
      // The data directory layer refuses it too (a caller that skips startIdentity).
      await assert.rejects(
        openDataDir({ dir: foreignDir, clusterId: foreign, identity: clusterIdentity(cfg), nodeId: 1, persistence: cfg.raft.persistence }),
        /cluster\.token differs/,
      );
    }
  });

  test("another [cluster] name is refused, naming both names", async () => {
    const a = config("name-a", "same");
    await made(a);
    await assert.rejects(startIdentity({ ...a, cluster: { ...a.cluster, name: "blue" } }, quiet), /cluster\.name differs \(the directory's is "trireme", the config's "blue"\)/);
  });

  test("a marker from before identities were kept: accepted under its name's old id, refused under another name", async () => {
    const c = config("legacy", "whatever");
    const legacy = clusterIdOf(c.cluster.name);
    const d = await openDataDir({ dir: c.node.data_dir, clusterId: legacy, nodeId: 1, persistence: c.raft.persistence });
    await d.close();
    assert.equal((await startIdentity(c, quiet)).clusterId, legacy);
    await assert.rejects(startIdentity({ ...c, cluster: { ...c.cluster, name: "other" } }, quiet), /belongs to cluster .*name "other" is of cluster/);
  });

  test("a member rebuilt after a divergence keeps its cluster's id, which its config no longer gives", async () => {
    const c = config("rebuilt", "t");
    // A restored cluster's id (or one from before identities were kept) is not the config's bootstrap id.
    const id = restoredClusterId(bootstrapClusterId(c.cluster.name, c.cluster.token, c.cluster.peers), { clusterId: 9, index: 5, term: 2 });
    const d = await openDataDir({ dir: c.node.data_dir, clusterId: id, identity: clusterIdentity(c), nodeId: 1, persistence: c.raft.persistence });
    await d.close();
    await quarantine(c.node.data_dir);
    assert.equal(readMarker(c.node.data_dir), undefined, "the directory is empty again");
    assert.equal(await made(c), id);
    // Its moved-aside copy is still checked against the config.
    const other = config("rebuilt-other", "t2");
    const crossed = { ...other, node: { ...other.node, data_dir: join(dir, "rebuilt-crossed") } };
    await made({ ...c, node: { ...c.node, data_dir: crossed.node.data_dir } });
    await quarantine(crossed.node.data_dir);
    await assert.rejects(startIdentity(crossed, quiet), /cluster\.token differs/);
  });

  test("a marker that is not valid JSON is refused, not replaced", async () => {
    const c = config("bad-marker", "t");
    await made(c);
    writeFileSync(join(c.node.data_dir, MARKER_FILE), "{");
    await assert.rejects(startIdentity(c, quiet), /is not valid JSON/);
  });
});

describe("startIdentity: a member added with member add learns the id", () => {
  let dir: string;
  let store: MvccStore;
  let backend: LocalBackend;
  let server: ClientServer;
  const ANSWERING = `127.0.0.1:${BASE + 5}`;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "trireme-join-"));
    store = MvccStore.open(join(dir, "kv.db"));
    // A one-member "cluster" whose member list holds member 4 (the one that joins).
    backend = new LocalBackend(store, { clusterId: 0xc1a5, memberId: 4 });
    server = await startClientServer({ address: ANSWERING, backend, limits: { max_request_bytes: 1 << 20, max_txn_ops: 128 } });
  });
  after(async () => {
    await server.close(500);
    backend.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function joining(id: number, peerClient: string): Config {
    const c = singleMemberConfig(BASE, join(dir, `joiner-${id}-${peerClient.replace(/\W/g, "")}`));
    c.node.id = id;
    c.cluster.initial_state = "existing";
    c.cluster.peers = [{ ...peer(1, "127.0.0.1"), client_address: peerClient }, { ...c.cluster.peers[0]!, id }];
    return c;
  }

  test("from a running member whose list holds it, not from its config", async () => {
    const c = joining(4, ANSWERING);
    const { clusterId } = await startIdentity(c, quiet, { deadlineMs: 5000 });
    assert.equal(clusterId, 0xc1a5);
    assert.notEqual(clusterId, bootstrapClusterId(c.cluster.name, c.cluster.token, c.cluster.peers));
  });

  test("not on the running member's list: refused, telling to member add first", async () => {
    await assert.rejects(startIdentity(joining(5, ANSWERING), quiet, { deadlineMs: 300 }), (err: unknown) => {
      assert.ok(err instanceof JoinError);
      assert.match(err.message, /member 5 is not in the member list .*member 4 at 127\.0\.0\.1:26505 \(cluster 49573 \(0xc1a5\)\).*etcdctl member add/);
      return true;
    });
  });

  test("no member answers: refused after the deadline, naming the addresses asked", async () => {
    await assert.rejects(startIdentity(joining(6, `127.0.0.1:${BASE + 9}`), quiet, { deadlineMs: 300, callTimeoutMs: 200 }), /cannot learn the cluster id: no member listed in cluster\.peers answered \(127\.0\.0\.1:26509: /);
  });

  test("started as a new cluster's member while its peers run a cluster that lists it: refused, naming initial_state", async () => {
    const c = joining(4, ANSWERING);
    c.cluster.initial_state = "new";
    await assert.rejects(startIdentity(c, quiet), /member 4 is in the member list of running cluster 49573 \(0xc1a5\).*added with `member add` but started with \[cluster\] initial_state = "new"/);
    // Peers that do not answer yet are members bootstrapping alongside: no refusal.
    const alone = joining(4, `127.0.0.1:${BASE + 9}`);
    alone.cluster.initial_state = "new";
    assert.equal((await startIdentity(alone, quiet)).clusterId, bootstrapClusterId(alone.cluster.name, alone.cluster.token, alone.cluster.peers));
  });

  test("no other member listed: refused at once", async () => {
    const c = joining(7, ANSWERING);
    c.cluster.peers = c.cluster.peers.filter((p) => p.id === 7);
    await assert.rejects(startIdentity(c, quiet), /lists no other member/);
  });
});
