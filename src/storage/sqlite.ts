// The one place that knows which SQLite driver runs (for the log store and the kv store): `bun:sqlite` on Bun (the two measure
// alike on the log's writes and range reads: docs/performance.md, "Storage: the log"), `node:sqlite` elsewhere (Deno). Both are
// synchronous; callers that must not block the event loop use them from the writer worker.

export type SqlValue = number | bigint | string | Uint8Array | null;
export type Row = Record<string, SqlValue>;

export interface Statement {
  run(...params: SqlValue[]): { changes: number };
  get(...params: SqlValue[]): Row | undefined;
  all(...params: SqlValue[]): Row[];
}

export interface SqliteDb {
  readonly driver: SqliteDriver;
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}

export type SqliteDriver = "bun" | "node";

export interface OpenOptions {
  readonly?: boolean;
  /** Force a driver (the benchmark compares both); default: bun:sqlite when running on Bun. */
  driver?: SqliteDriver;
}

interface BunStatement {
  run(...p: SqlValue[]): { changes: number | bigint };
  get(...p: SqlValue[]): Row | null;
  all(...p: SqlValue[]): Row[];
}
interface BunDatabase {
  exec(sql: string): void;
  prepare(sql: string): BunStatement;
  close(): void;
}
interface BunSqliteModule {
  Database: new (path: string, opts: { readonly?: boolean; create?: boolean; strict?: boolean }) => BunDatabase;
}
interface NodeStatement {
  run(...p: SqlValue[]): { changes: number | bigint };
  get(...p: SqlValue[]): Row | undefined;
  all(...p: SqlValue[]): Row[];
}
interface NodeDatabase {
  exec(sql: string): void;
  prepare(sql: string): NodeStatement;
  close(): void;
}
interface NodeSqliteModule {
  DatabaseSync: new (path: string, opts: { readOnly?: boolean }) => NodeDatabase;
}

const onBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
// Resolved once at module load so opening a database stays synchronous.
const bunSqlite: BunSqliteModule | undefined = onBun ? ((await import("bun:sqlite")) as BunSqliteModule) : undefined;
const nodeSqlite: NodeSqliteModule = (await import("node:sqlite")) as unknown as NodeSqliteModule;

export const defaultDriver: SqliteDriver = onBun ? "bun" : "node";

export function openSqlite(path: string, opts: OpenOptions = {}): SqliteDb {
  const driver = opts.driver ?? defaultDriver;
  if (driver === "bun") {
    if (bunSqlite === undefined) throw new Error("bun:sqlite is only available when running on Bun");
    const db = new bunSqlite.Database(path, { readonly: opts.readonly ?? false, create: !opts.readonly, strict: true });
    return {
      driver,
      exec: (sql) => db.exec(sql),
      prepare: (sql) => {
        const s = db.prepare(sql);
        return {
          run: (...p) => ({ changes: Number(s.run(...p).changes) }),
          get: (...p) => s.get(...p) ?? undefined,
          all: (...p) => s.all(...p),
        };
      },
      close: () => db.close(),
    };
  }
  const db = new nodeSqlite.DatabaseSync(path, { readOnly: opts.readonly ?? false });
  return {
    driver,
    exec: (sql) => db.exec(sql),
    prepare: (sql) => {
      const s = db.prepare(sql);
      return { run: (...p) => ({ changes: Number(s.run(...p).changes) }), get: (...p) => s.get(...p), all: (...p) => s.all(...p) };
    },
    close: () => db.close(),
  };
}
