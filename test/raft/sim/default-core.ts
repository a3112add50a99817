// The real core from src/raft and the node's real Ready loop, as the simulator's default.
import { ReadyLoop } from "../../../src/node/ready-loop.ts";
import { Raft, decodeConfChange, encodeConfChange } from "../../../src/raft/index.ts";
import type { CoreModule } from "./core.ts";

export const defaultCore: CoreModule = { Raft, ReadyLoop, encodeConfChange, decodeConfChange };
