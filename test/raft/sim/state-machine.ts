// The replicated state machine of the simulation: a hash chain over applied entries. Two nodes
// with the same (index, hash) applied the same sequence of entries; a snapshot is the chain head.

import { ConfChangeType, type ConfChange, type ConfState, type Entry } from "../../../src/raft/types.ts";

export interface SmImage {
  index: number;
  term: number;
  hash: number;
  conf: ConfState;
}

export function fnv1a(h: number, data: Uint8Array): number {
  for (let i = 0; i < data.length; i++) {
    h ^= data[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mixInt(h: number, v: number): number {
  h ^= v & 0xffff;
  h = Math.imul(h, 0x01000193);
  h ^= (v / 65536) & 0xffff;
  h = Math.imul(h, 0x01000193);
  h ^= v / 4294967296;
  return Math.imul(h, 0x01000193) >>> 0;
}

/** Identity of one entry: its term, type and payload. */
export function entryHash(e: Entry): number {
  return fnv1a(mixInt(mixInt(0x811c9dc5, e.term), e.type), e.data);
}

export class StateMachine {
  index = 0;
  term = 0;
  hash = 0x811c9dc5;

  apply(e: Entry): void {
    if (e.index !== this.index + 1) {
      throw new Error(`state machine: applying index ${e.index} after ${this.index} (entries must apply in order without gaps)`);
    }
    this.hash = mixInt(mixInt(this.hash, e.index), entryHash(e));
    this.index = e.index;
    this.term = e.term;
  }

  image(conf: ConfState): SmImage {
    return { index: this.index, term: this.term, hash: this.hash, conf: cloneConf(conf) };
  }

  restore(img: SmImage): void {
    this.index = img.index;
    this.term = img.term;
    this.hash = img.hash;
  }
}

export function cloneConf(c: ConfState): ConfState {
  return { voters: [...c.voters], learners: [...c.learners] };
}

/** Changes `c` in place as the conf change `cc` says (one member at a time). */
export function changeConf(c: ConfState, cc: ConfChange): void {
  c.voters = c.voters.filter((v) => v !== cc.nodeId);
  c.learners = c.learners.filter((v) => v !== cc.nodeId);
  if (cc.type === ConfChangeType.AddVoter) c.voters.push(cc.nodeId);
  else if (cc.type === ConfChangeType.AddLearner) c.learners.push(cc.nodeId);
}

/** Same members, whatever the order. */
export function sameConf(a: ConfState, b: ConfState): boolean {
  const key = (c: ConfState): string => `${[...c.voters].sort((x, y) => x - y)}|${[...c.learners].sort((x, y) => x - y)}`;
  return key(a) === key(b);
}

/** A write's payload: 4 bytes of magic, its 32-bit id, then random filler. */
export function makePayload(id: number, filler: number): Uint8Array {
  const b = new Uint8Array(8 + filler);
  b[0] = 0x57; // 'W'
  b[1] = 0x52;
  b[2] = 0x49;
  b[3] = 0x54;
  new DataView(b.buffer).setUint32(4, id, true);
  for (let i = 8; i < b.length; i++) b[i] = (id * 31 + i) & 0xff;
  return b;
}

export function payloadId(data: Uint8Array): number | null {
  if (data.length < 8 || data[0] !== 0x57 || data[1] !== 0x52 || data[2] !== 0x49 || data[3] !== 0x54) return null;
  return (data[4] | (data[5] << 8) | (data[6] << 16) | (data[7] << 24)) >>> 0;
}
