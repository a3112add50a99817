// Every refusal of the Raft core reaches a client as the same etcd error, whichever path proposed.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { StatusCode } from "../../src/kv/errors.ts";
import type { ProposeError } from "../../src/raft/types.ts";
import { proposeRefusal, refusalPasses } from "../../src/node/propose-errors.ts";

describe("proposeRefusal", () => {
  const cases: { error: ProposeError; code: StatusCode; message: string | RegExp; passes: boolean }[] = [
    // etcd: ErrGRPCLeaderChanged and ErrGRPCRequestTooManyRequests (api/v3rpc/rpctypes), verbatim.
    { error: { code: "not-leader", leader: 2 }, code: StatusCode.UNAVAILABLE, message: "etcdserver: leader changed", passes: false },
    { error: { code: "too-many-uncommitted-bytes", limit: 1 << 20 }, code: StatusCode.RESOURCE_EXHAUSTED, message: "etcdserver: too many requests", passes: false },
    { error: { code: "invalid-conf-change", reason: "voter 3 is not a learner" }, code: StatusCode.FAILED_PRECONDITION, message: "trireme: membership change refused: voter 3 is not a learner", passes: false },
    { error: { code: "transferring", to: 0xab }, code: StatusCode.UNAVAILABLE, message: /leadership is moving to member ab$/, passes: true },
    { error: { code: "conf-change-pending", index: 42 }, code: StatusCode.UNAVAILABLE, message: /membership change at index 42 is not applied yet$/, passes: true },
  ];
  for (const c of cases) {
    test(`${c.error.code} -> ${c.code} ${c.message}`, () => {
      const e = proposeRefusal(c.error);
      assert.equal(e.code, c.code);
      if (typeof c.message === "string") assert.equal(e.message, c.message);
      else assert.match(e.message, c.message);
      assert.equal(refusalPasses(c.error), c.passes);
    });
  }
});
