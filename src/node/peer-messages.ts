// The node's side of sending the Ready's messages. A leader's Apps that carry no entries only
// tell followers the new commit index: no client waits on them, while a put's answer is written
// after every socket write of the turn its entry was applied in, and a write to a peer costs
// 20–50 µs on loopback (the kernel runs the receiver's side in the sender's call). So those go
// out in the next event-loop turn, after the answers; everything else goes at once. Raft does not
// care: a follower takes Apps in any order, and its commit index never goes back.
import { MessageType, type Message } from "../raft/types.ts";

export class PeerMessages {
  private later: Message[] = [];
  private scheduled = false;

  constructor(
    private readonly transport: () => { send(messages: Message[]): void },
    private readonly stopped: () => boolean,
  ) {}

  send(messages: Message[]): void {
    let lazy = 0;
    for (const m of messages) if (isCommitNotice(m)) lazy++;
    if (lazy === 0) return this.transport().send(messages);
    const now: Message[] = [];
    for (const m of messages) (isCommitNotice(m) ? this.later : now).push(m);
    if (now.length > 0) this.transport().send(now);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.later;
      this.later = [];
      if (!this.stopped()) this.transport().send(batch);
    });
  }
}

function isCommitNotice(m: Message): boolean {
  return m.type === MessageType.App && m.entries.length === 0;
}
