// The core's API as the simulator uses it, and the node's Ready loop that drives it, so the
// simulator can run the real ones or mutated copies (scripts/simulate.ts --core DIR, a copy of
// src/raft with the loop's copy at DIR/../node/ready-loop.ts when there is one) without
// importing src/raft twice.

import type {
  ConfChange,
  Message,
  NodeId,
  ProposeResult,
  RaftConfig,
  RaftStatus,
  Ready,
  RestoredState,
} from "../../../src/raft/types.ts";
import type { ReadyLoop } from "../../../src/node/ready-loop.ts";

export interface RaftCore {
  tick(): void;
  ticksUntilDue(): number;
  step(m: Message): void;
  propose(data: Uint8Array[]): ProposeResult;
  proposeConfChange(cc: ConfChange): ProposeResult;
  readIndex(requestId: number): void;
  transferLeader(to: NodeId): void;
  reportDurable(index: number, term?: number): void;
  reportUnreachable(id: NodeId): void;
  reportSnapshot(id: NodeId, ok: boolean): void;
  compact(index: number): void;
  hasReady(): boolean;
  ready(): Ready;
  advance(): void;
  status(): RaftStatus;
}

export interface CoreModule {
  Raft: new (config: RaftConfig, restored: RestoredState) => RaftCore;
  ReadyLoop: typeof ReadyLoop;
  encodeConfChange(cc: ConfChange): Uint8Array;
  decodeConfChange(data: Uint8Array): ConfChange;
}

/** Loads `raft.ts` from a directory holding a (possibly mutated) copy of src/raft, and the Ready
 *  loop from `../node/ready-loop.ts` beside it if there is one (else src/node's). */
export async function loadCore(dir: string): Promise<CoreModule> {
  const { pathToFileURL } = await import("node:url");
  const { resolve } = await import("node:path");
  const { existsSync } = await import("node:fs");
  const loopFile = resolve(dir, "../node/ready-loop.ts");
  const loop = existsSync(loopFile)
    ? ((await import(pathToFileURL(loopFile).href)) as { ReadyLoop: typeof ReadyLoop })
    : await import("../../../src/node/ready-loop.ts");
  const mod = (await import(pathToFileURL(resolve(dir, "raft.ts")).href)) as Partial<CoreModule>;
  let { encodeConfChange, decodeConfChange } = mod;
  if (encodeConfChange === undefined || decodeConfChange === undefined) {
    const cc = (await import(pathToFileURL(resolve(dir, "confchange.ts")).href)) as Partial<CoreModule>;
    encodeConfChange = cc.encodeConfChange;
    decodeConfChange = cc.decodeConfChange;
  }
  if (mod.Raft === undefined || encodeConfChange === undefined || decodeConfChange === undefined) {
    throw new Error(`${dir}/raft.ts does not export Raft, encodeConfChange and decodeConfChange`);
  }
  return { Raft: mod.Raft, ReadyLoop: loop.ReadyLoop, encodeConfChange, decodeConfChange };
}
