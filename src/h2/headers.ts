// RFC 9113 §8.2-8.3: which header lists are well-formed. A malformed one is a stream error
// (PROTOCOL_ERROR): the connection goes on. HPACK has already checked the octets of every name
// and value; this checks the shape of the list. `:authority` is taken as it comes (etcdctl sends
// `http://host:port` in some modes): what it names is the application's business.

/** Header fields that belong to HTTP/1.1 connections and are malformed in HTTP/2 (§8.2.2). */
const CONNECTION_SPECIFIC = new Set(["connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade"]);
/** By length first: this runs for every field of every message, and most names have none of these. */
function connectionSpecific(name: string): boolean {
  const len = name.length;
  return (len === 7 || len === 10 || len === 16 || len === 17) && CONNECTION_SPECIFIC.has(name);
}

/** The shape of a request's header list, or why it is malformed. */
export interface RequestCheck {
  error: string;
  /** content-length, or -1 when absent. */
  contentLength: number;
}

function regular(name: string, value: string, out: RequestCheck): boolean {
  if (connectionSpecific(name)) { out.error = `connection-specific header "${name}" (RFC 9113 §8.2.2)`; return false; }
  const len = name.length;
  if (len === 2) {
    if (name === "te" && value !== "trailers") { out.error = `te header "${value}"; only "trailers" is allowed (RFC 9113 §8.2.2)`; return false; }
  } else if (len === 14 && name === "content-length") {
    if (!/^\d{1,15}$/.test(value) || (out.contentLength >= 0 && out.contentLength !== Number(value))) {
      out.error = `content-length "${value}" is not one number`;
      return false;
    }
    out.contentLength = Number(value);
  }
  return true;
}

/** Checks a request's pseudo-headers (§8.3.1) and regular fields; `error` is "" when well-formed. */
export function checkRequest(headers: readonly [string, string][]): RequestCheck {
  const out: RequestCheck = { error: "", contentLength: -1 };
  let method = "", scheme = false, path = false, authority = false, seen = 0, regularSeen = false;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    const name = h[0];
    if (name.charCodeAt(0) !== 0x3a) {
      regularSeen = true;
      if (!regular(name, h[1], out)) return out;
      continue;
    }
    if (regularSeen) { out.error = `pseudo-header ${name} after a regular header (RFC 9113 §8.3)`; return out; }
    let bit: number;
    switch (name) {
      case ":method": bit = 1; method = h[1]; break;
      case ":scheme": bit = 2; scheme = true; break;
      case ":path": bit = 4; path = true; if (h[1] === "") { out.error = "empty :path"; return out; } break;
      case ":authority": bit = 8; authority = true; break;
      default: out.error = `unknown request pseudo-header ${name} (RFC 9113 §8.3.1)`; return out;
    }
    if (seen & bit) { out.error = `pseudo-header ${name} appears twice`; return out; }
    seen |= bit;
  }
  if (method === "") out.error = "request without :method";
  else if (method === "CONNECT") {
    if (scheme || path || !authority) out.error = "CONNECT needs :authority and no :scheme or :path (RFC 9113 §8.5)";
  } else if (!scheme || !path) out.error = `request without ${scheme ? ":path" : ":scheme"}`;
  return out;
}

/** A response's :status (100-999), or an error string for a malformed response header list. */
export function checkResponse(headers: readonly [string, string][]): number | string {
  let status = -1;
  let regularSeen = false;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    const name = h[0];
    if (name.charCodeAt(0) !== 0x3a) {
      regularSeen = true;
      if (connectionSpecific(name)) return `connection-specific header "${name}" in a response`;
      continue;
    }
    if (name !== ":status") return `unknown response pseudo-header ${name}`;
    if (regularSeen) return ":status after a regular header";
    if (status >= 0) return ":status appears twice";
    if (!/^[1-9]\d\d$/.test(h[1])) return `invalid :status "${h[1]}"`;
    status = Number(h[1]);
  }
  return status < 0 ? "response without :status" : status;
}

/** Trailers carry no pseudo-headers (§8.1). */
export function checkTrailers(headers: readonly [string, string][]): string {
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i]![0];
    if (name.charCodeAt(0) === 0x3a) return `pseudo-header ${name} in trailers`;
    if (connectionSpecific(name)) return `connection-specific header "${name}" in trailers`;
  }
  return "";
}
