// The core's API as the simulator uses it, so the simulator can drive the real core or a mutated
// copy of it (scripts/simulate.ts --core DIR) without importing src/raft twice.

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

export interface RaftCore {
  tick(): void;
  step(m: Message): void;
  propose(data: Uint8Array[]): ProposeResult;
  proposeConfChange(cc: ConfChange): ProposeResult;
  readIndex(requestId: number): void;
  transferLeader(to: NodeId): void;
  reportDurable(index: number): void;
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
  encodeConfChange(cc: ConfChange): Uint8Array;
  decodeConfChange(data: Uint8Array): ConfChange;
}

/** Loads `raft.ts` from a directory holding a (possibly mutated) copy of src/raft. */
export async function loadCore(dir: string): Promise<CoreModule> {
  const { pathToFileURL } = await import("node:url");
  const { resolve } = await import("node:path");
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
  return { Raft: mod.Raft, encodeConfChange, decodeConfChange };
}
