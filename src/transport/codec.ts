// Maps the core's Message onto the generated protobuf types and back. Long is off in src/gen, so
// every uint64 decodes to a JS number; defaults are filled here so the core sees complete objects.
import { trireme } from "../gen/raft.js";
import type { Entry, EntryType, Message, MessageType, SnapshotMeta } from "../raft/types.ts";
import type { PeerLeases, PeerProposals } from "./types.ts";

export const pb = trireme.raft;
export type PbMessage = trireme.raft.Message.$Properties;
export type PbEnvelope = trireme.raft.Envelope.$Properties;
export type PbAck = trireme.raft.Ack.$Properties;
export type PbChunk = trireme.raft.SnapshotChunk.$Properties;

const EMPTY = new Uint8Array(0);

export function toPb(m: Message): PbMessage {
  return {
    type: m.type,
    from: m.from,
    to: m.to,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: m.entries,
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
    rejectHintTerm: m.rejectHintTerm,
    snapshot: m.snapshot ?? null,
    context: m.context,
  };
}

function entryFromPb(e: trireme.raft.Entry.$Properties): Entry {
  return { term: e.term ?? 0, index: e.index ?? 0, type: (e.type ?? 0) as EntryType, data: e.data ?? EMPTY };
}

function snapshotFromPb(s: trireme.raft.SnapshotMeta.$Properties): SnapshotMeta {
  return {
    index: s.index ?? 0,
    term: s.term ?? 0,
    conf: { voters: [...(s.conf?.voters ?? [])], learners: [...(s.conf?.learners ?? [])] },
  };
}

export function fromPb(p: PbMessage): Message {
  const m: Message = {
    type: (p.type ?? 0) as MessageType,
    from: p.from ?? 0,
    to: p.to ?? 0,
    term: p.term ?? 0,
    logTerm: p.logTerm ?? 0,
    index: p.index ?? 0,
    entries: (p.entries ?? []).map(entryFromPb),
    commit: p.commit ?? 0,
    reject: p.reject ?? false,
    rejectHint: p.rejectHint ?? 0,
    rejectHintTerm: p.rejectHintTerm ?? 0,
    context: p.context ?? 0,
  };
  if (p.snapshot) m.snapshot = snapshotFromPb(p.snapshot);
  return m;
}

export function proposalsFromPb(env: PbEnvelope): PeerProposals {
  return {
    proposals: (env.proposals ?? []).map((p) => ({ id: p.id ?? 0, requests: p.requests ?? [] })),
    answers: (env.answers ?? []).map((a) => ({
      id: a.id ?? 0,
      firstIndex: a.firstIndex ?? 0,
      term: a.term ?? 0,
      errorCode: a.errorCode ?? 0,
      errorMessage: a.errorMessage ?? "",
    })),
  };
}

export function leasesFromPb(env: PbEnvelope): PeerLeases {
  return {
    queries: (env.leaseQueries ?? []).map((q) => ({ id: q.id ?? 0, leaseId: q.leaseId ?? 0, renew: q.renew ?? false })),
    answers: (env.leaseAnswers ?? []).map((a) => ({
      id: a.id ?? 0,
      ttl: a.ttl ?? 0,
      errorCode: a.errorCode ?? 0,
      errorMessage: a.errorMessage ?? "",
    })),
  };
}

/** Bytes of a message as the wire carries them (for the `bytes` observer and size checks). */
export function encodedSize(m: Message): number {
  return pb.Message.encode(toPb(m)).len;
}

/** The cluster id every request carries: derived from `[cluster] name` like etcd's cluster token,
 *  kept below 2^53 so it is an exact JS number (FNV-1a 64, top 11 bits dropped). */
export function clusterIdOf(name: string): number {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(name)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return Number(h >> 11n) || 1;
}

/** Wire sizes of decoded requests, recorded by the server deserializers for the byte counters. */
export const wireSize = new WeakMap<object, number>();
