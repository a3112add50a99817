// Pushes one snapshot on the bulk plane: chunks of at most `chunkBytes`, each written when the
// call has room (gzip and the HTTP/2 stream's flow control are the backpressure), SHA-256 over
// the content sent in the last chunk, progress after every chunk. The stream is never held in
// memory whole.
import { createHash } from "node:crypto";
import type { CallStatus, ClientCall } from "../grpc/client-call.ts";
import { GrpcStatus } from "../grpc/status.ts";
import type { Message, NodeId } from "../raft/types.ts";
import { toPb, type PbAck } from "./codec.ts";
import { codeText } from "./stream-pipeline.ts";
import { encodeChunk } from "./services.ts";
import type { ProgressFn, SnapshotSource, TransportObserver } from "./types.ts";

export interface PushOptions {
  clusterId: number;
  nodeId: NodeId;
  peer: NodeId;
  chunkBytes: number;
  /** Opens the InstallSnapshot call (gzip, with its deadline). */
  open: () => ClientCall<PbAck>;
  observer: TransportObserver;
}

export async function pushSnapshot(o: PushOptions, m: Message, source: SnapshotSource, onProgress?: ProgressFn): Promise<void> {
  const what = `snapshot ${m.snapshot?.index ?? "?"} to peer ${o.peer}`;
  let failure: Error | undefined;
  let settle!: (e: Error | undefined) => void;
  const done = new Promise<Error | undefined>((r) => (settle = r));
  let drained: (() => void) | undefined;
  const call = o.open();
  call.onMessage = () => {};
  call.onStatus = (s: CallStatus) => {
    if (s.code !== GrpcStatus.OK) failure ??= new Error(`${what} failed: ${codeText(s)}`);
    settle(failure);
    drained?.();
  };
  call.onDrain = () => drained?.();

  // A write that the call says it has no room for waits for drain, or for the call's end.
  const write = async (buf: Uint8Array) => {
    if (call.ended) throw failure ?? new Error(`${what} failed: the call ended early`);
    o.observer.bytes("bulk", o.peer, "out", buf.length);
    if (call.write(buf)) return;
    await new Promise<void>((resolve) => (drained = resolve));
    drained = undefined;
    if (failure) throw failure;
  };

  const hash = createHash("sha256");
  let offset = 0;
  let first = true;
  // The first chunk alone carries the Snap message and the total size.
  const header = () => ({
    clusterId: o.clusterId,
    senderId: o.nodeId,
    message: first ? toPb(m) : null,
    totalBytes: first ? source.totalBytes : 0,
    offset,
  });
  try {
    for await (const piece of source.chunks()) {
      for (let at = 0; at < piece.length; at += o.chunkBytes) {
        const data = piece.subarray(at, Math.min(piece.length, at + o.chunkBytes));
        hash.update(data);
        await write(encodeChunk({ ...header(), data }));
        first = false;
        offset += data.length;
        onProgress?.(offset, source.totalBytes);
        // A write with room resolves at once, so without this the loop would hash and encode
        // chunk after chunk in one turn of the event loop while heartbeats wait behind it.
        await yieldToLoop();
      }
    }
    if (offset !== source.totalBytes) {
      throw new Error(`${what}: source yielded ${offset} bytes, declared ${source.totalBytes}`);
    }
    await write(encodeChunk({ ...header(), last: true, checksum: hash.digest() }));
    call.end();
  } catch (e) {
    const cause = failure ?? e; // the call's own failure, else the source's error
    call.cancel(e instanceof Error ? e.message : String(e));
    await done;
    throw cause;
  }
  const err = await done;
  if (err) throw err;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
