// Invariants the core asserts at run time (TigerBeetle style): a violation means a bug in the core or
// a shell that broke the contract, and continuing would risk silent divergence, so it throws.

export class RaftInvariantError extends Error {
  constructor(readonly invariant: string, detail: string) {
    super(`raft invariant violated: ${invariant}: ${detail}`);
    this.name = "RaftInvariantError";
  }
}

export function invariant(condition: boolean, name: string, detail: () => string): asserts condition {
  if (!condition) throw new RaftInvariantError(name, detail());
}
