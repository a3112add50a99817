// etcd's Watch service: one bidirectional stream per client carrying many watchers
// (etcd server/etcdserver/api/v3rpc/watch.go). Each member serves watches from its own applied
// state, like etcd; the watching itself is kv/watch.ts's WatchHub, this file is the gRPC side:
// decoding requests, filling the cluster header, etcd's fragmenting of large answers, and
// backpressure from the HTTP/2 stream back into the hub.
import type { ServiceImplementation, StreamHandler } from "../grpc/types.ts";
import { GrpcStatus, type StatusObject } from "../grpc/status.ts";
import { etcdserverpb, mvccpb } from "../gen/etcd.js";
import { Errors, StatusCode } from "../kv/errors.ts";
import type { WatchSource } from "../kv/store-view.ts";
import type { WatchCreateRequest, WatchEvent, WatchResponse } from "../kv/types.ts";
import type { Metadata } from "../grpc/metadata.ts";
import { WatchHub, type WatchHubOptions, type WatchSink } from "../kv/watch.ts";
import { bidiMethod, c, type Decoded } from "./services.ts";

type WatchRequest = etcdserverpb.WatchRequest.$Properties;
type WireResponse = etcdserverpb.WatchResponse.$Properties;
type WireHeader = etcdserverpb.ResponseHeader.$Properties;


export const WatchService = {
  Watch: bidiMethod("Watch", "Watch", c<WatchRequest>(etcdserverpb.WatchRequest), c<WireResponse>(etcdserverpb.WatchResponse)),
};

export interface WatchServiceOptions {
  store: WatchSource;
  /** The full response header for a revision (cluster, member, term from the backend). */
  header(revision: number): WireHeader;
  /** etcd's --max-request-bytes: answers of a watcher created with `fragment` are split above it. */
  maxRequestBytes: number;
  hub?: WatchHubOptions;
  /** The leader this member knows (0: none), for streams opened with etcd's `hasleader`
   *  metadata (clientv3's WithRequireLeader, which `etcdctl watch` uses): such a stream is
   *  refused without a leader, and ended after `NO_LEADER_CHECKS` checks in a row find none. */
  leader?: () => number;
  /** How often leader-requiring streams check for a leader. etcd: one election timeout
   *  (1 s by default). */
  leaderCheckMs?: number;
  /** Auth (auth-guard.ts): etcd's cancel reason when the stream's user may not read the range a
   *  create asks for, undefined when it may. */
  authorizeCreate?: (call: { metadata: Metadata; peerCommonName?: string }, req: WatchCreateRequest) => string | undefined;
}

/** etcd's maxNoLeaderCnt: checks in a row without a leader before such streams are ended. */
export const NO_LEADER_CHECKS = 3;

export interface WatchServer {
  readonly hub: WatchHub;
  readonly implementation: ServiceImplementation;
  /** The Watch handler itself (the client port wraps it). */
  readonly handler: StreamHandler<Decoded<WatchRequest>, WireResponse>;
  /** Ends every open watch stream (UNAVAILABLE "etcdserver: server stopped", so clients retry
   *  elsewhere) and stops the hub's timers. */
  close(): void;
}

function wireEvent(ev: WatchEvent): mvccpb.Event.$Properties {
  return ev.prevKv ? { type: ev.type, kv: ev.kv, prevKv: ev.prevKv } : { type: ev.type, kv: ev.kv };
}

/** Only the fields that are set (proto3 leaves defaults off the wire anyway). */
function toWire(r: WatchResponse, header: WireHeader): WireResponse {
  const m: WireResponse = { header, watchId: r.watchId };
  if (r.created) m.created = true;
  if (r.canceled) m.canceled = true;
  if (r.compactRevision !== 0) m.compactRevision = r.compactRevision;
  if (r.cancelReason !== "") m.cancelReason = r.cancelReason;
  if (r.events.length > 0) m.events = r.events.map(wireEvent);
  return m;
}

const varintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

/** etcd's sendFragments: an answer at or above `max` bytes with more than one event goes out
 *  as several, each under `max` (or holding a single event), all but the last marked
 *  `fragment`; clients reassemble them. */
export function fragments(m: WireResponse, max: number): WireResponse[] {
  const events = m.events ?? [];
  if (events.length < 2 || etcdserverpb.WatchResponse.encode(m).finish().length < max) return [m];
  const base = etcdserverpb.WatchResponse.encode({ ...m, events: [], fragment: true }).finish().length;
  const out: WireResponse[] = [];
  let cur: mvccpb.Event.$Properties[] = [];
  let size = base;
  for (const ev of events) {
    const n = mvccpb.Event.encode(ev).finish().length;
    const add = 1 + varintSize(n) + n;
    if (cur.length > 0 && size + add >= max) {
      out.push({ ...m, events: cur, fragment: true });
      cur = [];
      size = base;
    }
    cur.push(ev);
    size += add;
  }
  out.push({ ...m, events: cur });
  return out;
}

export function createWatchServer(opts: WatchServiceOptions): WatchServer {
  const hub = new WatchHub(opts.store, opts.hub);
  const open = new Set<() => void>();
  const leader = opts.leader;
  /** Streams that asked for a leader, and the monitor that ends them when there is none. */
  const needLeader = new Set<() => void>();
  let monitor: ReturnType<typeof setInterval> | undefined;
  let leaderless = 0;
  const noLeader = { code: StatusCode.UNAVAILABLE, details: Errors.noLeader().message };
  const watchLeader = () => {
    if (monitor !== undefined || leader === undefined) return;
    monitor = setInterval(() => {
      leaderless = leader() === 0 ? leaderless + 1 : 0;
      if (leaderless >= NO_LEADER_CHECKS) for (const end of [...needLeader]) end();
      if (needLeader.size === 0) {
        clearInterval(monitor);
        monitor = undefined;
        leaderless = 0;
      }
    }, opts.leaderCheckMs ?? 1000);
    monitor.unref?.();
  };

  const watch: StreamHandler<Decoded<WatchRequest>, WireResponse> = (call) => {
    const requireLeader = call.metadata.get("hasleader")[0] === "true";
    if (requireLeader && leader !== undefined && leader() === 0) {
      call.emit("error", noLeader);
      return;
    }
    let ended = false;
    const sink: WatchSink = {
      send(resp) {
        if (ended || call.destroyed || call.writableEnded) return true;
        const m = toWire(resp, opts.header(resp.header.revision));
        let ok = true;
        for (const part of resp.fragment ? fragments(m, opts.maxRequestBytes) : [m]) ok = call.write(part);
        return ok;
      },
      abort(err) {
        finish({ code: GrpcStatus.INTERNAL, details: `trireme: watch stream failed: ${err.message}` });
      },
    };
    const stream = hub.openStream(sink);
    const finish = (status?: StatusObject) => {
      if (ended) return;
      ended = true;
      stream.close();
      open.delete(stop);
      needLeader.delete(endNoLeader);
      if (call.destroyed || call.writableEnded) return;
      if (status) call.emit("error", status);
      else call.end();
    };
    const stop = () => finish({ code: StatusCode.UNAVAILABLE, details: Errors.stopped().message });
    const endNoLeader = () => finish(noLeader);
    open.add(stop);
    if (requireLeader) {
      needLeader.add(endNoLeader);
      watchLeader();
    }

    call.on("drain", () => stream.resume());
    call.on("data", (d: Decoded<WatchRequest>) => {
      if (ended) return;
      if (!d.ok) {
        finish({ code: StatusCode.INVALID_ARGUMENT, details: `${WatchService.Watch.path}: malformed request (${d.error})` });
        return;
      }
      const m = d.msg;
      if (m.createRequest) {
        const denied = opts.authorizeCreate?.(call, m.createRequest);
        // etcd answers a refused create as created and canceled at once, watch id -1.
        if (denied !== undefined) call.write({ header: opts.header(opts.store.revision), watchId: -1, created: true, canceled: true, cancelReason: denied });
        else stream.create(m.createRequest);
      }
      else if (m.cancelRequest) stream.cancel(Number(m.cancelRequest.watchId ?? 0));
      else if (m.progressRequest) stream.requestProgress();
      // etcd ignores a request with no known kind rather than ending the stream.
    });
    // A client that half-closes keeps receiving (etcd's recvLoop returns on EOF but the RPC
    // lives until the client goes away), so only cancellation or close ends the stream.
    call.on("cancelled", () => finish());
    call.on("close", () => finish());
  };

  return {
    hub,
    implementation: { watch } as ServiceImplementation,
    handler: watch,
    close() {
      for (const stop of [...open]) stop();
      if (monitor !== undefined) clearInterval(monitor);
      monitor = undefined;
      hub.close();
    },
  };
}
