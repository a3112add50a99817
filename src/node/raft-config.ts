// The Raft core's settings, from config.toml: the core counts ticks, the config milliseconds.
import type { Config } from "../config/types.ts";
import type { RaftConfig } from "../raft/types.ts";

/** The core's settings from config.toml (ticks from milliseconds). */
export function raftConfigOf(config: Config): RaftConfig {
  return {
    id: config.node.id,
    heartbeatTicks: Math.max(1, Math.round(config.raft.heartbeat_interval_ms / config.raft.tick_ms)),
    electionTicks: Math.max(2, Math.round(config.raft.election_timeout_ms / config.raft.tick_ms)),
    preVote: config.raft.pre_vote,
    checkQuorum: config.raft.check_quorum,
    leaseRead: config.raft.lease_read,
    countPolicy: config.raft.persistence.strategy === "DiskFirst" ? "durable" : "appended",
    maxEntriesPerAppend: config.raft.max_entries_per_append,
    maxBytesPerAppend: config.raft.max_bytes_per_append,
    maxInflightAppends: config.raft.max_inflight_appends,
    maxInflightBytes: config.raft.max_inflight_bytes,
    maxUncommittedBytes: config.raft.max_uncommitted_bytes,
    random: Math.random,
  };
}
