// Config keys take effect on the wire: each plane's listener and each of this node's channels
// send the plane's SETTINGS (max_concurrent_streams, connection_window_size, max_frame_size) and
// connection WINDOW_UPDATE, PING after http2_keep_alive_interval_in_secs of silence and give up
// after the timeout, set SO_KEEPALIVE on both ends, accept frames up to max_frame_size and
// messages up to the plane's limit. Start-up says how each key was applied.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Flag, FrameType, readU32, SettingId } from "../../src/h2/frames.ts";
import { MessageType, type Message, type Plane } from "../../src/raft/types.ts";
import { fromPb, pb, toPb } from "../../src/transport/codec.ts";
import { messageLimit } from "../../src/transport/options.ts";
import { encodeEnvelope } from "../../src/transport/services.ts";
import { type LogLevel, noopObserver } from "../../src/transport/types.ts";
import { parseSettings, RawClient } from "../h2/raw.ts";
import { addressOf, msg, network, portAllocator, startNode, until } from "./helpers.ts";
import { assertPlaneSettings, RawPeer } from "./raw-peer.ts";

const port = portAllocator(21500);
const MiB = 1 << 20;
const portOf = (addr: string) => Number(addr.split(":")[1]);

function hasSs(): boolean {
  try {
    execFileSync("ss", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A gRPC request's headers for a raw client. */
const grpcHeaders = (path: string): [string, string][] => [
  [":method", "POST"], [":scheme", "http"], [":path", path], [":authority", "peer"],
  ["content-type", "application/grpc"], ["te", "trailers"],
];
const framed = (body: Uint8Array, declared = body.length): Uint8Array => {
  const out = new Uint8Array(5 + body.length);
  out[1] = declared >>> 24; out[2] = (declared >>> 16) & 0xff; out[3] = (declared >>> 8) & 0xff; out[4] = declared & 0xff;
  out.set(body, 5);
  return out;
};
/** grpc-status of the response on a stream (trailers, or a trailers-only answer). */
async function grpcStatusOn(c: RawClient, streamId: number): Promise<{ code: number; message: string }> {
  const f = await c.waitFor((x) => x.type === FrameType.HEADERS && x.streamId === streamId && (x.flags & Flag.END_STREAM) !== 0, `trailers on stream ${streamId}`);
  const h = new Map(f.headers ?? []);
  return { code: Number(h.get("grpc-status")), message: decodeURIComponent(h.get("grpc-message") ?? "") };
}

describe("config keys on the wire", () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  test("each plane's listener advertises its keys in SETTINGS and opens its connection window", async () => {
    const ba = addressOf(2, port);
    const b = await startNode(2, ba, {
      network: network({
        control: { max_concurrent_streams: 17, connection_window_size: 1 * MiB, max_frame_size: 20_000 },
        data: { max_concurrent_streams: 33, connection_window_size: 6 * MiB, max_frame_size: 1 * MiB },
        bulk: { max_concurrent_streams: 5, connection_window_size: 32 * MiB, max_frame_size: 33_554_432 },
      }),
    });
    cleanup.push(() => b.t.close());
    const want = {
      control: { streams: 17, window: 1 * MiB, frame: 20_000 },
      data: { streams: 33, window: 6 * MiB, frame: 1 * MiB },
      bulk: { streams: 5, window: 32 * MiB, frame: 16_777_215 }, // 32 MiB is above HTTP/2's largest frame
    };
    for (const plane of ["control", "data", "bulk"] as const) {
      const c = await RawClient.connect(portOf(ba[plane]));
      try {
        const s = parseSettings((await c.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0, `${plane} SETTINGS`)).payload);
        assert.equal(s.get(SettingId.MAX_CONCURRENT_STREAMS), want[plane].streams, plane);
        assert.equal(s.get(SettingId.INITIAL_WINDOW_SIZE), want[plane].window, plane);
        assert.equal(s.get(SettingId.MAX_FRAME_SIZE), want[plane].frame, plane);
        const wu = await c.waitFor((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 0, `${plane} connection WINDOW_UPDATE`);
        assert.equal(readU32(wu.payload, 0), want[plane].window - 65_535, plane);
      } finally {
        c.destroy();
      }
    }
  });

  test("this node's channels advertise the same keys to the peer", async () => {
    const peers = [new RawPeer(), new RawPeer(), new RawPeer()];
    for (const p of peers) await p.listen();
    cleanup.push(async () => { for (const p of peers) await p.close(); });
    const aa = addressOf(1, port);
    const a = await startNode(1, aa, {
      network: network({
        control: { max_concurrent_streams: 7, connection_window_size: 2 * MiB, max_frame_size: 40_000 },
        data: { max_concurrent_streams: 9, connection_window_size: 3 * MiB, max_frame_size: 16_777_215 },
        bulk: { max_concurrent_streams: 11, connection_window_size: 5 * MiB, max_frame_size: 16_384 },
      }),
    });
    cleanup.push(() => a.t.close());
    const [control, data, bulk] = peers.map((p) => `127.0.0.1:${p.port}`) as [string, string, string];
    a.t.setPeers([aa, { id: 2, control, data, bulk }]); // pre-warming dials all three
    await assertPlaneSettings(peers, [[7, 2 * MiB, 40_000], [9, 3 * MiB, 16_777_215], [11, 5 * MiB, 16_384]], "the client");
  });

  test("PING after http2_keep_alive_interval_in_secs of silence, both ways; no ACK within the timeout drops the connection", { timeout: 20_000 }, async () => {
    const keepalive = { http2_keep_alive_interval_in_secs: 1, http2_keep_alive_timeout_in_secs: 1 };
    const ba = addressOf(2, port);
    const b = await startNode(2, ba, { network: network({ control: keepalive }) });
    cleanup.push(() => b.t.close());
    const silent = new RawPeer(false); // records PINGs, never ACKs them
    await silent.listen();
    cleanup.push(() => silent.close());
    const aa = addressOf(1, port);
    // Connection events with their time: a dropped channel redials at once, too fast to poll for.
    const events: { up: boolean; at: number }[] = [];
    const observer = { ...noopObserver, connection: (plane: Plane, _peer: number, up: boolean) => { if (plane === "control") events.push({ up, at: performance.now() }); } };
    const a = await startNode(1, aa, { network: network({ control: keepalive }), observer });
    cleanup.push(() => a.t.close());

    // The listener's side: a client that says nothing after its preface and never ACKs.
    const listenerSide = (async () => {
      const c = await RawClient.connect(portOf(ba.control));
      try {
        const t0 = performance.now();
        c.settingsAck();
        await c.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) === 0, "the listener's keep-alive PING", 4000);
        const pingAfter = performance.now() - t0;
        await c.waitClosed(4000);
        return { pingAfter, closedAfter: performance.now() - t0 };
      } finally {
        c.destroy();
      }
    })();
    // The channel's side: A dials the silent peer as node 2's control plane.
    const t0 = performance.now();
    a.t.setPeers([aa, { ...addressOf(2, port), control: `127.0.0.1:${silent.port}` }]);
    await until(() => events.some((e) => e.up), "A's control channel up");
    const ping = await silent.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) === 0, "the channel's keep-alive PING", 4000);
    await until(() => events.some((e) => !e.up), "A dropping the connection whose PING went unanswered", 4000);
    const channelClosedAfter = events.find((e) => !e.up)!.at - t0;
    const l = await listenerSide;
    assert.ok(l.pingAfter >= 900 && l.pingAfter < 2500, `listener PING after ${l.pingAfter.toFixed(0)} ms (interval 1 s)`);
    assert.ok(l.closedAfter >= l.pingAfter + 900, `listener closed ${(l.closedAfter - l.pingAfter).toFixed(0)} ms after its PING (timeout 1 s)`);
    const channelPing = ping.at - t0;
    assert.ok(channelPing >= 900 && channelPing < 2500, `channel PING after ${channelPing.toFixed(0)} ms (interval 1 s)`);
    assert.ok(channelClosedAfter >= channelPing + 900, `channel gave up ${(channelClosedAfter - channelPing).toFixed(0)} ms after its PING (timeout 1 s)`);
  });

  test("tcp_keepalive_in_secs arms SO_KEEPALIVE on both ends of a plane's connection", { skip: !hasSs() && "ss is not installed" }, async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    const n = network({ control: { tcp_keepalive_in_secs: 37 } });
    const a = await startNode(1, aa, { network: n });
    const b = await startNode(2, ba, { network: n });
    cleanup.push(async () => { await a.t.close(); await b.t.close(); });
    a.t.setPeers([aa, ba]);
    b.t.setPeers([aa, ba]);
    // The accepting end is armed at the connection's first call (until h2 has an option for it).
    a.t.send([msg(MessageType.Heartbeat, 1, 2)]);
    await until(() => b.rec.messages.length === 1, "a heartbeat over the control connection");
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
  });

  test("max_frame_size is the frame size a listener accepts, not a message limit", async () => {
    const ba = addressOf(2, port);
    const b = await startNode(2, ba, { network: network({ control: { max_frame_size: 1 * MiB }, data: { max_frame_size: 16_384 } }) });
    cleanup.push(() => b.t.close());
    b.t.setPeers([addressOf(1, port), ba]);
    const body = encodeEnvelope({ clusterId: 7, senderId: 1, messages: [toPb(msg(MessageType.Heartbeat, 1, 2, { entries: [{ term: 1, index: 1, type: 0, data: new Uint8Array(100_000) }] }))] });
    const c = await RawClient.connect(portOf(ba.control));
    try {
      c.settingsAck();
      // Send only once the listener's stream window and connection window allow 100 KB.
      await c.waitFor((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 0, "the listener's connection window");
      c.headers(1, grpcHeaders("/trireme.raft.RaftControl/Send"));
      c.data(1, framed(body), true); // one DATA frame of ~100 KB
      assert.deepEqual(await grpcStatusOn(c, 1), { code: 0, message: "" });
      await until(() => b.rec.messages.length === 1, "the message at B");
      assert.equal(b.rec.messages[0]!.entries[0]!.data.length, 100_000);
    } finally {
      c.destroy();
    }
    const d = await RawClient.connect(portOf(ba.data));
    try {
      d.settingsAck();
      d.headers(1, grpcHeaders("/trireme.raft.RaftData/Append"));
      d.data(1, new Uint8Array(20_000)); // over this listener's 16,384
      const g = await d.goaway();
      assert.equal(g.code, 0x6, `FRAME_SIZE_ERROR expected, got GOAWAY ${JSON.stringify(g)}`);
    } finally {
      d.destroy();
    }
  });

  test("a message over its plane's limit is refused by the sender and by the listener", async () => {
    const aa = addressOf(1, port), ba = addressOf(2, port);
    const logs: string[] = [];
    const a = await startNode(1, aa, { log: (_l, m) => logs.push(m) });
    const b = await startNode(2, ba);
    cleanup.push(async () => { await a.t.close(); await b.t.close(); });
    a.t.setPeers([aa, ba]);
    b.t.setPeers([aa, ba]);
    const control = messageLimit("control", network());
    // Control-plane messages carry no entries in Raft; one that does is over the 1 MiB limit.
    a.t.send([msg(MessageType.Vote, 1, 2, { entries: [{ term: 1, index: 1, type: 0, data: new Uint8Array(control + 1) }] }), msg(MessageType.Heartbeat, 1, 2)]);
    await until(() => a.rec.unreachable.includes(2), "the oversized message refused at A");
    assert.ok(logs.some((l) => new RegExp(`over the control plane's limit of ${control}: not sent`).test(l)), logs.join("\n"));
    await until(() => b.rec.messages.length === 1, "the heartbeat beside it");
    assert.equal(b.rec.messages[0]!.type, MessageType.Heartbeat);
    // The listener refuses at the length prefix, before reading the message.
    const data = messageLimit("data", network());
    const c = await RawClient.connect(portOf(ba.data));
    try {
      c.settingsAck();
      c.headers(1, grpcHeaders("/trireme.raft.RaftData/Append"));
      c.data(1, framed(new Uint8Array(10), data + 1));
      const s = await grpcStatusOn(c, 1);
      assert.equal(s.code, 8, `RESOURCE_EXHAUSTED expected: ${JSON.stringify(s)}`);
      assert.match(s.message, new RegExp(`larger than max \\(${data + 1} vs. ${data}\\)`));
    } finally {
      c.destroy();
    }
  });

  test("start-up says how each key was applied; max_frame_size below HTTP/2's minimum is refused", async () => {
    const logs: { level: LogLevel; msg: string }[] = [];
    const aa = addressOf(1, port);
    const a = await startNode(1, aa, { network: network({ bulk: { max_frame_size: 33_554_432 } }), log: (level, m) => logs.push({ level, msg: m }) });
    cleanup.push(() => a.t.close());
    for (const plane of ["control", "data", "bulk"]) {
      const frame = logs.find((l) => l.msg.startsWith(`[network.${plane}] max_frame_size`));
      assert.ok(frame && /SETTINGS_MAX_FRAME_SIZE/.test(frame.msg) && /largest .* message is \d+ bytes/.test(frame.msg), frame?.msg ?? `no max_frame_size line for ${plane}`);
      assert.equal(frame.level, plane === "bulk" ? "warn" : "debug", frame.msg);
      assert.ok(logs.some((l) => l.msg.startsWith(`[network.${plane}] connection_window_size`) && /SETTINGS_INITIAL_WINDOW_SIZE/.test(l.msg)));
      assert.ok(logs.some((l) => l.msg.startsWith(`[network.${plane}] tcp_keepalive_in_secs`) && /SO_KEEPALIVE.*PING/.test(l.msg)));
    }
    assert.match(logs.find((l) => l.msg.startsWith("[network.bulk] max_frame_size"))!.msg, /SETTINGS_MAX_FRAME_SIZE = 16777215/);
    assert.ok(!logs.some((l) => /grpc-js/.test(l.msg)), "no start-up line speaks of grpc-js any more");
    await assert.rejects(startNode(3, addressOf(3, port), { network: network({ data: { max_frame_size: 4096 } }) }), /\[network\.data\] max_frame_size = 4096: expected an integer of at least 16384/);
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

