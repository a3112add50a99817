// Password hashing (src/api/auth-password.ts): bcrypt at the configured cost, etcd's 72-byte
// limit, a wrong password or a hash that is not bcrypt's verifies false; and the bcryptjs worker
// that members use where Bun.password is missing (Deno) makes hashes Bun's bcrypt accepts, and
// accepts Bun's.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { PasswordHasher } from "../../src/api/auth-password.ts";
import type { BcryptAnswer, BcryptRequest } from "../../src/api/bcrypt-worker.ts";

describe("password hashing", () => {
  const worker = new Worker(new URL("../../src/api/bcrypt-worker.ts", import.meta.url));
  after(() => worker.terminate());
  const ask = (m: BcryptRequest) =>
    new Promise<BcryptAnswer>((resolve) => {
      const on = (a: BcryptAnswer) => {
        if (a.id !== m.id) return;
        worker.off("message", on);
        resolve(a);
      };
      worker.on("message", on);
      worker.postMessage(m);
    });

  test("bcrypt at the configured cost; etcd's limit; wrong passwords and foreign hashes verify false", async () => {
    const h = new PasswordHasher(5);
    const hash = await h.hash("secret");
    assert.match(hash, /^\$2b\$05\$.{53}$/);
    assert.equal(await h.verify("secret", hash), true);
    assert.equal(await h.verify("Secret", hash), false);
    assert.equal(await h.verify("secret", "not a hash"), false);
    assert.equal(await h.verify("secret", ""), false);
    await assert.rejects(h.hash("x".repeat(73)), /bcrypt: password length exceeds 72 bytes/);
    assert.match(await h.hash("x".repeat(72)), /^\$2b\$05\$/);
  });

  test("the bcryptjs worker (Deno's path) and Bun's bcrypt accept each other's hashes", async () => {
    const fromWorker = await ask({ id: 1, op: "hash", password: "pw", cost: 4 });
    assert.match(fromWorker.hash!, /^\$2b\$04\$/);
    assert.equal(await Bun.password.verify("pw", fromWorker.hash!, "bcrypt"), true);
    const fromBun = await Bun.password.hash("pw2", { algorithm: "bcrypt", cost: 4 });
    assert.equal((await ask({ id: 2, op: "verify", password: "pw2", hash: fromBun })).ok, true);
    assert.equal((await ask({ id: 3, op: "verify", password: "nope", hash: fromBun })).ok, false);
  });
});
