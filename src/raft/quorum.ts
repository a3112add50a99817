// Majority arithmetic over the voters of one configuration.

import type { NodeId } from "./types.ts";

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/** The highest value that a majority of voters has reached (commit index, lease tick, ...). With no
 *  voters there is no majority: returns -Infinity so nothing commits. */
export function majorityValue(voters: readonly NodeId[], valueOf: (id: NodeId) => number): number {
  if (voters.length === 0) return -Infinity;
  const values = voters.map(valueOf).sort((a, b) => b - a);
  return values[quorumSize(voters.length) - 1];
}

export type VoteResult = "won" | "lost" | "pending";

export function tallyVotes(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const q = quorumSize(voters.length);
  if (granted >= q) return "won";
  if (rejected > voters.length - q) return "lost";
  return "pending";
}

export function hasQuorum(voters: readonly NodeId[], members: ReadonlySet<NodeId>): boolean {
  let n = 0;
  for (const id of voters) if (members.has(id)) n++;
  return n >= quorumSize(voters.length);
}
