// The `[auth]` keys: etcd's --auth-token (its type and, for jwt, the key and sign method),
// --auth-token-ttl and --bcrypt-cost. Kept beside schema.ts, which spreads them into SCHEMA.
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { Rule } from "./rules.ts";
import type { KeySpec } from "./key-spec.ts";
import type { Config } from "./types.ts";

export const AUTH_KEYS: readonly KeySpec[] = [
  {
    path: "auth.token",
    kind: { type: "enum", values: ["simple", "jwt"] },
    default: "simple",
    doc: 'Tokens Authenticate issues (etcd\'s --auth-token): "simple" ones only the issuing member knows; "jwt" ones, signed with jwt_key_file, work on every member (docs/auth.md).',
  },
  {
    path: "auth.token_ttl_s",
    kind: { type: "integer", min: 1, max: 31_536_000, unit: "s" },
    default: 300,
    doc: "Lifetime of a token: a simple token's since its last use, a jwt's since it was issued (etcd's --auth-token-ttl).",
  },
  {
    path: "auth.bcrypt_cost",
    kind: { type: "integer", min: 4, max: 31 },
    default: 10,
    doc: "bcrypt cost (log2 rounds) of the password hashes UserAdd and UserChangePassword store (etcd's --bcrypt-cost).",
  },
  {
    path: "auth.jwt_key_file",
    kind: { type: "optional", what: "a PEM private key file (a shared secret for HS256)" },
    default: "",
    doc: "Key that signs and checks jwt tokens; every member needs the same one. Required with token = \"jwt\".",
  },
  {
    path: "auth.jwt_sign_method",
    kind: { type: "enum", values: ["RS256", "ES256", "HS256"] },
    default: "RS256",
    doc: "Signature of jwt tokens: RS256 (an RSA key), ES256 (a P-256 key) or HS256 (a shared secret).",
  },
];

/** jwt_key_file relative to the config file, like the TLS files. */
export function resolveAuthFiles(c: Config, dir: string): void {
  if (c.auth.jwt_key_file !== "" && !isAbsolute(c.auth.jwt_key_file)) c.auth.jwt_key_file = resolve(dir, c.auth.jwt_key_file);
}

export const AUTH_RULES: readonly Rule[] = [
  {
    doc: '`[auth]`: `token = "jwt"` needs `jwt_key_file` (a readable key every member shares; PEM for RS256/ES256).',
    severity: "error",
    reads: ["auth.token", "auth.jwt_key_file", "auth.jwt_sign_method"],
    check(c, ctx) {
      const a = c.auth;
      if (a.token !== "jwt") return;
      if (a.jwt_key_file === "") {
        ctx.error("auth.jwt_key_file", '"" (not set)', 'the key jwt tokens are signed with, since token = "jwt"');
        return;
      }
      let text: string;
      try {
        text = readFileSync(a.jwt_key_file, "utf8");
      } catch (err) {
        ctx.error("auth.jwt_key_file", JSON.stringify(a.jwt_key_file), `a readable file (${(err as Error).message})`);
        return;
      }
      if (a.jwt_sign_method !== "HS256" && !text.includes("PRIVATE KEY-----")) {
        ctx.error("auth.jwt_key_file", JSON.stringify(a.jwt_key_file), `a PEM private key for ${a.jwt_sign_method}`);
      }
    },
  },
];
