// Every storage failure a user may see: what file, and what is wrong with it. Nothing in this
// part repairs or deletes a file it does not understand; it stops with one of these instead.

export type StorageErrorCode =
  | "foreign-cluster"
  | "foreign-node"
  | "unknown-version"
  | "bad-marker"
  | "not-a-data-dir"
  | "corrupt-sqlite"
  /** Data whose bytes changed on disk (a checksum or SQLite's check says so): the member can be
   *  rebuilt from a peer (src/node/repair.ts). */
  | "corrupt"
  | "log-gap"
  | "bad-snapshot"
  | "write-failed"
  | "closed"
  | "in-use"
  | "invalid-argument";

export class StorageError extends Error {
  override readonly name = "StorageError";
  constructor(
    readonly code: StorageErrorCode,
    /** The file or directory the problem is about. */
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}
