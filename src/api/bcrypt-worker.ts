// bcrypt off the event loop where Bun.password is missing (a member on Deno or node): a worker
// thread running bcryptjs (pure JavaScript, the same $2a/$2b hashes), one request at a time.
import { parentPort } from "node:worker_threads";
import bcrypt from "bcryptjs";

export type BcryptRequest = { id: number; op: "hash"; password: string; cost: number } | { id: number; op: "verify"; password: string; hash: string };
export type BcryptAnswer = { id: number; hash?: string; ok?: boolean; error?: string };

parentPort?.on("message", (m: BcryptRequest) => {
  try {
    const answer: BcryptAnswer = m.op === "hash"
      ? { id: m.id, hash: bcrypt.hashSync(m.password, m.cost) }
      : { id: m.id, ok: bcrypt.compareSync(m.password, m.hash) };
    parentPort!.postMessage(answer);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message } satisfies BcryptAnswer);
  }
});
