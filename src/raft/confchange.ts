// Membership changes: their byte encoding inside a ConfChange entry, validation at proposal time, and
// how one change transforms a ConfState. One server at a time (Raft thesis §4.1).

import { ConfChangeType, type ConfChange, type ConfState, type NodeId } from "./types.ts";

const FORMAT_VERSION = 1;
const HEADER_BYTES = 10; // version, type, node id as two big-endian uint32 halves

export function encodeConfChange(cc: ConfChange): Uint8Array {
  if (!Number.isSafeInteger(cc.nodeId) || cc.nodeId <= 0) {
    throw new Error(`conf change node id must be a positive safe integer, got ${cc.nodeId}`);
  }
  const out = new Uint8Array(HEADER_BYTES + cc.context.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, FORMAT_VERSION);
  view.setUint8(1, cc.type);
  view.setUint32(2, Math.floor(cc.nodeId / 2 ** 32));
  view.setUint32(6, cc.nodeId >>> 0);
  out.set(cc.context, HEADER_BYTES);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.byteLength < HEADER_BYTES) {
    throw new Error(`conf change entry too short: ${data.byteLength} bytes, expected at least ${HEADER_BYTES}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = view.getUint8(0);
  if (version !== FORMAT_VERSION) {
    throw new Error(`conf change entry has format version ${version}, expected ${FORMAT_VERSION}`);
  }
  const type = view.getUint8(1);
  if (type !== ConfChangeType.AddVoter && type !== ConfChangeType.AddLearner && type !== ConfChangeType.RemoveNode && type !== ConfChangeType.UpdateNode) {
    throw new Error(`conf change entry has unknown type ${type}, expected 0 (AddVoter), 1 (AddLearner), 2 (RemoveNode) or 3 (UpdateNode)`);
  }
  const nodeId = view.getUint32(2) * 2 ** 32 + view.getUint32(6);
  return { type, nodeId, context: data.slice(HEADER_BYTES) };
}

/** Why `cc` cannot be applied to `conf`, or undefined when it can. */
export function confChangeProblem(conf: ConfState, cc: ConfChange): string | undefined {
  if (!Number.isSafeInteger(cc.nodeId) || cc.nodeId <= 0) return `node id must be a positive integer, got ${cc.nodeId}`;
  const isVoter = conf.voters.includes(cc.nodeId);
  const isLearner = conf.learners.includes(cc.nodeId);
  switch (cc.type) {
    case ConfChangeType.AddVoter:
      return isVoter ? `node ${cc.nodeId} is already a voter` : undefined;
    case ConfChangeType.AddLearner:
      if (isVoter) return `node ${cc.nodeId} is a voter; demoting a voter to learner is not supported (remove it first)`;
      return isLearner ? `node ${cc.nodeId} is already a learner` : undefined;
    case ConfChangeType.RemoveNode:
      if (!isVoter && !isLearner) return `node ${cc.nodeId} is not a member`;
      if (isVoter && conf.voters.length === 1) return `node ${cc.nodeId} is the last voter`;
      return undefined;
    case ConfChangeType.UpdateNode:
      return !isVoter && !isLearner ? `node ${cc.nodeId} is not a member` : undefined;
  }
}

/** The membership after `cc`. Tolerant: a change that no longer fits leaves `conf` as it is. */
export function applyConfChange(conf: ConfState, cc: ConfChange): ConfState {
  const without = (ids: NodeId[]) => ids.filter((id) => id !== cc.nodeId);
  switch (cc.type) {
    case ConfChangeType.AddVoter:
      return { voters: [...without(conf.voters), cc.nodeId], learners: without(conf.learners) };
    case ConfChangeType.AddLearner:
      if (conf.voters.includes(cc.nodeId)) return copyConf(conf);
      return { voters: [...conf.voters], learners: [...without(conf.learners), cc.nodeId] };
    case ConfChangeType.RemoveNode:
      return { voters: without(conf.voters), learners: without(conf.learners) };
    case ConfChangeType.UpdateNode:
      return copyConf(conf);
  }
}

export function copyConf(conf: ConfState): ConfState {
  return { voters: [...conf.voters], learners: [...conf.learners] };
}
