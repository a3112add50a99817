// Two small files the node keeps in its data directory about its own membership:
//   membership-genesis.json  the membership the log starts from (written once, at the first
//                            start). Replaying the log's conf changes onto anything else gives a
//                            wrong membership, and `cluster.peers` in config.toml may be edited
//                            later (a member added to the list), so the file, not the config, wins.
//   removed.json             written when this member applied its own removal: it must not come
//                            back with this data directory (etcd refuses a removed member too).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/types.ts";
import { decodeConfChange } from "../raft/confchange.ts";
import { ConfChangeType, EntryType, type ConfState, type Entry } from "../raft/types.ts";
import { writeFileDurablySync } from "../storage/fsync.ts";

export const GENESIS_FILE = "membership-genesis.json";
export const REMOVED_FILE = "removed.json";

/** The membership the log starts from: recorded at the first start (`fresh`), read after. A
 *  member started with initial_state = "existing" starts from none: it waits for a snapshot. */
export function genesisConf(dir: string, config: Config, fresh: boolean): ConfState {
  const file = join(dir, GENESIS_FILE);
  if (existsSync(file)) return readGenesis(file);
  // Not fresh and no file: a data directory from before this file existed; its config's peers
  // are what it always started from.
  const joining = fresh && config.cluster.initial_state === "existing";
  const conf: ConfState = { voters: joining ? [] : config.cluster.peers.map((p) => p.id).sort((a, b) => a - b), learners: [] };
  writeDurably(dir, GENESIS_FILE, JSON.stringify({ ...conf, initial_state: joining ? "existing" : "new" }, null, 2) + "\n");
  return conf;
}

function readGenesis(file: string): ConfState {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); it should hold {"voters": [ids], "learners": []}`);
  }
  const o = v as Record<string, unknown>;
  const ids = (x: unknown) => Array.isArray(x) && x.every((id) => Number.isSafeInteger(id) && (id as number) > 0);
  if (typeof o !== "object" || o === null || !ids(o.voters) || !ids(o.learners)) {
    throw new Error(`${file}: expected {"voters": [ids], "learners": [ids]} with positive integer ids`);
  }
  return { voters: [...(o.voters as number[])], learners: [...(o.learners as number[])] };
}

/** Refuses to start a member that was removed from the cluster. */
export function checkNotRemoved(dir: string): void {
  const file = join(dir, REMOVED_FILE);
  if (!existsSync(file)) return;
  let detail = "";
  try {
    const o = JSON.parse(readFileSync(file, "utf8")) as { how?: string; at?: string };
    detail = ` at ${o.at} (${o.how})`;
  } catch {
    // the file's presence is what counts
  }
  throw new Error(
    `this member was removed from the cluster${detail} (${file}): it cannot rejoin with this data directory; ` +
      `add it again with \`member add\` and start it with an empty data directory and cluster.initial_state = "existing"`,
  );
}

/** Records this member's removal; returns the error when the file could not be written. */
export function markRemoved(dir: string, id: number, how: string): Error | undefined {
  try {
    writeDurably(dir, REMOVED_FILE, JSON.stringify({ id, how, at: new Date().toISOString() }) + "\n");
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

function writeDurably(dir: string, name: string, text: string): void {
  writeFileDurablySync(join(dir, name), join(dir, `.${name}.tmp`), dir, text);
}

/** The index of this member's own removal when it is among the entries already applied (and no
 *  later entry adds it back): a crash between applying it and writing removed.json, or a failed
 *  write, must not let the member run on as a non-member. */
export function appliedRemoval(entries: readonly Entry[], id: number, applied: number): number | undefined {
  let removedAt: number | undefined;
  for (const e of entries) {
    if (e.index > applied) break;
    if (e.type !== EntryType.ConfChange) continue;
    const cc = decodeConfChange(e.data);
    if (cc.nodeId !== id) continue;
    removedAt = cc.type === ConfChangeType.RemoveNode ? e.index : undefined;
  }
  return removedAt;
}

/** At start-up, after the restore: records a removal found applied in the log, then refuses. */
export function refuseIfRemovedInLog(dir: string, id: number, restored: { entries: readonly Entry[]; applied: number }): void {
  const removedAt = appliedRemoval(restored.entries, id, restored.applied);
  if (removedAt !== undefined) markRemoved(dir, id, `it applied its own removal at log index ${removedAt}`);
  checkNotRemoved(dir);
}
