// MemFirst's known failure: when a majority crashes, entries they acknowledged from memory are
// gone, the cluster commits other entries at those indexes, and a member that kept the old ones
// (on disk or in its state machine) finds its committed log contradicted by the leader. DESIGN.md:
// it must say so loudly, count it, and rebuild from the leader's snapshot — never diverge
// silently, never crash-loop. The rebuild moves the member's files aside (kept for forensics,
// nothing deleted) and starts it again empty, with its hard state carried over so it can never
// vote twice in a term.
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { RaftInvariantError } from "../raft/invariant.ts";
import { GENESIS_FILE } from "./member-files.ts";
import { RESERVE_FILE } from "./disk-space.ts";

export class DivergenceError extends Error {
  override readonly name = "DivergenceError";
  constructor(readonly invariantError: RaftInvariantError) {
    super(`this member's committed log contradicts the leader's (${invariantError.message}); MemFirst lost acknowledged entries on a majority of members`);
  }
}

/** Only a conflict below the commit index under MemFirst is the documented loss; anything else
 *  that trips an invariant is a bug and stops the member. */
export function asDivergence(err: unknown, memFirst: boolean): DivergenceError | undefined {
  if (!memFirst || !(err instanceof RaftInvariantError)) return undefined;
  return err.invariant === "committed entries never truncated" ? new DivergenceError(err) : undefined;
}

/** Moves everything trireme keeps in `dir` (but earlier quarantines) into `dir/diverged-<time>/`. */
export async function quarantine(dir: string): Promise<string> {
  const dest = join(dir, `diverged-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  await mkdir(dest);
  for (const name of await readdir(dir)) {
    // The genesis membership belongs to the cluster, not to this member's diverged log: the
    // rebuilt member replays the leader's log from it.
    // Nor is the space reserve (disk-space.ts) data: it stays, for the rebuilt member.
    if (name.startsWith("diverged-") || name === GENESIS_FILE || name.startsWith(RESERVE_FILE)) continue;
    await rename(join(dir, name), join(dest, name));
  }
  return dest;
}

/** How many `diverged-*` copies a data directory keeps: repeated rebuilds must not fill the disk. */
export const KEEP_QUARANTINES = 2;

/** Removes all but the newest `keep` `diverged-*` copies in `dir`; returns the removed paths. */
export async function pruneQuarantines(dir: string, keep = KEEP_QUARANTINES): Promise<string[]> {
  // The names carry an ISO time, so they sort by age.
  const copies = (await readdir(dir)).filter((n) => n.startsWith("diverged-")).sort();
  const removed = copies.slice(0, Math.max(0, copies.length - keep)).map((n) => join(dir, n));
  for (const path of removed) await rm(path, { recursive: true, force: true });
  return removed;
}
