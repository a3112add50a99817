// The `[corruption]` keys: etcd's corruption checks, which compare this member's HashKV with its
// peers' (src/node/corrupt-check.ts). Kept beside schema.ts, which spreads them into SCHEMA.
import type { KeySpec } from "./key-spec.ts";

export const CORRUPTION_KEYS: readonly KeySpec[] = [
  {
    path: "corruption.initial_corrupt_check",
    kind: { type: "boolean" },
    default: false,
    doc: "At start, before serving clients, compare this member's HashKV at its revision with every reachable peer's at the same revision and refuse to start on a mismatch (etcd's --experimental-initial-corrupt-check). An unreachable peer is skipped.",
  },
  {
    path: "corruption.corrupt_check_time",
    kind: { type: "integer", min: 0, max: 31_536_000, unit: "s", note: "0 = off" },
    default: 0,
    doc: "How often the leader compares HashKV at one revision across members and raises the CORRUPT alarm for a member that differs (etcd's --experimental-corrupt-check-time), and every member re-reads its own kv.db, log and newest snapshot against their checksums (each round reads the whole store); a CORRUPT alarm refuses writes until `etcdctl alarm disarm`.",
  },
];
