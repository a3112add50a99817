// Under test/api, not test/config: it loads the Auth service (src/api), which Deno, running test/config, does not type-check.
// [auth]: the keys load with etcd's defaults, jwt_key_file is relative to the config file, and
// token = "jwt" without a readable key (or with a file that is no PEM private key for RS256/ES256)
// is refused naming the key.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/types.ts";
import { authOptions, tokenProvider } from "../../src/api/auth-service.ts";

describe("[auth] config", () => {
  let dir = "";
  before(() => (dir = mkdtempSync(join(tmpdir(), "trireme-auth-config-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const load = (auth: string): Config | string[] => {
    const file = join(dir, "config.toml");
    writeFileSync(file, `[node]\nid = 1\nclient_address = "127.0.0.1:2379"\ncontrol_address = "127.0.0.1:2380"\ndata_address = "127.0.0.1:2381"\nbulk_address = "127.0.0.1:2382"\n${auth}`);
    try {
      return loadConfig(file);
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.problems.map((p) => `${p.key}: ${p.expected}`);
    }
  };

  test("defaults are etcd's: simple tokens, 300 s, bcrypt cost 10", () => {
    const c = load("") as Config;
    assert.deepEqual(c.auth, { token: "simple", token_ttl_s: 300, bcrypt_cost: 10, jwt_key_file: "", jwt_sign_method: "RS256" });
    assert.equal(tokenProvider(authOptions(c.auth)).kind, "simple");
  });

  test("jwt needs a readable PEM key; the file is relative to config.toml and signs tokens", () => {
    assert.deepEqual(load('[auth]\ntoken = "jwt"\n'), ['auth.jwt_key_file: the key jwt tokens are signed with, since token = "jwt"']);
    assert.match((load('[auth]\ntoken = "jwt"\njwt_key_file = "nope.pem"\n') as string[])[0]!, /^auth\.jwt_key_file: a readable file/);
    writeFileSync(join(dir, "secret.txt"), "not a key");
    assert.deepEqual(load('[auth]\ntoken = "jwt"\njwt_key_file = "secret.txt"\n'), ["auth.jwt_key_file: a PEM private key for RS256"]);
    writeFileSync(join(dir, "jwt.pem"), generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }));
    const c = load('[auth]\ntoken = "jwt"\njwt_key_file = "jwt.pem"\njwt_sign_method = "ES256"\ntoken_ttl_s = 60\nbcrypt_cost = 4\n') as Config;
    assert.equal(c.auth.jwt_key_file, join(dir, "jwt.pem"));
    const tokens = tokenProvider(authOptions(c.auth));
    assert.equal(tokens.kind, "jwt");
    assert.deepEqual(tokens.check(tokens.issue("alice", 1)), { user: "alice" });
    assert.ok((load('[auth]\nbcrypt_cost = 3\n') as string[])[0]!.startsWith("auth.bcrypt_cost"));
  });
});
