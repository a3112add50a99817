// A worker thread's end of its channel to the main thread, the same on Bun and Deno.
import type { MessagePort } from "node:worker_threads";

/** Lets a worker thread end once it has answered its last message. Deno's `parentPort` is not a
 *  MessagePort and has no close() (calling it threw "port.close is not a function" at every
 *  shutdown there); unref() lets its thread end the same way. The main thread terminates the
 *  worker in any case, so this only spares it an error. */
export function releaseParentPort(port: MessagePort): void {
  if (typeof port.close === "function") port.close();
  else port.unref();
}
