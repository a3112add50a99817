// Puts the Auth pieces together for the client port: the token provider `[auth]` asks for, the
// password hasher, the guard every service goes through, and the Auth service's handlers.
import type { AuthSection } from "../config/types.ts";
import type { MethodDefinition, ServiceImplementation, UnaryHandler } from "../grpc/types.ts";
import type { InternalRequest, WriteResponse } from "../kv/types.ts";
import { type AuthApiDeps, authHandlers, AuthService } from "./auth.ts";
import { AuthGuard } from "./auth-guard.ts";
import { PasswordHasher } from "./auth-password.ts";
import { JwtTokens, type JwtSignMethod, SimpleTokens, type TokenProvider } from "./auth-tokens.ts";
import type { KvBackend } from "./backend.ts";
import type { Decoded } from "./services.ts";

/** `[auth]` of config.toml (src/config/auth-keys.ts), etcd's flags in brackets. */
export interface AuthOptions {
  /** --auth-token's type. */
  token: "simple" | "jwt";
  /** --auth-token-ttl. */
  tokenTtlS: number;
  /** --bcrypt-cost. */
  bcryptCost: number;
  /** --auth-token's priv-key (jwt only). */
  jwtKeyFile: string;
  /** --auth-token's sign-method (jwt only). */
  jwtSignMethod: JwtSignMethod;
}

/** The node's `[auth]` section as the port's options. */
export function authOptions(a: AuthSection): AuthOptions {
  return { token: a.token, tokenTtlS: a.token_ttl_s, bcryptCost: a.bcrypt_cost, jwtKeyFile: a.jwt_key_file, jwtSignMethod: a.jwt_sign_method };
}

export const DEFAULT_AUTH: AuthOptions = { token: "simple", tokenTtlS: 300, bcryptCost: 10, jwtKeyFile: "", jwtSignMethod: "RS256" };

export function tokenProvider(o: AuthOptions): TokenProvider {
  if (o.token === "simple") return new SimpleTokens(o.tokenTtlS * 1000);
  if (o.jwtKeyFile === "") throw new Error('auth: token = "jwt" needs jwt_key_file (the key every member signs and checks tokens with)');
  return new JwtTokens(o.jwtKeyFile, o.jwtSignMethod, o.tokenTtlS * 1000);
}

type Adapt = <Req, Res>(def: MethodDefinition<Decoded<Req>, Res>, fn: (req: Req) => Res | Promise<Res>) => UnaryHandler<Decoded<Req>, Res>;

export interface Auth {
  readonly guard: AuthGuard;
  readonly service: typeof AuthService;
  /** The service's implementation, each handler adapted by the port's `adapt`. */
  handlers(header: AuthApiDeps["header"], write: (req: InternalRequest) => Promise<WriteResponse>, adapt: Adapt): ServiceImplementation;
  close(): void;
}

export function startAuth(backend: KvBackend, options: Partial<AuthOptions> = {}): Auth {
  const o = { ...DEFAULT_AUTH, ...options };
  const guard = new AuthGuard(backend.store, tokenProvider(o));
  const hasher = new PasswordHasher(o.bcryptCost);
  return {
    guard,
    service: AuthService,
    handlers(header, write, adapt) {
      const h = authHandlers({ backend, header, write, guard, hasher }) as Record<string, (req: never) => unknown>;
      const impl: Record<string, unknown> = {};
      for (const def of Object.values(AuthService)) {
        const name = def.originalName!;
        impl[name] = adapt(def as MethodDefinition<Decoded<never>, unknown>, (req) => h[name]!(req));
      }
      return impl as ServiceImplementation;
    },
    close: () => guard.close(),
  };
}
