// Authenticate's tokens (src/api/auth-tokens.ts) with a clock the test moves: a simple token's
// TTL is renewed by use and it dies after TTL idle; invalidating a user or disabling auth drops
// its tokens; a jwt is checked by any provider holding the same key, expires at its exp, and a
// forged or re-signed one is refused; the sign methods refuse a key of the wrong type.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JwtTokens, SimpleTokens } from "../../src/api/auth-tokens.ts";

describe("auth tokens", () => {
  const dir = mkdtempSync(join(tmpdir(), "trireme-tokens-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let now = 1_000_000;
  const clock = () => now;

  test("simple: etcd's format, TTL renewed on use, gone after TTL idle, per user and all at once", () => {
    const t = new SimpleTokens(300_000, clock);
    try {
      const a = t.issue("alice");
      assert.match(a, /^[a-z]{16}\.1$/);
      now += 299_000;
      assert.deepEqual(t.check(a), { user: "alice" });
      now += 299_000; // idle less than the TTL since the last use
      assert.deepEqual(t.check(a), { user: "alice" });
      now += 300_000;
      assert.equal(t.check(a), undefined, "expired after a TTL without use");
      const b = t.issue("bob"), c = t.issue("carol");
      t.invalidateUser("bob");
      assert.equal(t.check(b), undefined);
      assert.deepEqual(t.check(c), { user: "carol" });
      t.clear();
      assert.equal(t.check(c), undefined);
      assert.equal(t.check("forged.1"), undefined);
    } finally {
      t.close();
    }
  });

  for (const method of ["ES256", "RS256", "HS256"] as const) {
    test(`jwt ${method}: any member with the key checks it; expiry; forgeries refused`, () => {
      const file = join(dir, `${method}.key`);
      if (method === "HS256") writeFileSync(file, "a shared secret of the cluster");
      else {
        const { privateKey } = method === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("rsa", { modulusLength: 2048 });
        writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }));
      }
      const issuer = new JwtTokens(file, method, 60_000, clock);
      const other = new JwtTokens(file, method, 60_000, clock);
      const token = issuer.issue("alice", 7);
      assert.deepEqual(other.check(token), { user: "alice" });
      const [h, claims, sig] = token.split(".");
      const evil = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(claims!, "base64url").toString()), username: "root" })).toString("base64url");
      assert.equal(other.check(`${h}.${evil}.${sig}`), undefined, "claims changed under the signature");
      assert.equal(other.check(`${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${claims}.`), undefined);
      now += 61_000;
      assert.equal(other.check(token), undefined, "expired");
    });
  }

  test("jwt: a key of the wrong kind for the method is refused with a message naming the file", () => {
    const file = join(dir, "rsa.key");
    writeFileSync(file, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }));
    assert.throws(() => new JwtTokens(file, "ES256", 1000), /rsa\.key holds a rsa key, ES256 needs an ec \(P-256\) key/);
    assert.throws(() => new JwtTokens(join(dir, "missing"), "RS256", 1000), /cannot read jwt_key_file/);
  });
});
