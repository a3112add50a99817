// A streaming call's request messages as an async iterable, so a receiver can await its sink
// between messages. While more than a few messages wait, the HTTP/2 stream stops crediting its
// receive window, so a sender faster than the sink is held back by flow control instead of
// piling messages up here.
import type { ServerCall } from "../grpc/call.ts";

/** Messages that may wait for the consumer before the stream is paused. */
const HIGH_WATER = 4;

/** Iterates the call's messages until its "end"; throws `cancelledText` if the call is
 *  cancelled (the client reset it, its connection broke, or the deadline passed). */
export function incoming<Req>(call: ServerCall<Req, unknown>, cancelledText: string): AsyncIterable<Req> {
  const queue: Req[] = [];
  let paused = false;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  call.on("data", (m: Req) => {
    queue.push(m);
    if (!paused && queue.length >= HIGH_WATER) {
      paused = true;
      call.pause();
    }
    notify();
  });
  call.on("end", () => {
    ended = true;
    notify();
  });
  call.once("cancelled", () => {
    failure ??= new Error(cancelledText);
    notify();
  });
  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (failure) throw failure;
        const m = queue.shift();
        if (m !== undefined) {
          if (paused && queue.length < HIGH_WATER / 2) {
            paused = false;
            call.resume();
          }
          yield m;
          continue;
        }
        if (ended) return;
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
}
