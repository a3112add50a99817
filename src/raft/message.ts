// Message construction: every field present (the wire codec maps them 1:1), defaults zero.

import type { Message, MessageType, NodeId } from "./types.ts";

export function emptyMessage(type: MessageType, from: NodeId, to: NodeId, term: number): Message {
  return {
    type,
    from,
    to,
    term,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    rejectHintTerm: 0,
    context: 0,
  };
}
