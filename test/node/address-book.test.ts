// The member table (addresses beside the core's ConfState), the peer URLs of etcd's MemberAdd,
// and the pure rules of membership changes: ids, readiness, started quorum, transport peers.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { PeerConfig } from "../../src/config/types.ts";
import { decodePeerContext, encodePeerContext, AddressBook } from "../../src/node/address-book.ts";
import { additionKeepsQuorum, learnerReady, removalKeepsQuorum, votersConnected, type MemberHealth } from "../../src/node/member-checks.ts";
import { peerIds } from "../../src/node/membership.ts";
import { peerFromURLs } from "../../src/node/peer-urls.ts";
import type { ProgressStatus, RaftStatus } from "../../src/raft/types.ts";

const peer = (id: number, base = 2379 + 10 * id, name = `n${id}`): PeerConfig => ({
  id,
  name,
  client_address: `10.0.0.1:${base}`,
  control_address: `10.0.0.1:${base + 1}`,
  data_address: `10.0.0.1:${base + 2}`,
  bulk_address: `10.0.0.1:${base + 3}`,
});

function status(over: Partial<RaftStatus>, progress: Record<number, Partial<ProgressStatus>> = {}): RaftStatus {
  return {
    id: 1,
    term: 2,
    vote: 1,
    role: "leader",
    leader: 1,
    commit: 10,
    applied: 10,
    firstIndex: 1,
    lastIndex: 10,
    durableIndex: 10,
    conf: { voters: [1, 2, 3], learners: [] },
    progress: new Map(Object.entries(progress).map(([id, p]) => [Number(id), { match: 0, next: 1, state: "probe", inflight: 0, recentActive: true, ...p }])),
    leadTransferee: 0,
    ...over,
  };
}

describe("AddressBook", () => {
  test("lists the members of a ConfState, learners marked, unknown addresses empty", () => {
    const m = new AddressBook([peer(1), peer(2), peer(3)]);
    const info = m.info({ voters: [1, 3], learners: [5] });
    assert.deepEqual(info.map((i) => [i.id, i.name, i.isLearner]), [[1, "n1", false], [3, "n3", false], [5, "", true]]);
    assert.deepEqual(info[0]!.peerURLs, ["http://10.0.0.1:2390"]);
    assert.deepEqual(info[0]!.clientURLs, ["http://10.0.0.1:2389"]);
    assert.deepEqual(info[2]!.peerURLs, []);
    // A member waiting to join knows no membership yet: it shows its address book.
    assert.deepEqual(m.info({ voters: [], learners: [] }).map((i) => i.id), [1, 2, 3]);
  });

  test("the cluster's records replace the config file's; a name is kept when the record has none", () => {
    const m = new AddressBook([peer(1), peer(4, 5000, "from-config")]);
    m.upsert({ ...peer(4, 6000), name: "" });
    assert.equal(m.get(4)!.control_address, "10.0.0.1:6001");
    assert.equal(m.get(4)!.name, "from-config");
    m.merge(new AddressBook([peer(4, 7000, "n4"), peer(9)]).encode());
    assert.equal(m.get(4)!.control_address, "10.0.0.1:7001");
    assert.equal(m.get(4)!.name, "n4");
    assert.equal(m.get(9)!.name, "n9");
  });

  test("encode and merge round-trip; garbage metadata is an error, empty metadata is nothing", () => {
    const a = new AddressBook([peer(1), peer(2)]);
    const b = new AddressBook([]);
    b.merge(a.encode());
    assert.deepEqual(b.all(), a.all());
    b.merge(new Uint8Array(0));
    assert.equal(b.all().length, 2);
    assert.throws(() => b.merge(new TextEncoder().encode('{"id":1}')), /not a list of members/);
  });

  test("peer addresses: only the ids asked for, never self, sorted", () => {
    const m = new AddressBook([peer(3), peer(1), peer(2)]);
    assert.deepEqual(m.peerAddresses(1, [3, 1, 2, 3, 7]).map((p) => p.id), [2, 3]);
    assert.deepEqual(m.peerAddresses(1, [2])[0], { id: 2, control: "10.0.0.1:2400", data: "10.0.0.1:2401", bulk: "10.0.0.1:2402" });
  });

  test("a new id is above every id ever known, so a removed member's id is not reused", () => {
    const m = new AddressBook([peer(1), peer(2), peer(3)]);
    assert.equal(m.nextId({ voters: [1, 2], learners: [] }), 4, "3 was removed: still not reused");
    assert.equal(m.nextId({ voters: [1, 2, 3], learners: [7] }), 8);
    // A removed member's id is never reused, even once its address is forgotten: 3 removed, then
    // dropped from cluster.peers before a restart; the genesis membership or the log's RemoveNode
    // still name it. (A returning old member 3 would otherwise be admitted as the new one.)
    const restarted = new AddressBook([peer(1), peer(2)]);
    assert.equal(restarted.nextId({ voters: [1, 2], learners: [] }), 3, "without the note, 3 would be handed out again");
    restarted.noteId(1, 2, 3);
    assert.equal(restarted.nextId({ voters: [1, 2], learners: [] }), 4);
  });

  test("address owner: any of the four addresses of a current member", () => {
    const m = new AddressBook([peer(1), peer(2)]);
    const clash = { ...peer(5, 9000), bulk_address: peer(2).client_address };
    assert.deepEqual(m.addressOwner(clash, [1, 2]), { id: 2, address: "10.0.0.1:2399" });
    assert.equal(m.addressOwner(clash, [1]), undefined, "only the ids given count (removed members do not)");
    assert.equal(m.addressOwner(peer(9, 9100), [1, 2]), undefined);
  });

  test("ConfChange contexts carry a PeerConfig; anything else decodes to nothing", () => {
    const p = peer(4);
    assert.deepEqual(decodePeerContext(encodePeerContext({ ...p, extra: 1 } as PeerConfig)), p);
    assert.equal(decodePeerContext(new Uint8Array(0)), undefined);
    assert.equal(decodePeerContext(new TextEncoder().encode("n4")), undefined);
    assert.equal(decodePeerContext(new TextEncoder().encode('{"id":0,"name":"x"}')), undefined);
  });
});

describe("peer URLs of MemberAdd", () => {
  test("one URL is the control plane; the others follow the base, +1, +2, +3 convention", () => {
    assert.deepEqual(peerFromURLs(4, ["http://127.0.0.1:2411"]), {
      id: 4,
      name: "",
      client_address: "127.0.0.1:2410",
      control_address: "127.0.0.1:2411",
      data_address: "127.0.0.1:2412",
      bulk_address: "127.0.0.1:2413",
    });
    assert.equal((peerFromURLs(4, ["http://[::1]:2411/"]) as PeerConfig).bulk_address, "[::1]:2413");
  });

  test("three URLs are control, data, bulk; four add the client address", () => {
    const three = peerFromURLs(5, ["http://a.example:7001", "http://a.example:8001", "http://a.example:9001"]) as PeerConfig;
    assert.deepEqual([three.client_address, three.control_address, three.data_address, three.bulk_address], ["a.example:7000", "a.example:7001", "a.example:8001", "a.example:9001"]);
    const four = peerFromURLs(5, ["http://h:1", "http://h:2", "http://h:3", "http://h:4"]) as PeerConfig;
    assert.deepEqual([four.client_address, four.control_address, four.data_address, four.bulk_address], ["h:4", "h:1", "h:2", "h:3"]);
  });

  test("refusals say what is wrong", () => {
    assert.match(peerFromURLs(4, []) as string, /expected 1 peer URL .* got 0/);
    assert.match(peerFromURLs(4, ["http://h:1", "http://h:2"]) as string, /got 2/);
    assert.match(peerFromURLs(4, ["unix://h:2380"]) as string, /scheme "unix" is not supported: expected http:\/\/ or https:\/\//);
    assert.equal((peerFromURLs(4, ["https://h:2380"]) as { control_address: string }).control_address, "h:2380", "https is taken: [tls.peer] decides TLS");
    assert.match(peerFromURLs(4, ["127.0.0.1:2380"]) as string, /expected http:\/\/host:port/);
    assert.match(peerFromURLs(4, ["http://h"]) as string, /no port/);
    assert.match(peerFromURLs(4, ["http://h:65535"]) as string, /outside 1–65535/);
    assert.match(peerFromURLs(4, ["http://h:1"]) as string, /outside 1–65535/);
    assert.match(peerFromURLs(4, ["http://h:11", "http://h:11", "http://h:13"]) as string, /must differ/);
  });
});

describe("membership rules", () => {
  test("a learner is ready at 90% of the leader's index, like etcd", () => {
    assert.equal(learnerReady(90, 100), true);
    assert.equal(learnerReady(89, 100), false);
    assert.equal(learnerReady(0, 0), true);
  });

  test("a removal needs the voters left to hold a quorum of started members", () => {
    // Leader 1; 2 acknowledged, 3 never did.
    const st = status({}, { 2: { match: 8 }, 3: { match: 0 } });
    assert.equal(removalKeepsQuorum(st, 3), true, "{1,2} both started");
    assert.equal(removalKeepsQuorum(st, 2), false, "{1,3}: 3 never started, 1 of 2 is no quorum");
    const withLearner = status({ conf: { voters: [1, 2, 3], learners: [4] } }, { 2: { match: 8 } });
    assert.equal(removalKeepsQuorum(withLearner, 4), true, "removing a learner never loses a quorum");
    assert.equal(removalKeepsQuorum(status({}, { 2: { match: 8 }, 3: { match: 8 } }), 1), true);
  });

  test("a new voter needs a quorum of started voters after it, except a single member's second (etcd)", () => {
    const health = (named: number[], connected: number[] = []): MemberHealth => ({ named: (id) => named.includes(id), connected: (id) => connected.includes(id) });
    // Voters {1,2,3}; 2 acknowledged, 3 has no name and was never heard from: 2 of 4 is no quorum (3).
    const st = status({}, { 2: { match: 8 }, 3: { match: 0 } });
    assert.equal(additionKeepsQuorum(st, health([])), false);
    assert.equal(additionKeepsQuorum(st, health([3])), true, "3 has a name: started (etcd's rule), 3 of 4");
    assert.equal(additionKeepsQuorum(st, health([], [3])), true, "3's channel is up: started, 3 of 4");
    assert.equal(additionKeepsQuorum(status({}, { 2: { match: 8 }, 3: { match: 8 } }), health([])), true, "3 started of 4");
    assert.equal(additionKeepsQuorum(status({ conf: { voters: [1], learners: [] } }), health([])), true, "1 -> 2, as etcd allows");
    assert.equal(additionKeepsQuorum(status({ conf: { voters: [1, 2], learners: [] } }, { 2: { match: 0 } }), health([1])), false, "1 started of 3");
    // 3 named voters and a 4th added by URL that never started: 3 started of 5 is a quorum, but
    // the leader is not connected to every voter, so etcd refuses it as an unhealthy cluster.
    const four = status({ conf: { voters: [1, 2, 3, 4], learners: [] } }, { 2: { match: 8 }, 3: { match: 8 }, 4: { match: 0 } });
    assert.equal(additionKeepsQuorum(four, health([1, 2, 3], [2, 3])), true);
    assert.equal(votersConnected(four, health([1, 2, 3], [2, 3])), false);
    assert.equal(votersConnected(four, health([1, 2, 3], [2, 3, 4])), true);
    assert.equal(votersConnected(status({ conf: { voters: [1], learners: [5] } }), health([])), true, "a single voter, learners do not count");
  });

  test("transport peers: current and committed members; the address book while joining", () => {
    const m = new AddressBook([peer(1), peer(2), peer(3)]);
    assert.deepEqual(peerIds(status({ conf: { voters: [1, 2], learners: [4] } }), { voters: [1, 2, 3], learners: [] }, m).sort(), [1, 1, 2, 2, 3, 4]);
    assert.deepEqual(peerIds(status({ conf: { voters: [], learners: [] } }), { voters: [], learners: [] }, m), [1, 2, 3]);
  });
});
