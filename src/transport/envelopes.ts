// What one Envelope carries: the messages (or forwarded proposals, or lease questions) bound for one
// peer in one turn, split so that no envelope passes the plane's message limit, and whether its
// receiver acknowledges it. Sizes are upper bounds computed
// without encoding (protobuf spends at most 11 bytes on a scalar field with its tag, 6 on a
// length prefix with its tag), so packing costs nothing on the hot path.
import { type Message, MessageType } from "../raft/types.ts";
import { encodedSize } from "./codec.ts";
import type { PeerLeases, PeerProposals } from "./types.ts";

/** cluster_id, sender_id and seq with their tags. */
const ENVELOPE_HEAD = 33;
/** 13 scalar fields with tags, and the message's own length prefix in the envelope. */
const MESSAGE_HEAD = 13 * 11 + 6;
/** term, index, type and the data length prefix with tags, and the entry's own prefix. */
const ENTRY_HEAD = 3 * 11 + 12;

export function messageBound(m: Message): number {
  let n = MESSAGE_HEAD;
  for (const e of m.entries) n += ENTRY_HEAD + e.data.byteLength;
  // Snap messages travel on the bulk plane; a membership in one here would be small anyway.
  if (m.snapshot) n += 64 + 11 * (m.snapshot.conf.voters.length + m.snapshot.conf.learners.length);
  return n;
}

export interface Packed {
  groups: Message[][];
  /** Messages that alone exceed the limit (measured exactly): never sent. */
  tooLarge: { message: Message; bytes: number }[];
}

/** Groups messages in order, each group's envelope within `limit` bytes. */
export function packMessages(ms: Message[], limit: number): Packed {
  const groups: Message[][] = [];
  const tooLarge: Packed["tooLarge"] = [];
  let cur: Message[] = [];
  let size = ENVELOPE_HEAD;
  for (const m of ms) {
    let n = messageBound(m);
    if (ENVELOPE_HEAD + n > limit) {
      // The bound may overstate it: measure before refusing.
      n = encodedSize(m) + 6;
      if (ENVELOPE_HEAD + n > limit) {
        tooLarge.push({ message: m, bytes: n });
        continue;
      }
    }
    if (cur.length > 0 && size + n > limit) {
      groups.push(cur);
      cur = [];
      size = ENVELOPE_HEAD;
    }
    cur.push(m);
    size += n;
  }
  if (cur.length > 0) groups.push(cur);
  return { groups, tooLarge };
}

/** Splits the lists of one forwarded batch, in order (every item of the first list, then the
 *  second), into parts each within `limit` bytes, given an upper bound per item. */
function packLists<P extends { [K in keyof P]: unknown[] }>(p: P, bounds: { [K in keyof P]: (x: P[K][number]) => number }, limit: number): P[] {
  const keys = Object.keys(bounds) as (keyof P)[];
  let total = ENVELOPE_HEAD;
  for (const k of keys) for (const x of p[k]) total += bounds[k](x);
  if (total <= limit) return [p];
  const empty = () => Object.fromEntries(keys.map((k) => [k, []])) as unknown as P;
  const parts: P[] = [];
  let cur = empty();
  let size = ENVELOPE_HEAD;
  let items = 0;
  for (const k of keys) {
    for (const x of p[k]) {
      const n = bounds[k](x);
      if (size + n > limit && items > 0) {
        parts.push(cur);
        cur = empty();
        size = ENVELOPE_HEAD;
        items = 0;
      }
      cur[k].push(x);
      size += n;
      items++;
    }
  }
  parts.push(cur);
  return parts;
}

/** Splits forwarded proposals and answers, in order, into parts each within `limit` bytes (one
 *  proposal is at most limits.max_request_bytes, far below any data-plane limit). */
export function packProposals(p: PeerProposals, limit: number): PeerProposals[] {
  return packLists(p, {
    proposals: (x) => 6 + 11 + x.requests.reduce((n, r) => n + 6 + r.byteLength, 0),
    answers: (a) => 6 + 4 * 11 + 6 + 3 * a.errorMessage.length,
  }, limit);
}

/** Splits lease questions and answers, in order, into parts each within `limit` bytes. */
export function packLeases(l: PeerLeases, limit: number): PeerLeases[] {
  return packLists(l, {
    queries: () => 6 + 3 * 11,
    answers: (a) => 6 + 3 * 11 + 6 + 3 * a.errorMessage.length,
  }, limit);
}

/** `undelivered` for a batch sent in `parts` envelopes: only when every part certainly never
 *  reached the peer may the batch be sent elsewhere. */
export function allUndelivered(parts: number, undelivered: (() => void) | undefined): (() => void) | undefined {
  if (undelivered === undefined || parts === 1) return undelivered;
  let left = parts;
  return () => {
    if (--left === 0) undelivered();
  };
}

/** A batch of responses goes unacknowledged on its stream (Envelope.no_ack): Raft copes with
 *  losing any of them, and an ack per heartbeat response was a wake-up of the follower per
 *  heartbeat and of the leader per append response. A broken connection is still found: by the
 *  stream's status, the plane's HTTP/2 keep-alive, and the acks of the requests on the stream. */
export function onlyResponses(ms: Message[]): boolean {
  for (const m of ms) if (!RESPONSES.has(m.type)) return false;
  return ms.length > 0;
}

const RESPONSES: ReadonlySet<MessageType> = new Set([
  MessageType.AppResp, MessageType.HeartbeatResp, MessageType.VoteResp, MessageType.PreVoteResp, MessageType.ReadIndexResp,
]);
