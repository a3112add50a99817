// MembershipChanges against a fake host (no Raft, no network): what it proposes, when it
// answers, what it refuses; and the membership files of the data directory.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../src/config/schema.ts";
import type { PeerConfig } from "../../src/config/types.ts";
import { EtcdError } from "../../src/kv/errors.ts";
import { appliedRemoval, checkNotRemoved, genesisConf, GENESIS_FILE, markRemoved } from "../../src/node/member-files.ts";
import { decodePeerContext, AddressBook } from "../../src/node/address-book.ts";
import { MemberClient } from "../../src/node/member-client.ts";
import { MembershipChanges, type MembershipHost } from "../../src/node/membership.ts";
import { provesRemoval, RemovalWatch, type LeaderView } from "../../src/node/removal-watch.ts";
import { decodeConfChange, encodeConfChange } from "../../src/raft/confchange.ts";
import { ConfChangeType, EntryType, type ConfChange, type ConfState, type Entry, type ProposeResult, type RaftStatus } from "../../src/raft/types.ts";

const peer = (id: number): PeerConfig => ({
  id,
  name: `n${id}`,
  client_address: `127.0.0.1:${2379 + 10 * id}`,
  control_address: `127.0.0.1:${2380 + 10 * id}`,
  data_address: `127.0.0.1:${2381 + 10 * id}`,
  bulk_address: `127.0.0.1:${2382 + 10 * id}`,
});

/** A leader whose proposals land at consecutive indexes; answers are pushed by the test. */
class FakeHost implements MembershipHost {
  readonly id = 1;
  readonly requestTimeoutMs = 2000;
  readonly departingGraceMs = 100;
  /** Never called: this host leads, so nothing is passed on. */
  readonly client = new MemberClient();
  conf: ConfState = { voters: [1, 2, 3], learners: [] };
  role: RaftStatus["role"] = "leader";
  leader = 1;
  match = new Map<number, number>();
  lastIndex = 10;
  proposed: ConfChange[] = [];
  refuse: ProposeResult[] = [];
  status(): RaftStatus {
    return {
      id: 1, term: 2, vote: 1, role: this.role, leader: this.leader, commit: this.lastIndex, applied: this.lastIndex,
      firstIndex: 1, lastIndex: this.lastIndex, durableIndex: this.lastIndex, conf: this.conf, leadTransferee: 0,
      progress: new Map([...this.match].map(([id, match]) => [id, { match, next: match + 1, state: "replicate", inflight: 0, recentActive: true }])),
    };
  }
  confAt(): ConfState {
    return this.conf;
  }
  proposeConfChange(cc: ConfChange): ProposeResult {
    const refused = this.refuse.shift();
    if (refused) return refused;
    this.proposed.push(cc);
    const index = ++this.lastIndex;
    return { ok: true, firstIndex: index, lastIndex: index, term: 2 };
  }
  connectedIds = new Set([2, 3]);
  schedule(): void {}
  accepting(): boolean {
    return true;
  }
  connected(id: number): boolean {
    return this.connectedIds.has(id);
  }
}

const entry = (index: number, cc: ConfChange, term = 2): Entry => ({ index, term, type: EntryType.ConfChange, data: encodeConfChange(cc) });

/** Waits until the fake host saw `n` proposals. */
async function proposals(host: FakeHost, n: number): Promise<void> {
  for (let i = 0; i < 200 && host.proposed.length < n; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(host.proposed.length, n);
}

describe("MembershipChanges on the leader", () => {
  test("add proposes the next id with its addresses, and answers once the entry is applied", async () => {
    const host = new FakeHost();
    const members = new AddressBook([peer(1), peer(2), peer(3)]);
    const changes = new MembershipChanges(host, members);
    const pending = changes.add(["http://127.0.0.1:2420"], true);
    await proposals(host, 1);
    const cc = host.proposed[0]!;
    assert.equal(cc.type, ConfChangeType.AddLearner);
    assert.equal(cc.nodeId, 4);
    assert.equal(decodePeerContext(cc.context)?.client_address, "127.0.0.1:2419");
    // The node persists the entry (addresses learned), the core changes the conf, then applies it.
    const e = entry(11, cc);
    assert.equal(changes.appended([e]), true);
    host.conf = { voters: [1, 2, 3], learners: [4] };
    assert.deepEqual(changes.applied([e]), { confChanged: true });
    const res = await pending;
    assert.deepEqual(res.member, { id: 4, name: "", peerURLs: ["http://127.0.0.1:2420"], clientURLs: ["http://127.0.0.1:2419"], isLearner: true });
    assert.deepEqual(res.members.map((m) => m.id), [1, 2, 3, 4]);
    changes.close();
  });

  test("a change whose index another entry took (a new leader overwrote it) answers at once: leader changed", async () => {
    const host = new FakeHost();
    const changes = new MembershipChanges(host, new AddressBook([peer(1), peer(2), peer(3)]));
    const pending = changes.add(["http://127.0.0.1:2420"], true);
    await proposals(host, 1);
    changes.applied([{ index: 11, term: 3, type: EntryType.Normal, data: new Uint8Array() }]);
    await assert.rejects(pending, (err: EtcdError) => /leader changed/.test(err.message));
    changes.close();
  });

  test("a proposal refused while another change is pending is retried", async () => {
    const host = new FakeHost();
    host.refuse.push({ ok: false, error: { code: "conf-change-pending", index: 9 } });
    host.match.set(2, 10).set(3, 10);
    const changes = new MembershipChanges(host, new AddressBook([peer(1), peer(2), peer(3)]));
    const pending = changes.remove(3);
    await proposals(host, 1);
    host.conf = { voters: [1, 2], learners: [] };
    changes.applied([entry(11, host.proposed[0]!)]);
    assert.deepEqual((await pending).map((m) => m.id), [1, 2]);
    changes.close();
  });

  test("an entry applied at the index in another term means the leader changed", async () => {
    const host = new FakeHost();
    host.match.set(2, 10).set(3, 10);
    const changes = new MembershipChanges(host, new AddressBook([peer(1), peer(2), peer(3)]));
    const pending = changes.remove(2);
    await proposals(host, 1);
    changes.applied([entry(11, host.proposed[0]!, 3)]);
    await assert.rejects(pending, /etcdserver: leader changed/);
    changes.close();
  });

  test("etcd's refusals", async () => {
    const host = new FakeHost();
    host.conf = { voters: [1, 2, 3], learners: [4] };
    host.match.set(2, 10).set(3, 10).set(4, 5);
    const changes = new MembershipChanges(host, new AddressBook([peer(1), peer(2), peer(3), peer(4)]));
    const code = (c: number) => (err: unknown) => err instanceof EtcdError && err.code === c;
    await assert.rejects(changes.add([`http://${peer(2).control_address}`], false), /^EtcdError: etcdserver: Peer URLs already exists$/);
    await assert.rejects(changes.add(["ftp://x:1"], false), /etcdserver: given member URLs are invalid: peer URL "ftp:\/\/x:1": scheme "ftp"/);
    await assert.rejects(changes.remove(9), code(5));
    host.match.delete(3);
    await assert.rejects(changes.remove(2), /etcdserver: re-configuration failed due to not enough started members/);
    await assert.rejects(changes.promote(9), /etcdserver: member not found/);
    await assert.rejects(changes.promote(2), /^EtcdError: etcdserver: can only promote a learner member$/);
    await assert.rejects(changes.promote(4), /etcdserver: can only promote a learner member which is in sync with leader/);
    assert.equal(host.proposed.length, 0, "nothing was proposed");
    changes.close();
  });

  test("a voter is refused while another voter has not started (unhealthy cluster), or when too few have (not enough started)", async () => {
    const host = new FakeHost();
    host.match.set(2, 10).set(3, 10);
    const members = new AddressBook([peer(1), peer(2), peer(3)]);
    const changes = new MembershipChanges(host, members);
    // Member 4 was added as a voter by URL (no name) and never ran: 3 started of 5 after another
    // add is a quorum, but the leader is not connected to 4.
    members.upsert({ ...peer(4), name: "" });
    host.conf = { voters: [1, 2, 3, 4], learners: [] };
    const refused = await changes.add(["http://127.0.0.1:2430"], false).then(() => undefined, (err: unknown) => err);
    assert.ok(refused instanceof EtcdError);
    assert.deepEqual([refused.code, refused.message], [14, "etcdserver: unhealthy cluster"]);
    // etcd's first check: only {1,3} started (2 has no name, and was not heard from): 2 of 5.
    const unnamed = new AddressBook([peer(1), { ...peer(2), name: "" }, peer(3), { ...peer(4), name: "" }]);
    const changes2 = new MembershipChanges(host, unnamed);
    host.match.delete(2);
    host.connectedIds.delete(2);
    await assert.rejects(changes2.add(["http://127.0.0.1:2430"], false), /^EtcdError: etcdserver: re-configuration failed due to not enough started members$/);
    // A learner is refused by neither (etcd makes the connection check for it too).
    const learner = changes2.add(["http://127.0.0.1:2430"], true);
    await proposals(host, 1);
    assert.equal(host.proposed[0]!.type, ConfChangeType.AddLearner);
    changes2.close();
    await learner.catch(() => {});
  });

  test("update proposes the member's new addresses; they take effect when applied, not when appended", async () => {
    const host = new FakeHost();
    const members = new AddressBook([peer(1), peer(2), peer(3)]);
    const changes = new MembershipChanges(host, members);
    const pending = changes.update(3, ["http://127.0.0.1:2480"]);
    await proposals(host, 1);
    const cc = host.proposed[0]!;
    assert.deepEqual([cc.type, cc.nodeId], [ConfChangeType.UpdateNode, 3]);
    assert.deepEqual(decodePeerContext(cc.context), { ...peer(3), client_address: "127.0.0.1:2479", control_address: "127.0.0.1:2480", data_address: "127.0.0.1:2481", bulk_address: "127.0.0.1:2482" });
    const e = entry(11, cc);
    assert.equal(changes.appended([e]), true);
    assert.equal(members.get(3)?.control_address, peer(3).control_address, "appended only: the old address still");
    assert.deepEqual(changes.applied([e]), { confChanged: true });
    assert.equal(members.get(3)?.control_address, "127.0.0.1:2480");
    const listed = (await pending).find((m) => m.id === 3);
    assert.deepEqual(listed, { id: 3, name: "n3", peerURLs: ["http://127.0.0.1:2480"], clientURLs: ["http://127.0.0.1:2479"], isLearner: false });
    changes.close();
  });

  test("update: etcd's refusals", async () => {
    const host = new FakeHost();
    const changes = new MembershipChanges(host, new AddressBook([peer(1), peer(2), peer(3)]));
    const refusal = (p: Promise<unknown>) => p.then(() => undefined, (err: EtcdError) => [err.code, err.message]);
    assert.deepEqual(await refusal(changes.update(9, ["http://127.0.0.1:2480"])), [5, "etcdserver: member not found"]);
    assert.deepEqual(await refusal(changes.update(3, [`http://${peer(2).control_address}`])), [9, "etcdserver: Peer URLs already exists"]);
    // Its own current addresses are not "another member's".
    const same = changes.update(3, [`http://${peer(3).control_address}`]);
    await proposals(host, 1);
    assert.match(String(await refusal(changes.update(2, ["http://x:1:2"]))), /^3,etcdserver: given member URLs are invalid/);
    changes.close();
    await same.catch(() => {});
  });

  test("a follower without a leader answers etcd's no leader", async () => {
    const host = new FakeHost();
    host.role = "follower";
    host.leader = 0;
    const changes = new MembershipChanges(host, new AddressBook([peer(1), peer(2), peer(3)]));
    await assert.rejects(changes.remove(2), /etcdserver: no leader/);
    changes.close();
  });
});

describe("following the log", () => {
  test("applying this member's own removal is reported with its index", () => {
    const changes = new MembershipChanges(new FakeHost(), new AddressBook([peer(1)]));
    const other = entry(5, { type: ConfChangeType.RemoveNode, nodeId: 2, context: new Uint8Array() });
    const own = entry(7, { type: ConfChangeType.RemoveNode, nodeId: 1, context: new Uint8Array() });
    assert.deepEqual(changes.applied([other]), { confChanged: true });
    assert.deepEqual(changes.applied([other, own]), { confChanged: true, removedAt: 7 });
    assert.deepEqual(changes.applied([{ index: 8, term: 2, type: EntryType.Normal, data: new Uint8Array() }]), { confChanged: false });
    assert.equal(decodeConfChange(own.data).nodeId, 1);
  });

  test("a member that leaves stays reachable for the grace period, then is dropped", () => {
    const changes = new MembershipChanges(new FakeHost(), new AddressBook([peer(1)]));
    assert.deepEqual(changes.transportPeers([2, 3, 4], 1000).sort(), [2, 3, 4]);
    assert.deepEqual(changes.transportPeers([2, 3], 1010).sort(), [2, 3, 4], "4 left: kept until 1110");
    assert.equal(changes.departedDue(1109), false);
    assert.equal(changes.departedDue(1110), true);
    assert.deepEqual(changes.transportPeers([2, 3], 1110).sort(), [2, 3]);
    assert.equal(changes.departedDue(5000), false);
    assert.deepEqual(changes.transportPeers([2, 3], 5000).sort(), [2, 3], "and not again");
    // A member that comes back (a truncated removal) is simply wanted again.
    changes.transportPeers([2], 6000);
    assert.deepEqual(changes.transportPeers([2, 3], 6010).sort(), [2, 3]);
    assert.equal(changes.departedDue(99999), false);
  });

  test("appends: a ConfChange or a truncation over one asks for the peers to be refreshed", () => {
    const members = new AddressBook([peer(1)]);
    const changes = new MembershipChanges(new FakeHost(), members);
    const normal = (index: number): Entry => ({ index, term: 2, type: EntryType.Normal, data: new Uint8Array() });
    assert.equal(changes.appended([normal(1), normal(2)]), false);
    const add = entry(3, { type: ConfChangeType.AddLearner, nodeId: 5, context: new TextEncoder().encode(JSON.stringify(peer(5))) });
    assert.equal(changes.appended([add]), true);
    assert.equal(members.get(5)?.name, "n5");
    assert.equal(changes.appended([normal(4)]), false);
    assert.equal(changes.appended([normal(3)]), true, "index 3 replaced: the change may be undone");
    assert.equal(changes.appended([normal(4)]), false);
  });
});

describe("membership files in the data directory", () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), "trireme-members-"));
    dirs.push(d);
    return d;
  };

  test("the genesis membership is recorded at the first start and wins over a later config", () => {
    const d = dir();
    const config = defaultConfig();
    config.cluster.peers = [peer(1), peer(2), peer(3)];
    assert.deepEqual(genesisConf(d, config, true), { voters: [1, 2, 3], learners: [] });
    config.cluster.peers.push(peer(4)); // an operator lists a member added later
    assert.deepEqual(genesisConf(d, config, false), { voters: [1, 2, 3], learners: [] });
  });

  test('initial_state = "existing" starts from no membership; a bad file is an error naming it', () => {
    const d = dir();
    const config = defaultConfig();
    config.cluster.initial_state = "existing";
    config.cluster.peers = [peer(1), peer(4)];
    assert.deepEqual(genesisConf(d, config, true), { voters: [], learners: [] });
    writeFileSync(join(d, GENESIS_FILE), '{"voters": [0]}');
    assert.throws(() => genesisConf(d, config, false), new RegExp(`${GENESIS_FILE}: expected`));
  });

  test("a removed member's data directory refuses to start", () => {
    const d = dir();
    checkNotRemoved(d);
    assert.equal(markRemoved(d, 3, "it applied its own removal at log index 42"), undefined);
    assert.throws(() => checkNotRemoved(d), /this member was removed from the cluster at .* \(it applied its own removal at log index 42\) .*member add/);
    assert.ok(markRemoved(join(d, "missing", "dir"), 3, "x") instanceof Error);
  });

  test("an applied removal of this member found in the log at start-up (crash before removed.json)", () => {
    const e = (index: number, type: ConfChangeType, nodeId: number): Entry =>
      ({ index, term: 1, type: EntryType.ConfChange, data: encodeConfChange({ type, nodeId, context: new Uint8Array(0) }) });
    const normal = (index: number): Entry => ({ index, term: 1, type: EntryType.Normal, data: new Uint8Array(0) });
    const log = [normal(1), e(2, ConfChangeType.AddLearner, 3), e(3, ConfChangeType.RemoveNode, 2), e(4, ConfChangeType.RemoveNode, 3), normal(5)];
    assert.equal(appliedRemoval(log, 3, 5), 4);
    assert.equal(appliedRemoval(log, 3, 3), undefined, "not applied yet: it may still be truncated");
    assert.equal(appliedRemoval(log, 2, 5), 3);
    assert.equal(appliedRemoval([...log, e(6, ConfChangeType.AddLearner, 3)], 3, 6), undefined, "added back later");
    assert.equal(appliedRemoval(log, 1, 5), undefined);
  });
});

describe("RemovalWatch: a member removed while it was away", () => {
  /** A watch whose question to the leader is answered by `answer`; records what it concluded. */
  function watch(answer: () => LeaderView | undefined) {
    const asked: number[] = [];
    const removed: LeaderView[] = [];
    const w = new RemovalWatch({
      id: 3,
      leaderlessMs: 1000,
      askLeader: async () => {
        asked.push(asked.length);
        return answer();
      },
      onRemoved: (v) => removed.push(v),
    });
    return { w, asked, removed };
  }
  const settle = () => new Promise((r) => setTimeout(r, 0));

  test("asks only after being leaderless for the whole period, and stops when the leader does not list it", async () => {
    const { w, asked, removed } = watch(() => ({ leaderId: 1, memberIds: [1, 2], commitIndex: 50 }));
    const commit = () => 40;
    w.tick(0, false, () => true, commit);
    w.tick(999, false, () => true, commit);
    w.tick(500, true, () => true, commit); // a leader again: the period starts over
    w.tick(1400, false, () => true, commit);
    w.tick(2399, false, () => true, commit);
    assert.equal(asked.length, 0);
    w.tick(2400, false, () => true, commit);
    await settle();
    assert.deepEqual(removed, [{ leaderId: 1, memberIds: [1, 2], commitIndex: 50 }]);
    w.tick(9000, false, () => true, commit);
    await settle();
    assert.equal(asked.length, 1, "done: never asks again");
  });

  test("a leader that lists it, no leader found, or a member still joining: it keeps running", async () => {
    let view: LeaderView | undefined = { leaderId: 1, memberIds: [1, 2, 3], commitIndex: 50 };
    const { w, asked, removed } = watch(() => view);
    const commit = () => 40;
    w.tick(0, false, () => false, commit);
    w.tick(5000, false, () => false, commit);
    assert.equal(asked.length, 0, "a member waiting for its first snapshot does not ask");
    w.tick(5001, false, () => true, commit);
    await settle();
    view = undefined;
    w.tick(5500, false, () => true, commit);
    await settle();
    assert.equal(asked.length, 1, "not before the period has passed again");
    w.tick(6001, false, () => true, commit);
    await settle();
    assert.equal(asked.length, 2);
    assert.deepEqual(removed, []);
  });

  test("only a leader that committed past this member's commit index proves a removal", () => {
    // A deposed leader may not have the entry that added this member: its list proves nothing.
    assert.equal(provesRemoval({ leaderId: 1, memberIds: [1, 2], commitIndex: 40 }, 3, 40), false);
    assert.equal(provesRemoval({ leaderId: 1, memberIds: [1, 2], commitIndex: 41 }, 3, 40), true);
    assert.equal(provesRemoval({ leaderId: 1, memberIds: [1, 2, 3], commitIndex: 99 }, 3, 40), false, "listed");
    assert.equal(provesRemoval({ leaderId: 3, memberIds: [1, 2], commitIndex: 99 }, 3, 40), false, "itself");
  });
});
