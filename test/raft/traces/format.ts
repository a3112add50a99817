// Text forms of the core's messages, Readies and status for the trace files: one line per message,
// only the fields that matter for its type, `index@term` for log positions.

import { decodeConfChange } from "../../../src/raft/confchange.ts";
import {
  ConfChangeType,
  EntryType,
  MessageType,
  type ConfState,
  type Entry,
  type Message,
  type RaftStatus,
  type Ready,
  type SnapshotMeta,
} from "../../../src/raft/types.ts";

const TYPE_NAMES = Object.fromEntries(Object.entries(MessageType).map(([k, v]) => [v, k])) as Record<MessageType, string>;
const CC_NAMES: Record<ConfChangeType, string> = {
  [ConfChangeType.AddVoter]: "add-voter",
  [ConfChangeType.AddLearner]: "add-learner",
  [ConfChangeType.RemoveNode]: "remove",
  [ConfChangeType.UpdateNode]: "update",
};

export function formatConf(c: ConfState): string {
  return `voters=(${c.voters.join(",")}) learners=(${c.learners.join(",")})`;
}

export function formatSnapshot(s: SnapshotMeta): string {
  return `${s.index}@${s.term} ${formatConf(s.conf)}`;
}

export function formatEntry(e: Entry): string {
  if (e.type === EntryType.ConfChange) {
    const cc = decodeConfChange(e.data);
    return `${e.index}@${e.term} ${CC_NAMES[cc.type]}(${cc.nodeId})`;
  }
  return `${e.index}@${e.term} ${JSON.stringify(new TextDecoder().decode(e.data))}`;
}

export function formatEntries(es: Entry[]): string {
  return es.map(formatEntry).join(", ");
}

export function formatMessage(m: Message): string {
  const f: string[] = [`${m.from}->${m.to}`, TYPE_NAMES[m.type], `term=${m.term}`];
  switch (m.type) {
    case MessageType.App:
      f.push(`prev=${m.index}@${m.logTerm}`, `commit=${m.commit}`);
      if (m.reject) f.push("reject (the leader's log ends here)");
      if (m.entries.length > 0) f.push(`[${formatEntries(m.entries)}]`);
      break;
    case MessageType.AppResp:
      f.push(`index=${m.index}`);
      if (m.reject) f.push(`reject hint=${m.rejectHint}@${m.rejectHintTerm}`);
      break;
    case MessageType.Vote:
    case MessageType.PreVote:
      f.push(`last=${m.index}@${m.logTerm}`);
      if (m.context !== 0) f.push("transfer");
      break;
    case MessageType.Heartbeat:
      f.push(`commit=${m.commit}`, `sent=${m.index}`);
      if (m.context !== 0) f.push(`read-round=${m.context}`);
      break;
    case MessageType.HeartbeatResp:
      f.push(`commit=${m.commit}`, `sent=${m.index}`);
      if (m.context !== 0) f.push(`read-round=${m.context}`);
      break;
    case MessageType.Snap:
      if (m.snapshot) f.push(`snapshot=${formatSnapshot(m.snapshot)}`);
      break;
    case MessageType.ReadIndex:
      f.push(`req=${m.context}`);
      break;
    case MessageType.ReadIndexResp:
      f.push(`req=${m.context}`, `index=${m.index}`);
      break;
    case MessageType.TransferLeader:
      f.push(`to=${m.context}`);
      break;
  }
  if (m.reject && m.type !== MessageType.App && m.type !== MessageType.AppResp) f.push("reject");
  return f.join(" ");
}

export function formatReady(rd: Ready, indent: string): string[] {
  const out = [`${indent}Ready:`];
  const i2 = indent + "  ";
  if (rd.softState) out.push(`${i2}soft: ${rd.softState.role} leader=${rd.softState.leader}`);
  if (rd.hardState) out.push(`${i2}hard: term=${rd.hardState.term} vote=${rd.hardState.vote}`);
  if (rd.snapshot) out.push(`${i2}snapshot: ${formatSnapshot(rd.snapshot)}`);
  if (rd.entries.length > 0) out.push(`${i2}entries: ${formatEntries(rd.entries)}`);
  if (rd.committedEntries.length > 0) out.push(`${i2}committed: ${formatEntries(rd.committedEntries)}`);
  if (rd.messages.length > 0) {
    out.push(`${i2}messages:`);
    for (const m of rd.messages) out.push(`${i2}  ${formatMessage(m)}`);
  }
  for (const r of rd.readStates) out.push(`${i2}read: req=${r.requestId} index=${r.index}`);
  if (rd.droppedReads.length > 0) out.push(`${i2}dropped reads: ${rd.droppedReads.join(", ")}`);
  return out;
}

export function formatStatus(s: RaftStatus): string[] {
  const head = [`${s.id}: ${s.role} term=${s.term} vote=${s.vote} leader=${s.leader}`,
    `commit=${s.commit} applied=${s.applied} log=${s.firstIndex}..${s.lastIndex} durable=${s.durableIndex}`];
  if (s.leadTransferee !== 0) head.push(`transferring-to=${s.leadTransferee}`);
  const out = [head.join(" "), `  ${formatConf(s.conf)}`];
  for (const [id, p] of [...s.progress].sort((a, b) => a[0] - b[0])) {
    const extra = [p.inflight > 0 ? `inflight=${p.inflight}` : "", p.recentActive ? "" : "inactive"].filter((x) => x !== "");
    out.push(`  ${id}: ${p.state} match=${p.match} next=${p.next}${extra.length > 0 ? " " + extra.join(" ") : ""}`);
  }
  return out;
}
