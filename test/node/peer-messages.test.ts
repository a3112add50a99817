// A leader's Apps without entries only carry the commit index: they leave one event-loop turn
// later, after the client answers of the turn that applied the entries, and everything else
// leaves at once, in the order the Ready listed it.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PeerMessages } from "../../src/node/peer-messages.ts";
import { EntryType, MessageType, type Message } from "../../src/raft/types.ts";

function message(type: MessageType, to: number, entries = 0): Message {
  return {
    type, from: 1, to, term: 2, logTerm: 2, index: 10, commit: 11, reject: false, rejectHint: 0, rejectHintTerm: 0, context: 0,
    entries: Array.from({ length: entries }, (_, i) => ({ term: 2, index: 11 + i, type: EntryType.Normal, data: new Uint8Array(1) })),
  };
}

const label = (m: Message) => `${m.type === MessageType.App ? (m.entries.length > 0 ? "app" : "commit") : "hb"}→${m.to}`;

describe("PeerMessages", () => {
  test("commit-only Apps go after this turn's answers, the rest at once", async () => {
    const order: string[] = [];
    const peers = new PeerMessages(() => ({ send: (ms: Message[]) => order.push(ms.map(label).join(",")) }), () => false);
    peers.send([message(MessageType.App, 2, 3), message(MessageType.App, 3), message(MessageType.Heartbeat, 3)]);
    peers.send([message(MessageType.App, 2)]);
    queueMicrotask(() => order.push("client answer"));
    assert.deepEqual(order, ["app→2,hb→3"]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ["app→2,hb→3", "client answer", "commit→3,commit→2"]);
  });

  test("a Ready without commit-only Apps is handed on as it is", () => {
    const sent: Message[][] = [];
    const peers = new PeerMessages(() => ({ send: (ms: Message[]) => sent.push(ms) }), () => false);
    const batch = [message(MessageType.App, 2, 1), message(MessageType.AppResp, 3)];
    peers.send(batch);
    assert.equal(sent[0], batch);
  });

  test("nothing is sent once the member stops", async () => {
    let stopped = false;
    const sent: string[] = [];
    const peers = new PeerMessages(() => ({ send: (ms: Message[]) => sent.push(ms.map(label).join(",")) }), () => stopped);
    peers.send([message(MessageType.App, 2)]);
    stopped = true;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, []);
  });
});
