// Invariants the node's shell asserts where the core's answers meet its own bookkeeping: a
// violation is a bug in the shell or a broken contract with the core, and answering clients on
// would risk telling one the wrong result, so it throws (the Ready loop then stops the member).
// Kept apart from the core's RaftInvariantError: none of these is MemFirst's documented loss.

export class ShellInvariantError extends Error {
  override readonly name = "ShellInvariantError";
  constructor(readonly invariant: string, detail: string) {
    super(`node invariant violated: ${invariant}: ${detail}`);
  }
}

export function shellInvariant(condition: boolean, name: string, detail: () => string): asserts condition {
  if (!condition) throw new ShellInvariantError(name, detail());
}
