// Pushes one snapshot on the bulk plane: chunks of at most `chunkBytes`, each write awaited (the
// HTTP/2 stream's flow control is the backpressure), SHA-256 over the content sent in the last
// chunk, progress after every chunk. The stream is never held in memory whole.
import * as grpc from "@grpc/grpc-js";
import { createHash } from "node:crypto";
import type { Message, NodeId } from "../raft/types.ts";
import { toPb, type PbAck } from "./codec.ts";
import { encodeChunk } from "./services.ts";
import type { ProgressFn, SnapshotSource, TransportObserver } from "./types.ts";

export interface PushOptions {
  clusterId: number;
  nodeId: NodeId;
  peer: NodeId;
  chunkBytes: number;
  open: (cb: grpc.requestCallback<PbAck>) => grpc.ClientWritableStream<Buffer>;
  observer: TransportObserver;
}

export async function pushSnapshot(o: PushOptions, m: Message, source: SnapshotSource, onProgress?: ProgressFn): Promise<void> {
  let failure: Error | undefined;
  let settle!: (e: Error | undefined) => void;
  const done = new Promise<Error | undefined>((r) => (settle = r));
  const call = o.open((err) => {
    if (err) failure ??= new Error(`snapshot ${m.snapshot?.index ?? "?"} to peer ${o.peer} failed: ${err.message}`);
    settle(failure);
  });
  call.on("error", () => {}); // reported through the callback above

  const write = (buf: Buffer) =>
    new Promise<void>((resolve) => {
      o.observer.bytes("bulk", o.peer, "out", buf.length);
      call.write(buf, () => resolve());
    });
  // A write whose call already failed may never call back: race it with the call's outcome.
  const writeOrFail = async (buf: Buffer) => {
    const r = await Promise.race([write(buf).then(() => undefined), done]);
    if (r) throw r;
  };

  const hash = createHash("sha256");
  let offset = 0;
  let first = true;
  try {
    for await (const piece of source.chunks()) {
      for (let at = 0; at < piece.length; at += o.chunkBytes) {
        const data = piece.subarray(at, Math.min(piece.length, at + o.chunkBytes));
        hash.update(data);
        await writeOrFail(encodeChunk({
          clusterId: o.clusterId,
          senderId: o.nodeId,
          message: first ? toPb(m) : null,
          totalBytes: first ? source.totalBytes : 0,
          offset,
          data,
        }));
        first = false;
        offset += data.length;
        onProgress?.(offset, source.totalBytes);
      }
    }
    if (offset !== source.totalBytes) {
      throw new Error(`snapshot ${m.snapshot?.index ?? "?"} to peer ${o.peer}: source yielded ${offset} bytes, declared ${source.totalBytes}`);
    }
    await writeOrFail(encodeChunk({
      clusterId: o.clusterId,
      senderId: o.nodeId,
      message: first ? toPb(m) : null,
      totalBytes: first ? source.totalBytes : 0,
      offset,
      last: true,
      checksum: hash.digest(),
    }));
    call.end();
  } catch (e) {
    const cause = failure ?? e; // the call's own failure, else the source's error
    call.cancel();
    await done;
    throw cause;
  }
  const err = await done;
  if (err) throw err;
}
