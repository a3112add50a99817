// The planes' HTTP/2 settings and keep-alives take effect under mutual TLS as in plaintext
// (options.test.ts): a raw TLS client of each plane's listener, and a raw TLS server each of this
// node's channels dials, read the frames after decryption: the plane's SETTINGS and connection
// WINDOW_UPDATE, both ways, and a PING after http2_keep_alive_interval_in_secs of silence with the
// connection given up when it goes unanswered for the timeout.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Flag, FrameType, readU32, SettingId } from "../../src/h2/frames.ts";
import type { H2ClientTls, H2ServerTls } from "../../src/h2/types.ts";
import type { Plane } from "../../src/raft/types.ts";
import { createAuthority, createLeaf, type Pem } from "../../src/tls/generate.ts";
import { noopObserver } from "../../src/transport/types.ts";
import { parseSettings, RawClient } from "../h2/raw.ts";
import { addressOf, network, portAllocator, startNode, until } from "./helpers.ts";
import { assertPlaneSettings, RawPeer } from "./raw-peer.ts";

const port = portAllocator(21800);
const MiB = 1 << 20;
const portOf = (addr: string) => Number(addr.split(":")[1]);

let ca = "";
let member: Pem;
let other: Pem;

/** The transport's TLS: every plane listener mutual with the cluster CA, channels with the member certificate. */
const peerTls = (): { listener(name: string): H2ServerTls; dial: H2ClientTls } => ({
  listener: () => ({ material: () => ({ cert: member.cert, key: member.key, ca }), requireClientCert: true }),
  dial: { material: () => ({ cert: member.cert, key: member.key, ca }) },
});
/** What a raw TLS client or server of the test presents: another member's certificate of the same CA. */
const rawClientTls = () => ({ ca, cert: other.cert, key: other.key, checkServerIdentity: () => undefined });
const rawServerTls = () => ({ ca, cert: other.cert, key: other.key, requestCert: true, rejectUnauthorized: true });

before(async () => {
  const authority = await createAuthority("transport TLS test CA", 7);
  ca = authority.cert;
  member = await createLeaf(authority, { commonName: "node-1", hosts: ["127.0.0.1"], role: "member", days: 7 });
  other = await createLeaf(authority, { commonName: "node-2", hosts: ["127.0.0.1"], role: "member", days: 7 });
});

describe("config keys on the wire, under mutual TLS", () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  test("each plane's TLS listener advertises its keys in SETTINGS and opens its connection window", async () => {
    const ba = addressOf(2, port);
    const b = await startNode(2, ba, {
      tls: peerTls(),
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
      bulk: { streams: 5, window: 32 * MiB, frame: 16_777_215 },
    };
    for (const plane of ["control", "data", "bulk"] as const) {
      const c = await RawClient.connect(portOf(ba[plane]), { tls: rawClientTls() });
      try {
        const s = parseSettings((await c.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0, `${plane} SETTINGS over TLS`)).payload);
        assert.equal(s.get(SettingId.MAX_CONCURRENT_STREAMS), want[plane].streams, plane);
        assert.equal(s.get(SettingId.INITIAL_WINDOW_SIZE), want[plane].window, plane);
        assert.equal(s.get(SettingId.MAX_FRAME_SIZE), want[plane].frame, plane);
        const wu = await c.waitFor((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 0, `${plane} connection WINDOW_UPDATE over TLS`);
        assert.equal(readU32(wu.payload, 0), want[plane].window - 65_535, plane);
      } finally {
        c.destroy();
      }
    }
  });

  test("this node's TLS channels advertise the same keys to the peer", async () => {
    const peers = [new RawPeer(true, rawServerTls()), new RawPeer(true, rawServerTls()), new RawPeer(true, rawServerTls())];
    for (const p of peers) await p.listen();
    cleanup.push(async () => { for (const p of peers) await p.close(); });
    const aa = addressOf(1, port);
    const a = await startNode(1, aa, {
      tls: peerTls(),
      network: network({
        control: { max_concurrent_streams: 7, connection_window_size: 2 * MiB, max_frame_size: 40_000 },
        data: { max_concurrent_streams: 9, connection_window_size: 3 * MiB, max_frame_size: 16_777_215 },
        bulk: { max_concurrent_streams: 11, connection_window_size: 5 * MiB, max_frame_size: 16_384 },
      }),
    });
    cleanup.push(() => a.t.close());
    const [control, data, bulk] = peers.map((p) => `127.0.0.1:${p.port}`) as [string, string, string];
    a.t.setPeers([aa, { id: 2, control, data, bulk }]);
    await assertPlaneSettings(peers, [[7, 2 * MiB, 40_000], [9, 3 * MiB, 16_777_215], [11, 5 * MiB, 16_384]], "the TLS client");
  });

  test("keep-alive PINGs both ways over TLS; an unanswered PING drops the connection", { timeout: 20_000 }, async () => {
    const keepalive = { http2_keep_alive_interval_in_secs: 1, http2_keep_alive_timeout_in_secs: 1 };
    const ba = addressOf(2, port);
    const b = await startNode(2, ba, { tls: peerTls(), network: network({ control: keepalive }) });
    cleanup.push(() => b.t.close());
    const silent = new RawPeer(false, rawServerTls()); // records PINGs, never ACKs them
    await silent.listen();
    cleanup.push(() => silent.close());
    const aa = addressOf(1, port);
    const events: { up: boolean; at: number }[] = [];
    const observer = { ...noopObserver, connection: (plane: Plane, _peer: number, up: boolean) => { if (plane === "control") events.push({ up, at: performance.now() }); } };
    const a = await startNode(1, aa, { tls: peerTls(), network: network({ control: keepalive }), observer });
    cleanup.push(() => a.t.close());

    // The listener's side: a TLS client that says nothing after its preface and never ACKs a PING.
    const c = await RawClient.connect(portOf(ba.control), { tls: rawClientTls() });
    try {
      c.settingsAck();
      await c.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) === 0, "the TLS listener's keep-alive PING", 4000);
      await c.waitClosed(4000);
    } finally {
      c.destroy();
    }
    // The channel's side: A dials the silent TLS peer as node 2's control plane.
    a.t.setPeers([aa, { ...addressOf(2, port), control: `127.0.0.1:${silent.port}` }]);
    await until(() => events.some((e) => e.up), "A's control channel up over TLS");
    await silent.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) === 0, "the TLS channel's keep-alive PING", 4000);
    await until(() => events.some((e) => !e.up), "A dropping the TLS connection whose PING went unanswered", 4000);
  });
});
