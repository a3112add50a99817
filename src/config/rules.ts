// Rules that involve more than one key. Each rule says what it enforces (the docs list these
// sentences) and which keys it reads, so a rule is skipped when one of its keys is already wrong:
// the user then sees the real problem, not a consequence of it.
import { parseAddress, sameListener, type HostPort } from "./address.ts";
import { formatInt } from "./format.ts";
import type { LeafPath } from "./key-spec.ts";
import { ADDRESS_KEYS, PLANES } from "./schema.ts";
import { TLS_RULES } from "./tls-keys.ts";
import { AUTH_RULES } from "./auth-keys.ts";
import type { Config } from "./types.ts";

export interface RuleContext {
  error(key: string, got: string, expected: string): void;
  warn(key: string, message: string): void;
}

export interface Rule {
  /** One sentence for docs/configuration.md. */
  doc: string;
  /** "error" rules refuse the file; "warning" rules only report. "adjust" rules change values and warn. */
  severity: "error" | "warning" | "adjust";
  reads: readonly LeafPath[];
  check(c: Config, ctx: RuleContext): void;
}

/** The guide's keep-alive guideline read as interval ≈ 3 × timeout, tolerated within a factor
 *  of 2 either way (ratios 1.5–6); see docs/configuration.md for why. */
export const KEEPALIVE_RATIO = { target: 3, min: 1.5, max: 6 } as const;

function roundToTicks(c: Config, key: "heartbeat_interval_ms" | "election_timeout_ms", ctx: RuleContext): void {
  const tick = c.raft.tick_ms;
  const v = c.raft[key];
  if (v % tick === 0) return;
  const rounded = Math.max(tick, Math.round(v / tick) * tick);
  c.raft[key] = rounded;
  ctx.warn(`raft.${key}`, `${v} ms is not a multiple of raft.tick_ms (${tick} ms); using ${rounded} ms`);
}

export const RULES: readonly Rule[] = [
  {
    doc: "`raft.heartbeat_interval_ms` and `raft.election_timeout_ms` are whole numbers of `raft.tick_ms`; other values are rounded to the nearest tick (at least one) with a warning.",
    severity: "adjust",
    reads: ["raft.tick_ms", "raft.heartbeat_interval_ms", "raft.election_timeout_ms"],
    check(c, ctx) {
      roundToTicks(c, "heartbeat_interval_ms", ctx);
      roundToTicks(c, "election_timeout_ms", ctx);
    },
  },
  {
    doc: "`raft.election_timeout_ms` > 2 × `raft.heartbeat_interval_ms`: a follower must be able to miss a heartbeat without starting an election.",
    severity: "error",
    reads: ["raft.tick_ms", "raft.heartbeat_interval_ms", "raft.election_timeout_ms"],
    check(c, ctx) {
      const min = 2 * c.raft.heartbeat_interval_ms;
      if (c.raft.election_timeout_ms <= min) {
        ctx.error(
          "raft.election_timeout_ms",
          formatInt(c.raft.election_timeout_ms),
          `more than 2 × raft.heartbeat_interval_ms = ${formatInt(min)} ms (10 × is usual)`,
        );
      }
    },
  },
  {
    doc: "`raft.lease_read = true` requires `raft.check_quorum = true`: a lease is only safe if a leader that lost its quorum steps down.",
    severity: "error",
    reads: ["raft.lease_read", "raft.check_quorum"],
    check(c, ctx) {
      if (c.raft.lease_read && !c.raft.check_quorum) {
        ctx.error("raft.lease_read", "true while raft.check_quorum = false", "false, or set raft.check_quorum = true");
      }
    },
  },
  {
    doc: "`raft.max_inflight_bytes` ≥ `raft.max_bytes_per_append`: otherwise not even one full append fits in the window.",
    severity: "error",
    reads: ["raft.max_inflight_bytes", "raft.max_bytes_per_append"],
    check(c, ctx) {
      if (c.raft.max_inflight_bytes < c.raft.max_bytes_per_append) {
        ctx.error(
          "raft.max_inflight_bytes",
          formatInt(c.raft.max_inflight_bytes),
          `at least raft.max_bytes_per_append = ${formatInt(c.raft.max_bytes_per_append)}`,
        );
      }
    },
  },
  {
    doc: "`raft.max_bytes_per_append` and `limits.max_request_bytes` ≤ `network.data.max_frame_size`: an append, and any single entry, must fit in one Data-plane message.",
    severity: "error",
    reads: ["raft.max_bytes_per_append", "limits.max_request_bytes", "network.data.max_frame_size"],
    check(c, ctx) {
      const frame = c.network.data.max_frame_size;
      for (const [key, v] of [
        ["raft.max_bytes_per_append", c.raft.max_bytes_per_append],
        ["limits.max_request_bytes", c.limits.max_request_bytes],
      ] as const) {
        if (v > frame) ctx.error(key, formatInt(v), `at most network.data.max_frame_size = ${formatInt(frame)}`);
      }
    },
  },
  {
    doc: "With a `Batch` flush policy, `raft.persistence.max_buffered_entries` ≥ `threshold`: the buffer must hold a whole batch, or the threshold is never reached.",
    severity: "error",
    reads: ["raft.persistence.flush_policy", "raft.persistence.max_buffered_entries"],
    check(c, ctx) {
      const p = c.raft.persistence;
      if (p.flush_policy !== "Immediate" && p.max_buffered_entries < p.flush_policy.Batch.threshold) {
        ctx.error(
          "raft.persistence.max_buffered_entries",
          formatInt(p.max_buffered_entries),
          `at least the flush_policy Batch threshold (${formatInt(p.flush_policy.Batch.threshold)})`,
        );
      }
    },
  },
  {
    doc: '`strategy = "MemFirst"` with `flush_policy = "Immediate"` is the guide\'s anti-pattern (it removes MemFirst\'s benefit): a warning.',
    severity: "warning",
    reads: ["raft.persistence.strategy", "raft.persistence.flush_policy"],
    check(c, ctx) {
      if (c.raft.persistence.strategy === "MemFirst" && c.raft.persistence.flush_policy === "Immediate") {
        ctx.warn(
          "raft.persistence.flush_policy",
          'MemFirst with "Immediate" flushes every write and loses MemFirst\'s benefit (the tuning guide\'s anti-pattern); use a Batch policy, or DiskFirst for durability',
        );
      }
    },
  },
  {
    doc: `\`http2_keep_alive_interval_in_secs\` / \`http2_keep_alive_timeout_in_secs\` between ${KEEPALIVE_RATIO.min} and ${KEEPALIVE_RATIO.max} on every plane, else a warning (see "Keep-alive ratio").`,
    severity: "warning",
    reads: PLANES.flatMap((p) => [
      `network.${p}.http2_keep_alive_interval_in_secs` as const,
      `network.${p}.http2_keep_alive_timeout_in_secs` as const,
    ]),
    check(c, ctx) {
      for (const plane of PLANES) {
        const { http2_keep_alive_interval_in_secs: interval, http2_keep_alive_timeout_in_secs: timeout } = c.network[plane];
        const ratio = interval / timeout;
        if (ratio < KEEPALIVE_RATIO.min || ratio > KEEPALIVE_RATIO.max) {
          ctx.warn(
            `network.${plane}.http2_keep_alive_interval_in_secs`,
            `keep-alive interval ${interval} s is ${ratio.toFixed(2)} × the timeout (${timeout} s); ` +
              `expected about ${KEEPALIVE_RATIO.target} × (${KEEPALIVE_RATIO.min}–${KEEPALIVE_RATIO.max}): ` +
              (ratio < KEEPALIVE_RATIO.min
                ? "a PING may still be unanswered when the next is due"
                : "a dead connection goes unnoticed for many intervals"),
          );
        }
      }
    },
  },
  {
    doc: "This node's four addresses (and `metrics.address` when metrics are enabled) are pairwise distinct; 0.0.0.0 / [::] collide with any host on the same port.",
    severity: "error",
    reads: ["node.client_address", "node.control_address", "node.data_address", "node.bulk_address", "metrics.enabled", "metrics.address"],
    check(c, ctx) {
      const keys: string[] = ADDRESS_KEYS.map((k) => `node.${k}`);
      const values: string[] = ADDRESS_KEYS.map((k) => c.node[k]);
      if (c.metrics.enabled) {
        keys.push("metrics.address");
        values.push(c.metrics.address);
      }
      const parsed = values.map((v) => parseAddress(v) as HostPort);
      for (let j = 1; j < parsed.length; j++) {
        for (let i = 0; i < j; i++) {
          if (sameListener(parsed[i], parsed[j])) {
            ctx.error(keys[j], JSON.stringify(values[j]), `an address different from ${keys[i]} (${JSON.stringify(values[i])})`);
          }
        }
      }
    },
  },
  {
    doc: "`cluster.peers`: ids unique; the entry with this node's id (added when missing) has this node's name and addresses; every address of every member is distinct from every other member's.",
    severity: "error",
    reads: ["cluster.peers", "node.id", "node.name", "node.client_address", "node.control_address", "node.data_address", "node.bulk_address"],
    check(c, ctx) {
      const seen = new Map<number, number>();
      c.cluster.peers.forEach((p, i) => {
        const first = seen.get(p.id);
        if (first !== undefined) {
          ctx.error(`cluster.peers[${i}].id`, String(p.id), `an id not already used by cluster.peers[${first}]`);
        } else seen.set(p.id, i);
        if (p.id !== c.node.id) return;
        if (p.name !== c.node.name) {
          ctx.error(`cluster.peers[${i}].name`, JSON.stringify(p.name), `this node's node.name ${JSON.stringify(c.node.name)}`);
        }
        for (const k of ADDRESS_KEYS) {
          if (p[k] !== c.node[k]) {
            ctx.error(`cluster.peers[${i}].${k}`, JSON.stringify(p[k]), `this node's node.${k} ${JSON.stringify(c.node[k])}`);
          }
        }
      });
      const owners = new Map<string, string>();
      c.cluster.peers.forEach((p, i) => {
        for (const k of ADDRESS_KEYS) {
          const a = parseAddress(p[k]) as HostPort;
          const norm = `${a.host}:${a.port}`;
          const owner = owners.get(norm);
          if (owner !== undefined) {
            ctx.error(`cluster.peers[${i}].${k}`, JSON.stringify(p[k]), `an address not already used by ${owner}`);
          } else owners.set(norm, `cluster.peers[${i}].${k}`);
        }
      });
    },
  },
  ...TLS_RULES,
  ...AUTH_RULES,
];
