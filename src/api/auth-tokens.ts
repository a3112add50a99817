// Authenticate's tokens, as etcd's --auth-token: `simple` tokens are random strings this member
// remembers (with a TTL renewed on every use, as etcd's simpleTokenTTLKeeper) and only it can
// check; `jwt` tokens are signed with the configured key, carry the user name and expiry, and
// any member with the same key checks them, so a client keeps working after a failover.
import { createHmac, createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign, timingSafeEqual, verify } from "node:crypto";
import { readFileSync } from "node:fs";

export interface TokenInfo {
  user: string;
}

export interface TokenProvider {
  readonly kind: "simple" | "jwt";
  /** A new token for `user`, valid on this member at once (jwt: on every member with the key). */
  issue(user: string, authRevision: number): string;
  /** undefined: unknown, expired or forged. */
  check(token: string): TokenInfo | undefined;
  /** The user was deleted or changed password: its simple tokens go (etcd's invalidateUser). */
  invalidateUser(user: string): void;
  /** Auth was disabled: every simple token goes. */
  clear(): void;
  close(): void;
}

export class SimpleTokens implements TokenProvider {
  readonly kind = "simple";
  #tokens = new Map<string, { user: string; expires: number }>();
  #index = 0;
  #sweep: ReturnType<typeof setInterval>;

  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {
    this.#sweep = setInterval(() => {
      const t = this.now();
      for (const [k, v] of this.#tokens) if (v.expires <= t) this.#tokens.delete(k);
    }, Math.min(ttlMs, 60_000));
    this.#sweep.unref?.();
  }

  issue(user: string): string {
    const token = this.generate();
    this.register(token, user);
    return token;
  }

  /** etcd's format: 16 random letters, ".", a per-member counter. Valid once registered. */
  generate(): string {
    const letters = randomBytes(16).map((b) => 97 + (b % 26));
    return `${Buffer.from(letters).toString("latin1")}.${++this.#index}`;
  }

  /** Remembers a token (chosen by any member, applied from the log) for its TTL from now. */
  register(token: string, user: string): void {
    if (token !== "") this.#tokens.set(token, { user, expires: this.now() + this.ttlMs });
  }

  check(token: string): TokenInfo | undefined {
    const t = this.#tokens.get(token);
    if (t === undefined) return undefined;
    const now = this.now();
    if (t.expires <= now) {
      this.#tokens.delete(token);
      return undefined;
    }
    t.expires = now + this.ttlMs;
    return { user: t.user };
  }

  invalidateUser(user: string): void {
    for (const [k, v] of this.#tokens) if (v.user === user) this.#tokens.delete(k);
  }

  clear(): void {
    this.#tokens.clear();
  }

  close(): void {
    clearInterval(this.#sweep);
    this.#tokens.clear();
  }
}

export type JwtSignMethod = "HS256" | "RS256" | "ES256";

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** etcd's jwt token: header.claims.signature with claims {username, revision, exp}. */
export class JwtTokens implements TokenProvider {
  readonly kind = "jwt";
  #secret: Buffer | undefined;
  #private: KeyObject | undefined;
  #public: KeyObject | undefined;
  #header: string;

  constructor(keyFile: string, private readonly method: JwtSignMethod, private readonly ttlMs: number, private readonly now: () => number = Date.now) {
    let pem: Buffer;
    try {
      pem = readFileSync(keyFile);
    } catch (err) {
      throw new Error(`auth: cannot read jwt_key_file ${keyFile} (${(err as Error).message})`);
    }
    if (method === "HS256") this.#secret = pem;
    else {
      try {
        this.#private = createPrivateKey(pem);
        this.#public = createPublicKey(this.#private);
      } catch (err) {
        throw new Error(`auth: jwt_key_file ${keyFile} is not a PEM private key for ${method} (${(err as Error).message})`);
      }
      const type = this.#private.asymmetricKeyType;
      if ((method === "RS256" && type !== "rsa") || (method === "ES256" && type !== "ec")) {
        throw new Error(`auth: jwt_key_file ${keyFile} holds a ${type} key, ${method} needs ${method === "RS256" ? "an rsa" : "an ec (P-256)"} key`);
      }
    }
    this.#header = b64url(JSON.stringify({ alg: method, typ: "JWT" }));
  }

  #sign(data: string): Buffer {
    if (this.#secret) return createHmac("sha256", this.#secret).update(data).digest();
    return sign("sha256", Buffer.from(data), this.method === "ES256" ? { key: this.#private!, dsaEncoding: "ieee-p1363" } : this.#private!);
  }

  #verify(data: string, sig: Buffer): boolean {
    if (this.#secret) {
      const want = createHmac("sha256", this.#secret).update(data).digest();
      return want.length === sig.length && timingSafeEqual(want, sig);
    }
    return verify("sha256", Buffer.from(data), this.method === "ES256" ? { key: this.#public!, dsaEncoding: "ieee-p1363" } : this.#public!, sig);
  }

  issue(user: string, authRevision: number): string {
    const claims = b64url(JSON.stringify({ username: user, revision: authRevision, exp: Math.floor((this.now() + this.ttlMs) / 1000) }));
    const data = `${this.#header}.${claims}`;
    return `${data}.${b64url(this.#sign(data))}`;
  }

  check(token: string): TokenInfo | undefined {
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== this.#header) return undefined;
    if (!this.#verify(`${parts[0]}.${parts[1]}`, Buffer.from(parts[2]!, "base64url"))) return undefined;
    let claims: { username?: unknown; exp?: unknown };
    try {
      claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    } catch {
      return undefined;
    }
    if (typeof claims.username !== "string" || typeof claims.exp !== "number") return undefined;
    if (claims.exp * 1000 <= this.now()) return undefined;
    return { user: claims.username };
  }

  // A jwt cannot be taken back; a deleted user's token fails the permission check instead.
  invalidateUser(): void {}
  clear(): void {}
  close(): void {}
}
