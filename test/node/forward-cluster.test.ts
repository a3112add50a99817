// Three real members in this process: a write through a follower is answered from the follower's
// own apply (a serializable read right after sees it), and writes in flight across a leadership
// move get an error or a correct answer, never a wrong one.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../src/config/schema.ts";
import { createLogger } from "../../src/log/log.ts";
import type { WriteResponse } from "../../src/kv/types.ts";
import { TriremeNode } from "../../src/node/node.ts";
import { agreedLeader, threeMemberConfigs, waitFor } from "./three-members.ts";

const BASE = 27700; // 4 ports per member: 27700..27711
const enc = new TextEncoder();
const dec = new TextDecoder();
const base = mkdtempSync(join(tmpdir(), "trireme-forward-"));
const nodes: TriremeNode[] = [];

const leader = () => agreedLeader(nodes);
const read = (n: TriremeNode, key: string) => n.store.range({ key: enc.encode(key) }).kvs[0];

describe("forwarding through a follower (3 members)", () => {
  before(async () => {
    for (const [i, config] of threeMemberConfigs(BASE, base, "forward-test").entries()) {
      nodes[i] = await TriremeNode.start({ config, log: createLogger({ level: "error", format: "json" }, () => {}), onFatal: () => {} });
    }
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(base, { recursive: true, force: true });
  });

  it("answers after the follower applied the write: a serializable read from it right after sees it", { timeout: 30_000 }, async () => {
    const l = await leader();
    const follower = nodes.find((n) => n !== l)!;
    for (let i = 0; i < 50; i++) {
      const r = await follower.write({ put: { key: enc.encode(`ryw/${i}`), value: enc.encode(`v${i}`) } });
      assert.equal(r.op, "put");
      const kv = read(follower, `ryw/${i}`);
      assert.ok(kv, `write ${i} answered before the follower applied it`);
      assert.equal(dec.decode(kv.value), `v${i}`);
      assert.equal(r.op === "put" ? r.put.header.revision : -1, kv.modRevision, "the answer is the follower's own apply");
    }
  });

  it("writes in flight while leadership moves get an error or a correct answer", { timeout: 60_000 }, async () => {
    const l = await leader();
    const follower = nodes.find((n) => n !== l)!;
    const target = nodes.find((n) => n !== l && n !== follower)!;
    // Ten writers through the follower; leadership moves once some got through.
    type Outcome = { i: number; r: WriteResponse } | { i: number; e: Error };
    const outcomes: Outcome[] = [];
    let stop = false;
    let seq = 0;
    const writer = async () => {
      while (!stop) {
        const i = seq++;
        outcomes.push(await follower.write({ put: { key: enc.encode(`move/${i}`), value: enc.encode(`m${i}`) } }).then((r) => ({ i, r }), (e: Error) => ({ i, e })));
      }
    };
    const writers = Array.from({ length: 10 }, writer);
    await waitFor("30 writes before the move", 15_000, () => (outcomes.length >= 30 ? true : undefined));
    await l.moveLeader(target.id);
    const moved = outcomes.length;
    await waitFor("30 writes after the move", 15_000, () => (outcomes.length >= moved + 30 ? true : undefined));
    stop = true;
    await Promise.all(writers);
    let ok = 0;
    for (const o of outcomes) {
      if ("e" in o) {
        assert.match(o.e.message, /leader changed|timed out/, `write ${o.i}: ${o.e.message}`);
        continue;
      }
      ok++;
      const kv = read(follower, `move/${o.i}`);
      assert.ok(kv, `write ${o.i} acknowledged but not applied on the follower`);
      assert.equal(dec.decode(kv.value), `m${o.i}`);
      assert.equal(o.r.op === "put" ? o.r.put.header.revision : -1, kv.modRevision);
    }
    assert.ok(ok >= 30, `acknowledged ${ok} of ${outcomes.length}`);
    // And writes go on under the new leader.
    await waitFor("the new leader everywhere", 15_000, () => (nodes.every((n) => n.status().leader === target.id) ? true : undefined));
    const r = await follower.write({ put: { key: enc.encode("after"), value: enc.encode("x") } });
    assert.equal(r.op, "put");
    assert.equal(dec.decode(read(follower, "after")!.value), "x");
  });
});
