// The listening side of the peer transport: a port per plane with that plane's HTTP/2 settings
// and its service behind admission and the plane's concurrency limit, or, with
// `network.isolation = false`, one shared port serving all three.
import type { NetworkSection } from "../config/types.ts";
import type { H2ServerTls } from "../h2/types.ts";
import type { Plane } from "../raft/types.ts";
import { PlaneListener } from "./listener.ts";
import { listenerOptions, mergedPlane, startupNotes } from "./options.ts";
import { PLANES } from "./peer-link.ts";
import { Admission, bulkImpl, ConcurrencyLimit, controlImpl, dataImpl, type ReceiverContext } from "./receiver.ts";
import { bulkService, controlService, dataService } from "./services.ts";

export interface PlaneListenersOptions {
  network: NetworkSection;
  listen: { control: string; data: string; bulk: string };
  /** The largest message each plane's listener accepts. */
  limits: Record<Plane, number>;
  /** Each listener's TLS, by its name (for log lines); absent: plaintext. */
  tls?: { listener(name: string): H2ServerTls | undefined };
  receiver: ReceiverContext;
}

/** The listeners by plane (one shared by all three when isolation is off), services added, not
 *  yet listening: `listenAll` opens them. Logs what the settings imply at start-up. */
export function planeListeners(o: PlaneListenersOptions): Map<Plane, PlaneListener> {
  const { network: n, receiver: ctx } = o;
  const admission = new Admission(ctx);
  const limits = {
    control: new ConcurrencyLimit("control", n.control.concurrency_limit, ctx.observer),
    data: new ConcurrencyLimit("data", n.data.concurrency_limit, ctx.observer),
    bulk: new ConcurrencyLimit("bulk", n.bulk.concurrency_limit, ctx.observer),
  };
  const serve = (l: PlaneListener, plane: Plane) => {
    if (plane === "control") l.server.addService(controlService, controlImpl(ctx, admission, limits.control, l));
    else if (plane === "data") l.server.addService(dataService, dataImpl(ctx, admission, limits.data, l));
    else l.server.addService(bulkService, bulkImpl(ctx, admission, limits.bulk, l));
  };
  const listeners = new Map<Plane, PlaneListener>();
  if (n.isolation) {
    for (const plane of PLANES) {
      const c = n[plane];
      const l = new PlaneListener(plane, o.listen[plane], listenerOptions(plane, c, o.limits[plane], o.tls?.listener(plane)), c.tcp_keepalive_in_secs * 1000);
      serve(l, plane);
      listeners.set(plane, l);
    }
  } else {
    ctx.log("warn", "network.isolation = false: control, data and bulk share one port and one connection per peer " +
      "(benchmark comparison only; heartbeats can queue behind snapshots)");
    const merged = mergedPlane(n);
    const l = new PlaneListener("shared", o.listen.control, listenerOptions("control", merged, o.limits.control, o.tls?.listener("shared")),
      merged.tcp_keepalive_in_secs * 1000);
    for (const plane of PLANES) serve(l, plane);
    for (const plane of PLANES) listeners.set(plane, l);
  }
  for (const plane of PLANES) {
    for (const note of startupNotes(plane, n[plane], o.limits[plane])) ctx.log(note.level, note.text);
  }
  return listeners;
}

/** Opens each listener once; if one cannot listen, closes those already listening and throws. */
export async function listenAll(listeners: Map<Plane, PlaneListener>): Promise<void> {
  const started = new Set<PlaneListener>();
  try {
    for (const l of new Set(listeners.values())) {
      await l.listen();
      started.add(l);
    }
  } catch (e) {
    for (const l of started) await l.close(0);
    throw e;
  }
}
