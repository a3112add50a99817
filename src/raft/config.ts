// Validation of the core's configuration: a bad value is refused at construction with its name.

import type { RaftConfig } from "./types.ts";

export function validateConfig(c: RaftConfig): void {
  const positive = ["id", "heartbeatTicks", "electionTicks", "maxEntriesPerAppend", "maxBytesPerAppend",
    "maxInflightAppends", "maxInflightBytes", "maxUncommittedBytes"] as const;
  for (const name of positive) {
    const v = c[name];
    if (typeof v !== "number" || !(v > 0)) throw new Error(`raft config: ${name} must be a positive number, got ${String(v)}`);
  }
  if (c.electionTicks <= c.heartbeatTicks) {
    throw new Error(`raft config: electionTicks (${c.electionTicks}) must be greater than heartbeatTicks (${c.heartbeatTicks})`);
  }
  if (c.leaseRead && !c.checkQuorum) throw new Error("raft config: leaseRead requires checkQuorum");
  if (typeof c.random !== "function") throw new Error("raft config: random must be a function returning a float in [0, 1)");
}
