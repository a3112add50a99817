// The member's client-facing half against a scripted host (no Raft, no network): where a write
// goes, what a refused write is told, and the invariants it asserts on what the loop reports.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AlarmErrors } from "../../src/kv/alarms.ts";
import type { EtcdError } from "../../src/kv/errors.ts";
import type { ApplyEntry, ApplyResult } from "../../src/kv/types.ts";
import { ClientRequests, type ClientRequestsHost } from "../../src/node/client-requests.ts";
import { ShellInvariantError } from "../../src/node/shell-invariant.ts";
import { Role, type ProposeResult, type RaftStatus, type SoftState } from "../../src/raft/types.ts";
import type { PeerProposals } from "../../src/transport/types.ts";

const put = (revision: number): ApplyResult => ({ op: "put", put: { header: { revision } } });
const request = { put: { key: new TextEncoder().encode("k"), value: new Uint8Array([1]) } };

function harness(soft: SoftState) {
  const proposed: Uint8Array[][] = [];
  const forwarded: { to: number; p: PeerProposals }[] = [];
  let scheduled = 0;
  const state = { soft, accepting: true, space: undefined as EtcdError | undefined, nextIndex: 1 };
  const host: ClientRequestsHost = {
    id: 1,
    clusterId: 0xc1,
    status: (): RaftStatus => ({
      id: 1, term: 3, vote: 1, role: state.soft.role, leader: state.soft.leader, commit: 0, applied: 0, firstIndex: 1, lastIndex: 0,
      durableIndex: 0, conf: { voters: [1, 2, 3], learners: [] }, progress: new Map(), leadTransferee: 0,
    }),
    propose: (data): ProposeResult => {
      proposed.push(data);
      const firstIndex = state.nextIndex;
      state.nextIndex += data.length;
      return { ok: true, firstIndex, lastIndex: state.nextIndex - 1, term: 3 };
    },
    readIndex: () => {},
    transferLeader: () => {},
    soft: () => state.soft,
    appliedIndex: () => 0,
    alarms: () => [],
    spaceRefusal: () => state.space,
    fatal: () => undefined,
    accepting: () => state.accepting,
    knows: (id) => id >= 1 && id <= 3,
    memberInfo: () => [],
    connected: () => true,
    sendProposals: (to, p) => void forwarded.push({ to, p }),
    sendLeases: () => {},
    answerLeases: () => Promise.resolve([]),
    schedule: () => void scheduled++,
    log: () => {},
    requestTimeoutMs: 2000,
    electionTimeoutMs: 50,
    maxRequestBytes: 1 << 20,
  };
  return { clients: new ClientRequests(host), proposed, forwarded, state, scheduled: () => scheduled };
}

const entry = (index: number, term = 3): ApplyEntry => ({ index, term, request: null });

describe("ClientRequests", () => {
  test("on the leader a write is proposed at the next flush and answered by its apply", async () => {
    const h = harness({ leader: 1, role: Role.Leader });
    const w = h.clients.write(request);
    await new Promise((r) => setImmediate(r));
    assert.equal(h.proposed.length, 0, "nothing reaches the core before the loop flushes");
    assert.ok(h.scheduled() > 0);
    h.clients.flush();
    assert.equal(h.proposed.length, 1);
    h.clients.applied([entry(1)], [put(9)], 1);
    assert.deepEqual(await w, put(9));
  });

  test("on a follower a write goes to the leader as a peer message", async () => {
    const h = harness({ leader: 2, role: Role.Follower });
    void h.clients.write(request).catch(() => {});
    await new Promise((r) => setImmediate(r));
    h.clients.flush();
    assert.equal(h.proposed.length, 0);
    assert.deepEqual(h.forwarded.map((f) => [f.to, f.p.proposals.length]), [[2, 1]]);
    h.clients.failAll(() => new Error("stopped"));
  });

  test("refusals come before anything is queued: no room, a member that stopped, an unknown leader", async () => {
    const h = harness({ leader: 1, role: Role.Leader });
    h.state.space = AlarmErrors.noSpace();
    await assert.rejects(h.clients.write(request), /database space exceeded/);
    h.state.space = undefined;
    h.state.soft = { leader: 7, role: Role.Follower };
    await assert.rejects(h.clients.write(request), /etcdserver: no leader/);
    h.state.accepting = false;
    await assert.rejects(h.clients.write(request), /etcdserver: server stopped/);
    await assert.rejects(h.clients.readBarrier(), /etcdserver: server stopped/);
    h.clients.flush();
    assert.equal(h.proposed.length + h.forwarded.length, 0);
  });

  test("during an election a write waits for the leader, then goes where it leads", async () => {
    const h = harness({ leader: 0, role: Role.Follower });
    const w = h.clients.write(request);
    await new Promise((r) => setTimeout(r, 10));
    h.state.soft = { leader: 1, role: Role.Leader };
    h.clients.leaderChanged(1);
    await new Promise((r) => setImmediate(r));
    h.clients.flush();
    assert.equal(h.proposed.length, 1);
    h.clients.applied([entry(1)], [put(4)], 1);
    assert.deepEqual(await w, put(4));
  });

  test("asserts what the loop reports: the applied index never goes back, applied entries are contiguous", () => {
    const h = harness({ leader: 1, role: Role.Leader });
    h.clients.applied([entry(5), entry(6)], [null, null], 6);
    assert.throws(() => h.clients.applied([entry(7), entry(9)], [null, null], 9), ShellInvariantError);
    assert.throws(() => h.clients.applied([entry(7)], [null], 5), /applied index never goes back: from 6 to 5/);
    assert.throws(() => h.clients.snapshotInstalled(20, 10), /a snapshot is applied once installed/);
    h.clients.snapshotInstalled(20, 20);
    assert.throws(() => h.clients.applied([entry(21)], [null], 19), ShellInvariantError);
  });
});
