// Config keys take effect on the wire, or are reported at start-up: max_concurrent_streams in the
// server's SETTINGS, tcp_keepalive_in_secs on both sockets, max_frame_size as the message limit.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as http2 from "node:http2";
import { MessageType, type Message } from "../../src/raft/types.ts";
import { fromPb, pb, toPb } from "../../src/transport/codec.ts";
import { addressOf, msg, network, portAllocator, startNode, until } from "./helpers.ts";

const port = portAllocator(21500);

function hasSs(): boolean {
  try {
    execFileSync("ss", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("config keys on the wire", () => {
  test("max_concurrent_streams and connection_window_size are advertised by each plane's server", async () => {
    const ba = addressOf(2, port);
    const b = await startNode(2, ba, {
      network: network({
        control: { max_concurrent_streams: 17, connection_window_size: 1 << 20 },
        data: { max_concurrent_streams: 33, connection_window_size: 6 << 20 },
      }),
    });
    try {
      const settings = async (addr: string) => {
        const s = http2.connect(`http://${addr}`);
        try {
          return await new Promise<http2.Settings>((resolve, reject) => {
            s.once("remoteSettings", resolve);
            s.once("error", reject);
          });
        } finally {
          s.close();
        }
      };
      const control = await settings(ba.control), data = await settings(ba.data);
      assert.equal(control.maxConcurrentStreams, 17);
      assert.equal(data.maxConcurrentStreams, 33);
      assert.equal(control.initialWindowSize, 1 << 20);
      assert.equal(data.initialWindowSize, 6 << 20);
    } finally {
      await b.t.close();
    }
  });

  test("tcp_keepalive_in_secs arms SO_KEEPALIVE on both ends of a plane's connection", { skip: !hasSs() && "ss is not installed" }, async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    const n = network({ control: { tcp_keepalive_in_secs: 37 } });
    const a = await startNode(1, aa, { network: n });
    const b = await startNode(2, ba, { network: n });
    try {
      a.t.setPeers([aa, ba]);
      await until(() => a.t.isConnected(2, "control"), "control connected");
      const controlPort = ba.control.split(":")[1];
      const sockets = () =>
        execFileSync("ss", ["-tnoH", "state", "established", `( sport = :${controlPort} or dport = :${controlPort} )`], {
          encoding: "utf8",
        }).trim().split("\n");
      // A socket with unacknowledged data shows its retransmit timer instead; wait for quiet.
      let lines: string[] = [];
      await until(() => {
        lines = sockets();
        return lines.length === 2 && lines.every((l) => /timer:\(keepalive,/.test(l));
      }, "both ends of the control connection showing a keep-alive timer", 3000).catch((e: Error) => {
        throw new Error(`${e.message}:\n${lines.join("\n")}`);
      });
      for (const l of lines) {
        // ss prints the time left until the next probe: at most the configured 37 s.
        const m = /timer:\(keepalive,(?:(\d+)min)?([\d.]+)(ms|sec)/.exec(l);
        assert.ok(m, l);
        const secs = Number(m[1] ?? 0) * 60 + Number(m[2]) / (m[3] === "ms" ? 1000 : 1);
        assert.ok(secs > 30 && secs <= 37, `keep-alive timer ${secs}s, configured 37s: ${l}`);
      }
    } finally {
      await a.t.close();
      await b.t.close();
    }
  });

  test("max_frame_size caps a plane's messages, and start-up says how each key was applied", async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    const logs: string[] = [];
    const n = network({ data: { max_frame_size: 4096 } });
    const a = await startNode(1, aa, { network: n, log: (_l, m) => logs.push(m) });
    const b = await startNode(2, ba, { network: n });
    try {
      a.t.setPeers([aa, ba]);
      b.t.setPeers([aa, ba]);
      for (const plane of ["control", "data", "bulk"]) {
        assert.ok(logs.some((l) => l.startsWith(`[network.${plane}] max_frame_size`) && /SETTINGS_MAX_FRAME_SIZE/.test(l)));
        assert.ok(logs.some((l) => l.startsWith(`[network.${plane}] connection_window_size`)));
        assert.ok(logs.some((l) => l.startsWith(`[network.${plane}] tcp_keepalive_in_secs`)));
      }
      const big = { term: 1, index: 1, type: 0 as const, data: new Uint8Array(8000) };
      a.t.send([msg(MessageType.App, 1, 2, { entries: [big] })]);
      await until(() => a.rec.unreachable.includes(2), "the oversized batch refused");
      assert.equal(b.rec.messages.length, 0);
      assert.ok(logs.some((l) => /RESOURCE_EXHAUSTED.*larger than (max )?\(?4096/.test(l)), logs.join("\n"));
      a.t.send([msg(MessageType.App, 1, 2, { entries: [{ ...big, data: new Uint8Array(1000) }] })]);
      await until(() => b.rec.messages.length === 1, "a batch within the limit");
    } finally {
      await a.t.close();
      await b.t.close();
    }
  });
});

describe("codec", () => {
  test("every Message field survives the wire, 64-bit values as numbers", () => {
    const m: Message = {
      type: MessageType.Snap,
      from: 2 ** 40 + 1,
      to: 3,
      term: 2 ** 35,
      logTerm: 6,
      index: 2 ** 50 + 7,
      entries: [{ term: 5, index: 8, type: 1, data: new Uint8Array([1, 2, 3]) }, { term: 5, index: 9, type: 0, data: new Uint8Array() }],
      commit: 7,
      reject: true,
      rejectHint: 4,
      rejectHintTerm: 2,
      snapshot: { index: 3, term: 2, conf: { voters: [1, 2, 3], learners: [4] } },
      context: 99,
    };
    const back = fromPb(pb.Message.decode(pb.Message.encode(toPb(m)).finish()));
    assert.deepEqual({ ...back, entries: back.entries.map((e) => ({ ...e, data: [...e.data] })) }, {
      ...m,
      entries: m.entries.map((e) => ({ ...e, data: [...e.data] })),
    });
    const bare = fromPb(pb.Message.decode(pb.Message.encode(toPb(msg(MessageType.Heartbeat, 1, 2))).finish()));
    assert.equal(bare.snapshot, undefined);
    assert.deepEqual(bare.entries, []);
  });
});
