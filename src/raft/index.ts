// The public surface of the pure Raft core.
export { CAMPAIGN_TRANSFER, Raft } from "./raft.ts";
export { decodeConfChange, encodeConfChange } from "./confchange.ts";
export { RaftInvariantError } from "./invariant.ts";
export * from "./types.ts";
