// The one place kv/ touches a SQLite binding: `bun:sqlite` on Bun (≈10 % faster range reads,
// runtime-facts.md §3), `node:sqlite` elsewhere. Both are synchronous; the store relies on
// that (an apply batch runs to completion inside one event-loop turn). Positional `?`
// parameters only: the two bindings disagree on named-parameter prefixes.
// TODO(lead): merge with src/storage/sqlite.ts once both exist.

export type SqlValue = number | bigint | string | Uint8Array | null;
export type SqlRow = Record<string, SqlValue>;

export interface SqlStatement {
  all(...params: SqlValue[]): SqlRow[];
  get(...params: SqlValue[]): SqlRow | undefined;
  run(...params: SqlValue[]): { changes: number };
}

export interface SqlDatabase {
  prepare(sql: string): SqlStatement;
  exec(sql: string): void;
  close(): void;
}

interface RawStatement {
  all(...params: SqlValue[]): unknown[];
  get(...params: SqlValue[]): unknown;
  run(...params: SqlValue[]): { changes: number | bigint };
}
interface RawDatabase {
  prepare(sql: string): RawStatement;
  exec(sql: string): unknown;
  close(): void;
}

type Opener = (path: string, readonly: boolean) => RawDatabase;
export type SqliteBinding = "bun" | "node";

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

const openers: Partial<Record<SqliteBinding, Opener>> = {};
if (isBun) {
  const { Database } = await import("bun:sqlite");
  openers.bun = (path, readonly) =>
    (readonly ? new Database(path, { readonly: true }) : new Database(path, { create: true })) as unknown as RawDatabase;
}
try {
  const { DatabaseSync } = await import("node:sqlite");
  openers.node = (path, readonly) => new DatabaseSync(path, { readOnly: readonly }) as unknown as RawDatabase;
} catch {
  // A runtime without node:sqlite (Node < 22.5): only an explicit request for it fails.
}

function wrapStatement(raw: RawStatement): SqlStatement {
  return {
    all: (...p) => raw.all(...p) as SqlRow[],
    // bun:sqlite answers `null` for no row, node:sqlite `undefined`.
    get: (...p) => (raw.get(...p) ?? undefined) as SqlRow | undefined,
    run: (...p) => ({ changes: Number(raw.run(...p).changes) }),
  };
}

/** Opens (creating if needed) a SQLite database file, with `bun:sqlite` on Bun and
 *  `node:sqlite` elsewhere unless `binding` says which. */
export function openSqlite(path: string, opts: { readonly?: boolean; binding?: SqliteBinding } = {}): SqlDatabase {
  const binding = opts.binding ?? (isBun ? "bun" : "node");
  const opener = openers[binding];
  if (opener === undefined) throw new Error(`SQLite binding ${binding}:sqlite is not available in this runtime`);
  const raw = opener(path, opts.readonly === true);
  return {
    prepare: (sql) => wrapStatement(raw.prepare(sql)),
    exec: (sql) => void raw.exec(sql),
    close: () => raw.close(),
  };
}
