// A 3-member cluster with mutual TLS on the client port and on the three peer planes, as real
// processes with real handshakes: etcdctl with the operator's certificate does put, get, watch,
// member list (https:// URLs) and snapshot save; without a certificate, or with one of another
// CA, it is refused; a plaintext client (etcdctl, grpc-js, curl) is told at once to use TLS; the
// metrics address (metrics.tls) serves HTTPS with the client port's certificate and rule. A fourth process with another CA's
// certificate dials each peer port of a member and is refused on each (logged with its address),
// while writes go on without an election. A member's peer certificate replaced under load is
// presented to new connections (its serial on the wire) and no write fails.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { Etcd3 } from "etcd3";
import { noop } from "cockatiel";
import { createAuthority, createLeaf, type Pem } from "../../src/tls/generate.ts";
import { etcd3Client, etcdctl, errorLine, requireEtcdctl, runProcess, ETCDCTL, TEST_TIMEOUT, TestCluster, waitUntil } from "./harness.ts";

const BASE = 32700; // members 1-3 at 32700, 32710, 32720 (+0..+4)
let cluster: TestCluster | undefined;
let dir = "";
let member1Rotated: Pem;
const file = (name: string) => join(dir, name);

function save(name: string, p: Pem): void {
  writeFileSync(file(`${name}.pem`), p.cert);
  writeFileSync(file(`${name}-key.pem`), p.key, { mode: 0o600 });
}

const OPERATOR = () => ["--cacert", file("ca.pem"), "--cert", file("operator.pem"), "--key", file("operator-key.pem")];
const https = (c: TestCluster, ids: readonly number[] = c.ids) => ids.map((id) => `https://${c.endpoint(id)}`).join(",");

/** etcdctl with TLS flags; the harness's helper adds the endpoints and timeouts. */
const ctl = (c: TestCluster, flags: string[], args: string[], ids?: readonly number[]) => etcdctl(https(c, ids), [...flags, ...args]);

async function ctlOk(c: TestCluster, args: string[], ids?: readonly number[]): Promise<string> {
  const r = await ctl(c, OPERATOR(), args, ids);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}\n${c.tails()}`);
  return r.stdout;
}

interface Status { leader: number; raftTerm: number }
async function status(c: TestCluster, id: number): Promise<Status> {
  const out = await ctlOk(c, ["endpoint", "status", "-w", "json"], [id]);
  const s = (JSON.parse(out) as { Status: Partial<Status> }[])[0]!.Status;
  return { leader: s.leader ?? 0, raftTerm: s.raftTerm ?? 0 };
}

async function leaderAndTerm(c: TestCluster): Promise<{ leader: number; term: number }> {
  return waitUntil("a leader all members agree on, over TLS", 20_000, async () => {
    const all = await Promise.all(c.ids.map((id) => status(c, id)));
    const { leader, raftTerm } = all[0]!;
    return leader !== 0 && all.every((s) => s.leader === leader && s.raftTerm === raftTerm) ? { leader, term: raftTerm } : undefined;
  }, () => c.tails());
}

function operatorClient(c: TestCluster): Etcd3 {
  return new Etcd3({
    // grpc-js on Bun refuses an IP as the TLS server name: dial by the name the certificates carry.
    hosts: c.ids.map((id) => `https://${c.endpoint(id).replace("127.0.0.1", "localhost")}`),
    credentials: {
      rootCertificate: readFileSync(file("ca.pem")),
      certChain: readFileSync(file("operator.pem")),
      privateKey: readFileSync(file("operator-key.pem")),
    },
    dialTimeout: 3000,
    defaultCallOptions: () => ({ deadline: Date.now() + 8000 }),
    faultHandling: { host: () => noop, global: noop },
  });
}

/** The serial of the certificate a port presents to a new connection (operator credentials). */
function serialOnTheWire(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host: "127.0.0.1", port, ca: readFileSync(file("ca.pem")), cert: readFileSync(file("m2.pem")), key: readFileSync(file("m2-key.pem")),
      ALPNProtocols: ["h2"], checkServerIdentity: () => undefined,
    }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.destroy();
      resolve(serial);
    });
    s.on("error", reject);
  });
}

/** Dials a port with the intruder's certificate: resolves once the server has closed on it. */
function intrude(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({
      host: "127.0.0.1", port, ca: readFileSync(file("ca.pem")), cert: readFileSync(file("intruder.pem")), key: readFileSync(file("intruder-key.pem")),
      ALPNProtocols: ["h2"], checkServerIdentity: () => undefined,
    });
    let outcome = "closed";
    s.on("error", (e) => (outcome = e.message));
    s.on("data", () => (outcome = "the server sent application data"));
    s.on("close", () => resolve(outcome));
  });
}

describe("TLS: a 3-member cluster with mutual TLS on the client port and every peer plane", TEST_TIMEOUT, () => {
  before(async () => {
    requireEtcdctl();
    dir = mkdtempSync(join(tmpdir(), "trireme-tls-it-"));
    const ca = await createAuthority("trireme test cluster CA", 7);
    const other = await createAuthority("some other CA", 7);
    writeFileSync(file("ca.pem"), ca.cert);
    for (const id of [1, 2, 3]) save(`m${id}`, await createLeaf(ca, { commonName: `node-${id}`, hosts: ["127.0.0.1", "localhost"], role: "member", days: 7 }));
    member1Rotated = await createLeaf(ca, { commonName: "node-1", hosts: ["127.0.0.1", "localhost"], role: "member", days: 7 });
    save("operator", await createLeaf(ca, { commonName: "operator", hosts: [], role: "client", days: 7 }));
    save("intruder", await createLeaf(other, { commonName: "node-1", hosts: ["127.0.0.1"], role: "member", days: 7 }));
    save("stranger", await createLeaf(other, { commonName: "operator", hosts: [], role: "client", days: 7 }));
    writeFileSync(file("other-ca.pem"), other.cert);
    cluster = TestCluster.start({
      basePort: BASE,
      tweak: (config, id) => {
        config.tls.client = { cert_file: file(`m${id}.pem`), key_file: file(`m${id}-key.pem`), trusted_ca_file: file("ca.pem"), client_cert_auth: true };
        config.tls.peer = { cert_file: file(`m${id}.pem`), key_file: file(`m${id}-key.pem`), trusted_ca_file: file("ca.pem"), allowed_cn: "", allowed_hostname: "" };
        config.metrics.tls = true;
      },
    });
  });

  after(async () => {
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test("etcdctl with the operator certificate: put, get, watch, member list with https:// URLs, snapshot save", TEST_TIMEOUT, async () => {
    const c = cluster!;
    await leaderAndTerm(c);
    await ctlOk(c, ["put", "tls-key", "over-tls"]);
    assert.match(await ctlOk(c, ["get", "tls-key"], [2]), /tls-key\nover-tls/);
    const watcher = spawn(ETCDCTL, [`--endpoints=${https(c, [3])}`, ...OPERATOR(), "watch", "tls-watched"], { env: { ...process.env, ETCDCTL_API: "3" } });
    let seen = "";
    watcher.stdout.on("data", (d: Buffer) => (seen += d.toString()));
    watcher.stderr.on("data", (d: Buffer) => (seen += d.toString()));
    try {
      // The watch is open once a put made after it shows up; put until it does (bounded).
      await waitUntil("etcdctl watch over TLS to print a put", 15_000, async () => {
        await ctlOk(c, ["put", "tls-watched", "seen"]);
        return /PUT\ntls-watched\nseen/.test(seen) ? true : undefined;
      }, () => seen);
    } finally {
      watcher.kill("SIGKILL");
    }
    const members = await ctlOk(c, ["member", "list", "-w", "json"]);
    const list = JSON.parse(members) as { members: { clientURLs: string[]; peerURLs: string[] }[] };
    assert.equal(list.members.length, 3);
    for (const m of list.members) {
      assert.match(m.clientURLs[0]!, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.match(m.peerURLs[0]!, /^https:\/\//);
    }
    const snap = file("snapshot.db");
    await ctlOk(c, ["snapshot", "save", snap], [1]);
    assert.ok(readFileSync(snap).length > 0);
  });

  test("refused: no client certificate, one of another CA; a plaintext client is told to use TLS", TEST_TIMEOUT, async () => {
    const c = cluster!;
    await leaderAndTerm(c);
    // Shorter timeouts than the harness's: each of these only has to fail.
    const quick = ["--dial-timeout=1s", "--command-timeout=2s"];
    const noCert = await ctl(c, ["--cacert", file("ca.pem"), ...quick], ["get", "tls-key"], [1]);
    assert.notEqual(noCert.code, 0);
    const stranger = await ctl(c, ["--cacert", file("ca.pem"), "--cert", file("stranger.pem"), "--key", file("stranger-key.pem"), ...quick], ["get", "tls-key"], [1]);
    assert.notEqual(stranger.code, 0);
    // A plaintext client is answered at once, in HTTP/2, with why (etcd only closes, and etcdctl
    // retries until its command timeout): its first call fails with that reason, not a timeout.
    const plain = await etcdctl(`http://${c.endpoint(1)}`, ["--dial-timeout=5s", "--command-timeout=10s", "get", "tls-key"]);
    assert.notEqual(plain.code, 0);
    assert.doesNotMatch(plain.stdout, /over-tls/);
    assert.match(errorLine(plain), /code = Unauthenticated desc = this port serves TLS only: connect with https:\/\//);
    const grpcJs = etcd3Client(`http://${c.endpoint(1)}`);
    try {
      await assert.rejects(grpcJs.get("tls-key").string(), /UNAUTHENTICATED: this port serves TLS only/);
    } finally {
      grpcJs.close();
    }
    const http1 = await runProcess("curl", ["-s", "-w", "\n%{http_code}", `http://${c.endpoint(1)}/health`]);
    assert.match(http1.stdout, /Client sent an HTTP request to an HTTPS server[^]*\n400$/);
    // Probes speak HTTP/1.1 over TLS: the client port offers it in ALPN beside h2.
    const probe = await runProcess("curl", ["-sS", "--http1.1", "--max-time", "10", "-w", "\n%{http_version} %{http_code}", "--cacert", file("ca.pem"), "--cert", file("operator.pem"), "--key", file("operator-key.pem"), `https://${c.endpoint(1)}/health`]);
    assert.match(probe.stdout, /"health":"true"[^]*\n1\.1 200$/, probe.stderr);
    // Each refusal is logged by member 1 with the client's address and why.
    for (const why of [/no client certificate/, /not signed by the trusted CA/, /not TLS/]) {
      await c.waitForLine(1, `a client-port refusal matching ${why}`, (l) =>
        l.json?.msg === "TLS handshake refused" && l.json.port === "client" && /^127\.0\.0\.1:\d+$/.test(String(l.json.remote)) && why.test(String(l.json.reason)));
    }
    for (const r of [noCert, stranger, plain]) assert.match(errorLine(r), /^Error: /);
  });

  test("metrics.tls: the metrics address serves HTTPS to the operator certificate, a 400 to http://", TEST_TIMEOUT, async () => {
    const c = cluster!;
    await leaderAndTerm(c);
    const metrics = `127.0.0.1:${BASE + 4}`;
    const tlsCurl = await runProcess("curl", ["-sS", "--max-time", "10", "-w", "\n%{http_code}", "--cacert", file("ca.pem"), "--cert", file("operator.pem"), "--key", file("operator-key.pem"), `https://${metrics}/metrics`]);
    assert.match(tlsCurl.stdout, /trireme_raft_term[^]*\n200$/, tlsCurl.stderr);
    const plain = await runProcess("curl", ["-sS", "--max-time", "10", "-w", "\n%{http_code}", `http://${metrics}/health`]);
    assert.match(plain.stdout, /the metrics address serves TLS only[^]*\n400$/);
    const noCert = await runProcess("curl", ["-sS", "--max-time", "10", "--cacert", file("ca.pem"), `https://${metrics}/health`]);
    assert.notEqual(noCert.code, 0);
    await c.waitForLine(1, "the metrics port's refusal of a client without a certificate", (l) =>
      l.json?.msg === "TLS handshake refused" && l.json.port === "metrics" && /no client certificate/.test(String(l.json.reason)));
  });

  test("a process with another CA's certificate is refused on each peer port of a member, logged; writes go on, no election", TEST_TIMEOUT, async () => {
    const c = cluster!;
    const before = await leaderAndTerm(c);
    const planes = [["control", BASE + 1], ["data", BASE + 2], ["bulk", BASE + 3]] as const;
    for (const [plane, port] of planes) {
      const outcome = await intrude(port);
      assert.doesNotMatch(outcome, /application data/, `${plane}: the intruder got data`);
      await c.waitForLine(1, `the ${plane} port's refusal of the intruder`, (l) =>
        l.json?.msg === "TLS handshake refused" && l.json.port === plane && /^127\.0\.0\.1:\d+$/.test(String(l.json.remote)) && /not signed by the trusted CA/.test(String(l.json.reason)));
    }
    for (let i = 0; i < 5; i++) await ctlOk(c, ["put", `after-intruder-${i}`, "v"]);
    assert.deepEqual(await leaderAndTerm(c), before, "the intruder caused an election");
    // The members' own peer connections are TLS with their certificates (the planes serve TLS).
    assert.equal(await serialOnTheWire(BASE + 11), new X509Certificate(readFileSync(file("m2.pem"))).serialNumber);
  });

  test("rotation: member 1's certificate replaced under writes is presented to new connections; no write fails", TEST_TIMEOUT, async () => {
    const c = cluster!;
    await leaderAndTerm(c);
    const client = operatorClient(c);
    let writes = 0;
    const failures: string[] = [];
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        try {
          await client.put(`rotation-${writes}`).value("v");
          writes++;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();
    try {
      await waitUntil("writes before the rotation", 10_000, () => (writes >= 20 ? true : undefined), () => failures.slice(0, 3).join("\n"));
      const oldSerial = new X509Certificate(readFileSync(file("m1.pem"))).serialNumber;
      assert.equal(await serialOnTheWire(BASE + 1), oldSerial);
      const newSerial = new X509Certificate(member1Rotated.cert).serialNumber;
      const reloadsBefore = c.lines(1).filter((l) => l.json?.msg === "TLS certificate reloaded for new connections").length;
      save("m1", member1Rotated);
      await waitUntil("member 1 to reload its certificate on its five ports (metrics too)", 10_000, () =>
        c.lines(1).filter((l) => l.json?.msg === "TLS certificate reloaded for new connections").length >= reloadsBefore + 5 ? true : undefined, () => c.tails([1]));
      for (const port of [BASE, BASE + 1, BASE + 2, BASE + 3, BASE + 4]) assert.equal(await serialOnTheWire(port), newSerial, `port ${port}`);
      const at = writes;
      await waitUntil("writes after the rotation", 10_000, () => (writes >= at + 20 ? true : undefined));
      // A new client connection after the rotation works with the new certificate.
      assert.match(await ctlOk(c, ["get", "rotation-0"], [1]), /rotation-0/);
    } finally {
      stop = true;
      await writer;
      client.close();
    }
    assert.deepEqual(failures, []);
  });
});
