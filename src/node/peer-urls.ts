// The peer URLs of etcd's MemberAdd, turned into a member's four addresses. etcd has one peer
// URL per member; trireme has three peer planes and a client port, so (docs/membership.md):
//   1 URL   the Control plane; client = port-1, data = port+1, bulk = port+2 (the convention of
//           `trireme init`: client, control, data, bulk are base, +1, +2, +3)
//   3 URLs  Control, Data, Bulk in that order; client = control port - 1
//   4 URLs  Control, Data, Bulk, client in that order
import { formatAddress, parseAddress, type HostPort } from "../config/address.ts";
import type { PeerConfig } from "../config/types.ts";

/** The member's addresses from `urls`, or why they cannot be used (a message for the operator). */
export function peerFromURLs(id: number, urls: readonly string[]): PeerConfig | string {
  if (urls.length !== 1 && urls.length !== 3 && urls.length !== 4) {
    return `expected 1 peer URL (the control plane; the other ports follow the client, control, data, bulk = base, +1, +2, +3 convention), 3 (control, data, bulk) or 4 (control, data, bulk, client); got ${urls.length}`;
  }
  const parsed: HostPort[] = [];
  for (const url of urls) {
    const p = parseURL(url);
    if (typeof p === "string") return `peer URL "${url}": ${p}`;
    parsed.push(p);
  }
  const [control, data, bulk, client] = parsed as [HostPort, ...HostPort[]];
  const at = (hp: HostPort, delta: number): string | undefined => {
    const port = hp.port + delta;
    return port >= 1 && port <= 65535 ? formatAddress(hp.host, port) : undefined;
  };
  const addresses =
    urls.length === 1
      ? { client: at(control, -1), control: at(control, 0), data: at(control, 1), bulk: at(control, 2) }
      : { client: client ? at(client, 0) : at(control, -1), control: at(control, 0), data: at(data!, 0), bulk: at(bulk!, 0) };
  if (addresses.client === undefined || addresses.data === undefined || addresses.bulk === undefined || addresses.control === undefined) {
    return `peer URL "${urls[0]}": the ports derived from it fall outside 1–65535; give 3 or 4 URLs`;
  }
  const all = [addresses.client, addresses.control, addresses.data, addresses.bulk];
  if (new Set(all).size !== all.length) return `the member's client, control, data and bulk addresses must differ; got ${all.join(", ")}`;
  return {
    id,
    name: "",
    client_address: addresses.client,
    control_address: addresses.control,
    data_address: addresses.data,
    bulk_address: addresses.bulk,
  };
}

function parseURL(url: string): HostPort | string {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]+)\/?$/i.exec(url.trim());
  if (m === null) return "expected http://host:port or https://host:port";
  // The scheme says nothing trireme uses: [tls.peer] decides whether the planes speak TLS.
  const scheme = m[1].toLowerCase();
  if (scheme !== "http" && scheme !== "https") return `scheme "${m[1]}" is not supported: expected http:// or https://`;
  return parseAddress(m[2]);
}
