// The Ready loop on in-memory ports around the real core: the order of persist and send, the
// durable-acknowledgement assertion, and the byte budget that snapshots early.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Raft } from "../../src/raft/raft.ts";
import { MessageType, type Entry, type HardState, type Message } from "../../src/raft/types.ts";
import { ReadyLoop, ShellInvariantError, type Pending, type ReadyLoopOptions } from "../../src/node/ready-loop.ts";
import { bootstrap, config } from "../raft/unit/driver.ts";

/** A completion the test resolves by hand. */
class Manual implements Pending {
  private waiters: Array<() => void> = [];
  then(done: () => void): void {
    this.waiters.push(done);
  }
  resolve(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

class MemLog {
  entries: Entry[] = [];
  first = 1;
  durable = 0;
  append(es: Entry[]): void {
    this.entries = this.entries.filter((e) => e.index < es[0].index).concat(es);
  }
  get durableIndex(): number {
    return Math.min(this.durable, this.lastIndex());
  }
  lastIndex(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1].index : this.first - 1;
  }
  compactPrefix(upTo: number): void {
    this.entries = this.entries.filter((e) => e.index > upTo);
    this.first = Math.max(this.first, upTo + 1);
  }
  sync(): void {
    this.durable = this.lastIndex();
  }
}

function parts(raft: Raft, over: Partial<ReadyLoopOptions<number>> = {}) {
  const log = new MemLog();
  const sent: Message[] = [];
  const saved: HardState[] = [];
  const errors: Error[] = [];
  const sm = { appliedIndex: 0, snapshots: [] as number[] };
  const loop = new ReadyLoop<number>({
    core: raft,
    log,
    hardState: { save: (hs) => void saved.push(hs) },
    transport: { send: (ms) => void sent.push(...ms) },
    stateMachine: {
      get appliedIndex() {
        return sm.appliedIndex;
      },
      apply: (es) => (sm.appliedIndex = es[es.length - 1].index),
      installSnapshot: () => {},
      takeSnapshot: () => (sm.snapshots.push(sm.appliedIndex), { index: sm.appliedIndex }),
    },
    hooks: { sendSnapshot: () => {} },
    acknowledgeDurableOnly: true,
    snapshots: { everyEntries: 0, everyBytes: 0, keepEntries: 0 },
    stopped: () => false,
    onError: (err) => void errors.push(err),
    ...over,
  });
  return { loop, log, sent, saved, errors, sm };
}

function campaign(raft: Raft): void {
  for (let i = 0; i < 40 && !raft.hasReady(); i++) raft.tick();
}

test("a vote request leaves only once the hard state naming the vote is saved", () => {
  const raft = new Raft(config(1, { countPolicy: "durable" }), bootstrap([1, 2, 3]));
  let saving: Manual | undefined;
  const p = parts(raft, { hardState: { save: () => (saving = new Manual()) } });
  campaign(raft);
  p.loop.drain();
  assert.ok(saving, "the campaign's Ready saves the hard state");
  assert.equal(p.sent.length, 0, "nothing is sent while the vote is not durable");
  assert.ok(p.loop.draining);
  saving.resolve();
  assert.deepEqual(p.sent.map((m) => [m.type, m.to]).sort(), [[MessageType.Vote, 2], [MessageType.Vote, 3]]);
  assert.ok(!p.loop.draining);
});

test("DiskFirst: an acknowledgement past what the log store made durable stops the loop", () => {
  const raft = new Raft(config(2, { countPolicy: "durable" }), bootstrap([1, 2, 3]));
  const p = parts(raft);
  const entry: Entry = { index: 1, term: 1, type: 0, data: new Uint8Array([1]) };
  raft.step({ type: MessageType.App, from: 1, to: 2, term: 1, logTerm: 0, index: 0, entries: [entry], commit: 0, reject: false, rejectHint: 0, rejectHintTerm: 0, context: 0 });
  p.loop.drain();
  assert.equal(p.errors.length, 0);
  assert.ok(!p.sent.some((m) => m.type === MessageType.AppResp && !m.reject && m.index >= 1), "not acknowledged before durable");
  // A store that reports durable but whose durableIndex says otherwise: the core acknowledges, the loop refuses to send it.
  p.loop.reportDurable(1);
  p.loop.drain();
  assert.equal(p.errors.length, 1);
  assert.ok(p.errors[0] instanceof ShellInvariantError);
  assert.match(p.errors[0].message, /no acknowledgement before durable/);
});

test("the entries applied since the last snapshot are bounded by bytes as well as by count", () => {
  const raft = new Raft(config(1, { countPolicy: "appended" }), bootstrap([1]));
  const p = parts(raft, { snapshots: { everyEntries: 1_000_000, everyBytes: 4000, keepEntries: 1000 } });
  campaign(raft);
  p.loop.drain();
  for (let i = 0; i < 20; i++) {
    assert.equal(raft.propose([new Uint8Array(1000)]).ok, true);
    p.loop.drain();
  }
  assert.equal(p.errors.length, 0);
  assert.ok(p.sm.snapshots.length >= 4, `snapshots taken by bytes: ${p.sm.snapshots}`);
  // At most the budget's worth of entries is kept behind the newest snapshot.
  const st = raft.status();
  const kept = p.sm.snapshots[p.sm.snapshots.length - 1] - (st.firstIndex - 1);
  assert.ok(kept <= 4, `kept ${kept} entries of 1000 bytes behind the snapshot`);
  assert.equal(p.log.first, st.firstIndex);
});
