// [tls.client] and [tls.peer]: every bad file gives a problem naming the key, the file and what is
// wrong (missing, a directory, not PEM, key of another certificate, expired, SANs that miss the
// member's addresses, a peer certificate of another CA), and half-set sections are refused;
// metrics.tls needs [tls.client].
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, type ConfigProblem } from "../../src/config/load.ts";
import { createAuthority, createLeaf } from "../../src/tls/generate.ts";

let dir = "";

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

/** A config of member 1 at 127.0.0.1 with these [tls.*] lines, loaded from `dir`. */
function load(tls: string): ConfigProblem[] {
  const file = join(dir, "config.toml");
  writeFileSync(file, `[node]\nid = 1\nclient_address = "127.0.0.1:2379"\ncontrol_address = "127.0.0.1:2380"\ndata_address = "127.0.0.1:2381"\nbulk_address = "127.0.0.1:2382"\n${tls}`);
  try {
    loadConfig(file);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    for (const p of err.problems) assert.ok(err.message.includes(`${p.key}: got ${p.got}; expected ${p.expected}`));
    return err.problems;
  }
}

const peer = (cert: string, key: string, ca: string) => `[tls.peer]\ncert_file = "${cert}"\nkey_file = "${key}"\ntrusted_ca_file = "${ca}"\n`;

function one(ps: ConfigProblem[], key: string, has: RegExp): void {
  assert.equal(ps.length, 1, ps.map((p) => `${p.key}: ${p.got}`).join("\n"));
  assert.equal(ps[0]!.key, key);
  assert.match(ps[0]!.got, has);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "trireme-tls-config-"));
  const ca = await createAuthority("test cluster CA", 30);
  const other = await createAuthority("another CA", 30);
  const good = await createLeaf(ca, { commonName: "node-1", hosts: ["127.0.0.1", "localhost"], role: "member", days: 30 });
  const second = await createLeaf(ca, { commonName: "node-1", hosts: ["127.0.0.1"], role: "member", days: 30 });
  const elsewhere = await createLeaf(ca, { commonName: "node-1", hosts: ["10.9.9.9", "db.example"], role: "member", days: 30 });
  const expired = await createLeaf(ca, { commonName: "node-1", hosts: ["127.0.0.1"], role: "member", days: 1, notBefore: new Date(Date.now() - 10 * 86_400_000) });
  const foreign = await createLeaf(other, { commonName: "node-1", hosts: ["127.0.0.1"], role: "member", days: 30 });
  write("ca.pem", ca.cert);
  write("other-ca.pem", other.cert);
  write("m.pem", good.cert);
  write("m-key.pem", good.key);
  write("second-key.pem", second.key);
  write("elsewhere.pem", elsewhere.cert);
  write("elsewhere-key.pem", elsewhere.key);
  write("expired.pem", expired.cert);
  write("expired-key.pem", expired.key);
  write("foreign.pem", foreign.cert);
  write("foreign-key.pem", foreign.key);
  write("garbage.pem", "not a certificate\n");
  mkdirSync(join(dir, "a-directory"));
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("tls files", () => {
  test("good files, relative to the config file, load and resolve to absolute paths", () => {
    assert.deepEqual(load(peer("m.pem", "m-key.pem", "ca.pem") + '[tls.client]\ncert_file = "m.pem"\nkey_file = "m-key.pem"\ntrusted_ca_file = "ca.pem"\nclient_cert_auth = true\n'), []);
    const c = loadConfig(join(dir, "config.toml"));
    assert.equal(c.tls.peer.cert_file, join(dir, "m.pem"));
    assert.equal(c.tls.client.trusted_ca_file, join(dir, "ca.pem"));
  });

  test("a missing file names the key and the file", () => {
    one(load(peer("nope.pem", "m-key.pem", "ca.pem")), "tls.peer.cert_file", /nope\.pem.*no such file/);
  });

  test("a directory where a file belongs", () => {
    one(load(peer("m.pem", "a-directory", "ca.pem")), "tls.peer.key_file", /a-directory.*is a directory/);
  });

  test("a file that is not PEM", () => {
    one(load(peer("garbage.pem", "m-key.pem", "ca.pem")), "tls.peer.cert_file", /garbage\.pem.*no BEGIN CERTIFICATE/);
    one(load(peer("m.pem", "garbage.pem", "ca.pem")), "tls.peer.key_file", /garbage\.pem/);
    one(load(peer("m.pem", "m-key.pem", "garbage.pem")), "tls.peer.trusted_ca_file", /garbage\.pem.*no BEGIN CERTIFICATE/);
  });

  test("a key that does not match its certificate", () => {
    one(load(peer("m.pem", "second-key.pem", "ca.pem")), "tls.peer.key_file", /second-key\.pem" \(does not match the certificate in .*m\.pem/);
  });

  test("an expired certificate", () => {
    one(load(peer("expired.pem", "expired-key.pem", "ca.pem")), "tls.peer.cert_file", /expired\.pem.*expired on/);
  });

  test("a peer certificate whose SANs miss the member's advertised addresses", () => {
    one(load(peer("elsewhere.pem", "elsewhere-key.pem", "ca.pem")), "tls.peer.cert_file", /elsewhere\.pem.*IP Address:10\.9\.9\.9.*do not cover 127\.0\.0\.1/);
  });

  test("a client-port certificate whose SANs miss node.client_address", () => {
    one(load('[tls.client]\ncert_file = "elsewhere.pem"\nkey_file = "elsewhere-key.pem"\n'), "tls.client.cert_file", /do not cover 127\.0\.0\.1/);
  });

  test("a peer certificate not signed by the cluster CA", () => {
    one(load(peer("foreign.pem", "foreign-key.pem", "ca.pem")), "tls.peer.cert_file", /issued by CN=another CA, not signed by a CA in/);
  });

  test("peer TLS is all three files or none", () => {
    const ps = load('[tls.peer]\ncert_file = "m.pem"\nkey_file = "m-key.pem"\n');
    one(ps, "tls.peer.trusted_ca_file", /not set/);
    one(load('[tls.peer]\nallowed_cn = "node-1"\n'), "tls.peer.allowed_cn", /node-1/);
    one(load('[tls.peer]\nallowed_hostname = "node-1.example"\n'), "tls.peer.allowed_hostname", /node-1\.example/);
    assert.deepEqual(load(`${peer("m.pem", "m-key.pem", "ca.pem")}allowed_hostname = "localhost"\n`), []);
    one(load(`${peer("m.pem", "m-key.pem", "ca.pem")}allowed_cn = "node-1"\nallowed_hostname = "localhost"\n`), "tls.peer.allowed_hostname", /localhost/);
  });

  test("client TLS: cert and key together, client_cert_auth needs a CA", () => {
    one(load('[tls.client]\ncert_file = "m.pem"\n'), "tls.client.key_file", /not set/);
    one(load('[tls.client]\ncert_file = "m.pem"\nkey_file = "m-key.pem"\nclient_cert_auth = true\n'), "tls.client.trusted_ca_file", /not set/);
  });

  test("metrics.tls needs [tls.client], and the client certificate's SANs must cover the metrics address", () => {
    one(load("[metrics]\ntls = true\n"), "metrics.tls", /true/);
    assert.deepEqual(load('[metrics]\ntls = true\naddress = "127.0.0.1:2383"\n[tls.client]\ncert_file = "m.pem"\nkey_file = "m-key.pem"\n'), []);
    one(load('[metrics]\ntls = true\naddress = "10.1.2.3:2383"\n[tls.client]\ncert_file = "m.pem"\nkey_file = "m-key.pem"\n'), "tls.client.cert_file", /do not cover 10\.1\.2\.3/);
  });
});
