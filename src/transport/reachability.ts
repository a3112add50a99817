// A down peer is a state, not an event stream: say when it goes down (with the reason), remind
// at a slow interval while it stays down (with how long and how many calls failed), and say when
// it comes back. A peer that is down for an hour costs ~120 log lines, not 3,600 per plane.
import type { NodeId, Plane } from "../raft/types.ts";
import type { LogFn } from "./types.ts";

interface Outage {
  since: number;
  failures: number;
  lastLog: number;
}

export class ReachabilityLog {
  private readonly outages = new Map<string, Outage>();

  constructor(
    private readonly log: LogFn,
    private readonly repeatMs = 30_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  failed(peer: NodeId, plane: Plane, reason: string): void {
    const key = `${peer}/${plane}`;
    const t = this.now();
    const o = this.outages.get(key);
    if (o === undefined) {
      this.outages.set(key, { since: t, failures: 1, lastLog: t });
      this.log("warn", `peer ${peer} unreachable on the ${plane} plane: ${reason}`, { peer, plane });
      return;
    }
    o.failures++;
    if (t - o.lastLog >= this.repeatMs) {
      o.lastLog = t;
      const secs = Math.round((t - o.since) / 1000);
      this.log("warn", `peer ${peer} still unreachable on the ${plane} plane after ${secs} s (${o.failures} failed calls): ${reason}`, {
        peer,
        plane,
        downSeconds: secs,
        failures: o.failures,
      });
    }
  }

  succeeded(peer: NodeId, plane: Plane): void {
    const key = `${peer}/${plane}`;
    const o = this.outages.get(key);
    if (o === undefined) return;
    this.outages.delete(key);
    const secs = Math.round((this.now() - o.since) / 1000);
    this.log("info", `peer ${peer} reachable again on the ${plane} plane after ${secs} s (${o.failures} failed calls)`, {
      peer,
      plane,
      downSeconds: secs,
      failures: o.failures,
    });
  }

  /** A peer removed from the cluster: forget it, so a later peer with the same id starts clean. */
  forget(peer: NodeId): void {
    for (const key of [...this.outages.keys()]) if (key.startsWith(`${peer}/`)) this.outages.delete(key);
  }
}
