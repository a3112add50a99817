// Leases on a real 3-member cluster: granted through a follower, kept alive through a follower
// (the follower asks the leader, whose memory holds the deadlines, in peer messages on the data
// plane), surviving a leader crash (the new leader restarts every lease at its full TTL), and —
// once nobody keeps it alive — expiring, its keys gone on every member. Then keep-alive --once
// and timetolive on a follower, and etcd's `no leader` from a member left alone.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import { LeaseService } from "../../src/api/lease.ts";
import { ETCDCTL, etcdctl, etcdctlOk, errorLine, requireEtcdctl, TEST_TIMEOUT, TestCluster, waitUntil } from "./harness.ts";

const BASE_PORT = 28600;
const hex = (id: number) => id.toString(16).padStart(16, "0");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("leases on a 3-member cluster", () => {
  let cluster: TestCluster;
  let keeper: ChildProcess | undefined;

  before(() => {
    requireEtcdctl();
    cluster = TestCluster.start({ basePort: BASE_PORT, strategy: "disk" });
  });
  after(async () => {
    keeper?.kill("SIGKILL");
    await cluster?.destroy();
  });

  test("granted and kept alive through a follower, survives a leader crash, then expires everywhere", TEST_TIMEOUT, async () => {
    const electionMs = cluster.config(1).raft.election_timeout_ms;
    const ttl = Math.max(3, Math.ceil((1.5 * electionMs) / 1000));
    const { leader } = await cluster.waitForLeader();
    const [follower, other] = cluster.ids.filter((id) => id !== leader);
    const at = (id: number) => cluster.endpoint(id);
    const get = async (id: number, key: string) => (await etcdctlOk(at(id), ["get", key, "--print-value-only"])).trim();

    const granted = await etcdctlOk(at(follower), ["lease", "grant", String(ttl)]);
    const m = /^lease ([0-9a-f]+) granted with TTL\((\d+)s\)/.exec(granted);
    assert.ok(m, `lease grant output: ${granted}`);
    assert.equal(Number(m[2]), ttl);
    const id = parseInt(m[1], 16);
    await etcdctlOk(at(follower), ["put", "leased", "v", `--lease=${hex(id)}`]);
    // Every member applied the grant: the lease is listed everywhere.
    for (const mid of cluster.ids) {
      await waitUntil(`member ${mid} to list the lease`, 5000, async () =>
        (await etcdctlOk(at(mid), ["lease", "list"])).includes(hex(id)) ? true : undefined);
    }

    // etcdctl's own keep-alive stream, to the follower (which forwards to the leader).
    keeper = spawn(ETCDCTL, [`--endpoints=${at(follower)}`, "lease", "keep-alive", hex(id)], {
      env: { ...process.env, ETCDCTL_API: "3" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let renewals = 0;
    keeper.stdout!.on("data", (d: Buffer) => (renewals += (d.toString().match(/keepalived with TTL/g) ?? []).length));
    await sleep(ttl * 1000 + 1500);
    assert.ok(renewals >= 2, `keep-alives answered: ${renewals}`);
    assert.equal(await get(other, "leased"), "v", "kept alive past its TTL");

    // Crash the leader: the survivors elect a new one, which restarts the lease at its full TTL;
    // the keep-alives (still to the follower) now reach the new leader.
    await cluster.kill(leader);
    const next = await cluster.waitForLeader(15_000, [follower, other]);
    assert.notEqual(next.leader, leader);
    const renewedBefore = renewals;
    await sleep(ttl * 1000 + 1000);
    assert.ok(renewals > renewedBefore, "keep-alives answered by the new leader");
    assert.equal(await get(follower, "leased"), "v", "the lease survived the leader change");
    const ttlOut = await etcdctlOk(at(other), ["lease", "timetolive", hex(id), "--keys"]);
    assert.match(ttlOut, new RegExp(`granted with TTL\\(${ttl}s\\), remaining\\(\\d+s\\), attached keys\\(\\[leased\\]\\)`));

    // Stop keeping it alive: not gone before its TTL, then gone on every member. etcdctl renews
    // every TTL/3, so the last renewal left at least 2/3 of the TTL from here.
    keeper.kill("SIGKILL");
    await sleep(Math.max(0, (ttl * 1000 * 2) / 3 - 800));
    assert.equal(await get(other, "leased"), "v", "not expired before its TTL");
    for (const mid of [follower, other]) {
      await waitUntil(`the key to vanish on member ${mid}`, 15_000, async () => ((await get(mid, "leased")) === "" ? true : undefined));
    }
    // The crashed member comes back and catches up: the key and the lease are gone there too.
    cluster.startMember(leader);
    await waitUntil(`member ${leader} to catch up without the key`, 20_000, async () => {
      const list = await etcdctlOk(at(leader), ["lease", "list"]);
      return !list.includes(hex(id)) && (await etcdctlOk(at(leader), ["get", "leased", "--consistency=s"])) === "" ? true : undefined;
    });
  });

  test("etcdctl lease keep-alive --once and timetolive against a follower; without a leader, etcd's error", TEST_TIMEOUT, async () => {
    const { leader } = await cluster.waitForLeader(20_000);
    const follower = cluster.ids.find((id) => id !== leader)!;
    const at = (id: number) => cluster.endpoint(id);
    const granted = await etcdctlOk(at(follower), ["lease", "grant", "60"]);
    const id = parseInt(/^lease ([0-9a-f]+) granted/.exec(granted)![1], 16);
    // Answered by the leader's lessor: the follower keeps no deadlines.
    assert.match(await etcdctlOk(at(follower), ["lease", "keep-alive", "--once", hex(id)]), new RegExp(`lease ${hex(id)} keepalived with TTL\\(60\\)`));
    assert.match(await etcdctlOk(at(follower), ["lease", "timetolive", hex(id)]), /granted with TTL\(60s\), remaining\((5\d|60)s\)/);
    assert.match(await etcdctlOk(at(follower), ["lease", "timetolive", "123abc"]), /already expired/, "an unknown lease: TTL -1");
    const unknown = await etcdctl(at(follower), ["lease", "keep-alive", "--once", "123abc"]);
    assert.notEqual(unknown.code, 0);
    assert.match(errorLine(unknown), /requested lease not found/, "an unknown lease: TTL 0, which etcdctl reports as not found");

    // The others gone: the follower's questions find no leader within the request time. etcdctl
    // retries UNAVAILABLE until its own deadline (against etcd too), so ask with a client that
    // shows the member's answer.
    for (const other of cluster.ids.filter((m) => m !== follower)) await cluster.kill(other);
    const client = new grpc.Client(at(follower), grpc.credentials.createInsecure());
    try {
      const ttl = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest(LeaseService.LeaseTimeToLive.path, LeaseService.LeaseTimeToLive.requestSerialize,
          LeaseService.LeaseTimeToLive.responseDeserialize, { ok: true, msg: { ID: id }, size: 0 }, (err) => resolve(err)));
      assert.equal(ttl?.code, grpc.status.UNAVAILABLE);
      assert.equal(ttl?.details, "etcdserver: no leader");
      const stream = client.makeBidiStreamRequest(LeaseService.LeaseKeepAlive.path, LeaseService.LeaseKeepAlive.requestSerialize,
        LeaseService.LeaseKeepAlive.responseDeserialize);
      stream.on("error", () => {});
      stream.on("data", (m: { TTL?: number }) => assert.fail(`a keep-alive answered TTL ${m.TTL} without a leader`));
      const status = new Promise<grpc.StatusObject>((res) => stream.on("status", res));
      stream.write({ ok: true, msg: { ID: id }, size: 0 });
      const st = await status;
      assert.equal(st.code, grpc.status.UNAVAILABLE);
      assert.equal(st.details, "etcdserver: no leader");
    } finally {
      client.close();
    }
  });
});
