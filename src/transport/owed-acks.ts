// Acks this node owes its peers' streams, offered to its own next batch to that peer on the same
// plane. A follower answers a heartbeat or an append on its own stream to the leader moments after
// it acknowledged the batch; carrying the ack in that answer (Envelope.carried_ack) spares the
// leader a wake-up and the follower a send per batch. An ack no batch picks up by the end of the
// loop turn in which it fell due is written on its stream, as before.
import type { NodeId, Plane } from "../raft/types.ts";

/** One incoming stream's ack state, as its handler keeps it. */
export interface OwedAck {
  /** The highest seq delivered and not yet acknowledged; 0 when nothing is owed. */
  pending(): number;
  /** The pending ack rides on a batch to the peer: forget it (and its timer). */
  carried(): void;
  /** Write the pending ack on the stream. */
  flush(): void;
  /** The peer's batches say it reads carried acks (an older member does not). */
  readonly peerTakesCarried: boolean;
}

type StreamPlane = Exclude<Plane, "bulk">;

export class OwedAcks {
  /** The newest incoming stream from each peer, per plane. */
  private readonly streams: Record<StreamPlane, Map<NodeId, OwedAck>> = { control: new Map(), data: new Map() };
  private readonly due = new Set<OwedAck>();
  private scheduled = false;

  register(plane: StreamPlane, peer: NodeId, s: OwedAck): void {
    this.streams[plane].set(peer, s);
  }

  unregister(plane: StreamPlane, peer: NodeId, s: OwedAck): void {
    if (this.streams[plane].get(peer) === s) this.streams[plane].delete(peer);
    this.due.delete(s);
  }

  /** `s`'s ack is due: written at the end of this loop turn unless a batch carries it first. The
   *  node's own pass over the core was scheduled when the batch was delivered, before this, so
   *  the answers it sends in the same turn come first. */
  soon(s: OwedAck): void {
    this.due.add(s);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const d of this.due) d.flush();
      this.due.clear();
    });
  }

  /** The ack owed to `peer`'s stream on `plane`, taken to ride on a batch to it now; 0: none. */
  take(plane: StreamPlane, peer: NodeId): number {
    const s = this.streams[plane].get(peer);
    if (!s || !s.peerTakesCarried) return 0;
    const seq = s.pending();
    if (seq === 0) return 0;
    s.carried();
    this.due.delete(s);
    return seq;
  }
}
