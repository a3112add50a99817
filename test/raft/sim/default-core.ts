// The real core from src/raft, as the simulator's default.
import { Raft, decodeConfChange, encodeConfChange } from "../../../src/raft/index.ts";
import type { CoreModule } from "./core.ts";

export const defaultCore: CoreModule = { Raft, encodeConfChange, decodeConfChange };
