// The follower side of scripts/bench-planes.ts, run as its own process: answers heartbeats and
// appends like a Raft follower would and swallows snapshots. Prints "ready" once listening.
// Usage (by bench-planes.ts): bun scripts/bench-planes-peer.ts '<json of PeerArgs>'
import type { ServerCall } from "../src/grpc/call.ts";
import { GrpcServer } from "../src/grpc/server.ts";
import type { ServiceDefinition, UnaryCallback } from "../src/grpc/types.ts";
import type { NetworkSection } from "../src/config/types.ts";
import { type Message, MessageType } from "../src/raft/types.ts";
import { fromPb, type PbAck, type PbEnvelope } from "../src/transport/codec.ts";
import { PeerTransport } from "../src/transport/peer-transport.ts";
import { dataService } from "../src/transport/services.ts";
import type { PeerAddress, SnapshotSink } from "../src/transport/types.ts";

export interface PeerArgs {
  clusterId: number;
  self: PeerAddress;
  leader: PeerAddress;
  network: NetworkSection;
  /** A port for the comparison data path: one unary call per batch (see bench-planes.ts). */
  unaryPort: number;
}

/** The unary alternative to the Append stream: same Envelope in, Ack out, one call per batch. */
export const unaryAppendService = {
  AppendUnary: { ...dataService.Append, path: "/trireme.raft.RaftData/AppendUnary", requestStream: false, responseStream: false },
} satisfies ServiceDefinition;

if (import.meta.main) await main(JSON.parse(process.argv[2] ?? "{}") as PeerArgs);

async function main(args: PeerArgs): Promise<void> {
  const reply = (m: Message, type: MessageType, over: Partial<Message> = {}): Message => ({
    type,
    from: args.self.id,
    to: m.from,
    term: m.term,
    logTerm: 0,
    index: m.index,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    rejectHintTerm: 0,
    context: m.context,
    ...over,
  });

  const onMessage = (m: Message) => {
    if (m.type === MessageType.Heartbeat) t.send([reply(m, MessageType.HeartbeatResp)]);
    else if (m.type === MessageType.App) t.send([reply(m, MessageType.AppResp, { index: m.index + m.entries.length })]);
  };
  const t: PeerTransport = new PeerTransport({
    clusterId: args.clusterId,
    nodeId: args.self.id,
    listen: args.self,
    network: args.network,
    dataWindow: 256,
    handlers: {
      onMessage,
      async openSnapshotSink(): Promise<SnapshotSink> {
        return { async write() {}, async commit() {}, async abort() {} };
      },
      onSnapshotReceived() {},
      onUnreachable() {},
    },
    log: (level, msg) => {
      // A snapshot cut short when a benchmark phase ends is expected.
      if ((level === "warn" || level === "error") && !/ended before its last chunk|cancelled the transfer/.test(msg)) console.error(`peer: ${level} ${msg}`);
    },
  });
  const unary = new GrpcServer({ maxReceiveMessageBytes: 64 << 20 });
  unary.addService(unaryAppendService, {
    AppendUnary(call: ServerCall<PbEnvelope, PbAck>, cb: UnaryCallback<PbAck>) {
      for (const p of call.request.messages ?? []) onMessage(fromPb(p));
      cb(null, {});
    },
  });
  await unary.listen("127.0.0.1", args.unaryPort);
  await t.start();
  t.setPeers([args.self, args.leader]);
  console.log("ready");
  process.on("SIGTERM", () => {
    Promise.all([unary.close(0), t.close()]).finally(() => process.exit(0));
  });
}
