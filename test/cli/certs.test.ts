// `trireme init --tls` and `trireme certs` as a user runs them: a CA and per-member certificates
// whose SANs are the --peers hosts, keys of mode 0600, configs that point at them and pass
// `config check`; TLS on by default for the wan, lossy and unstable networks and off for lan;
// a CA already in the directory is reused for a member added later.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../../src/config/load.ts";

const root = resolve(import.meta.dirname, "../..");
const bun = resolve(root, "node_modules/.bin/bun");
const main = resolve(root, "src/main.ts");

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "trireme-certs-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function trireme(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(bun, [main, ...args], { cwd: dir, encoding: "utf8", timeout: 30_000, env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const cert = (f: string) => new X509Certificate(readFileSync(f));
const mode = (f: string) => statSync(f).mode & 0o777;

describe("trireme init --tls", () => {
  test("--network wan with 3 peers: CA, member and operator certificates, keys 0600, configs that check", () => {
    const r = trireme("init", "--preset", "cloud-3", "--network", "wan", "--out-dir", "wan", "--peers", "1=127.0.0.1,2=127.0.0.2:2479,3=db3.example");
    assert.equal(r.code, 0, r.stderr);
    const tls = join(dir, "wan", "tls");
    const ca = cert(join(tls, "ca.pem"));
    assert.equal(ca.ca, true);
    for (const key of ["ca-key.pem", "node-1-key.pem", "node-2-key.pem", "node-3-key.pem", "operator-key.pem"]) assert.equal(mode(join(tls, key)), 0o600, key);
    assert.match(cert(join(tls, "node-1.pem")).subjectAltName ?? "", /IP Address:127\.0\.0\.1/);
    assert.match(cert(join(tls, "node-2.pem")).subjectAltName ?? "", /IP Address:127\.0\.0\.2/);
    assert.equal(cert(join(tls, "node-3.pem")).subjectAltName, "DNS:db3.example");
    for (const id of [1, 2, 3]) {
      const leaf = cert(join(tls, `node-${id}.pem`));
      assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey), `node-${id} is signed by the CA`);
      const file = join(dir, "wan", `node-${id}.toml`);
      const c = loadConfig(file); // the TLS checks run here: files, key match, SANs
      assert.equal(c.tls.peer.trusted_ca_file, join(tls, "ca.pem"));
      assert.equal(c.tls.client.client_cert_auth, true);
      assert.match(readFileSync(file, "utf8"), /# preset: the wan network preset crosses networks nobody trusts, so init turned TLS on/);
      const check = trireme("config", "check", file);
      assert.equal(check.code, 0, check.stderr);
    }
    assert.match(cert(join(tls, "operator.pem")).subject, /CN=operator/);
    // config check names the file and the problem when a key is not its certificate's.
    const broken = join(dir, "wan", "broken.toml");
    writeFileSync(broken, readFileSync(join(dir, "wan", "node-1.toml"), "utf8").replaceAll('key_file = "tls/node-1-key.pem"', 'key_file = "tls/node-2-key.pem"'));
    const bad = trireme("config", "check", broken);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /tls\.peer\.key_file: got ".*node-2-key\.pem" \(does not match the certificate in ".*node-1\.pem"\)/);
    assert.match(r.stdout, /keep ca-key\.pem off the members' hosts/);
  });

  test("lan leaves TLS off unless --tls; --no-tls turns the wan default off; stdout cannot carry certificates", () => {
    assert.equal(trireme("init", "--out-dir", "lan").code, 0);
    assert.equal(existsSync(join(dir, "lan", "tls")), false);
    assert.equal(loadConfig(join(dir, "lan", "node-1.toml")).tls.peer.cert_file, "");
    assert.equal(trireme("init", "--tls", "--out-dir", "lan-tls").code, 0);
    assert.equal(loadConfig(join(dir, "lan-tls", "node-1.toml")).tls.client.cert_file, join(dir, "lan-tls", "tls", "node-1.pem"));
    assert.equal(trireme("init", "--network", "lossy", "--no-tls", "--out-dir", "lossy").code, 0);
    assert.equal(existsSync(join(dir, "lossy", "tls")), false);
    const stdout = trireme("init", "--network", "unstable");
    assert.equal(stdout.code, 0);
    assert.match(stdout.stderr, /turns TLS on when init writes files/);
    const refused = trireme("init", "--tls");
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--tls writes certificate files beside the config: give -o FILE or --out-dir DIR/);
  });

  test("a member added later (-o, one file) gets a certificate of the same CA", () => {
    assert.equal(trireme("init", "--network", "wan", "--out-dir", "grow", "--peers", "1=127.0.0.1,2=127.0.0.1:2479").code, 0);
    const before = readFileSync(join(dir, "grow", "tls", "ca.pem"), "utf8");
    const r = trireme("init", "--network", "wan", "-o", "grow/node-3.toml", "--node-id", "3", "--initial-state", "existing", "--peers", "1=127.0.0.1,2=127.0.0.1:2479,3=127.0.0.1:2579");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /reused the CA/);
    assert.equal(readFileSync(join(dir, "grow", "tls", "ca.pem"), "utf8"), before);
    const ca = cert(join(dir, "grow", "tls", "ca.pem"));
    assert.ok(cert(join(dir, "grow", "tls", "node-3.pem")).verify(ca.publicKey));
  });
});

describe("trireme certs", () => {
  test("writes the files, refuses to overwrite without --force, keeps the CA with it", () => {
    const r = trireme("certs", "--peers", "1=10.0.0.1,2=10.0.0.2", "--dir", "certs", "--days", "30");
    assert.equal(r.code, 0, r.stderr);
    const ca = readFileSync(join(dir, "certs", "ca.pem"), "utf8");
    const leaf = cert(join(dir, "certs", "node-2.pem"));
    assert.equal(leaf.subjectAltName, "IP Address:10.0.0.2");
    assert.ok(Date.parse(leaf.validTo) < Date.now() + 31 * 86_400_000);
    const again = trireme("certs", "--peers", "1=10.0.0.1,2=10.0.0.2", "--dir", "certs");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /node-1\.pem.*already exist; pass --force/);
    assert.equal(trireme("certs", "--peers", "1=10.0.0.1,2=10.0.0.2", "--dir", "certs", "--force").code, 0);
    assert.equal(readFileSync(join(dir, "certs", "ca.pem"), "utf8"), ca, "--force keeps the CA");
    assert.notEqual(cert(join(dir, "certs", "node-2.pem")).serialNumber, leaf.serialNumber);
  });
});
