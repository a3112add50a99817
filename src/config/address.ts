// "host:port" parsing for every address key and for `init --peers`.

export interface HostPort {
  /** As written, without IPv6 brackets, lower-cased. */
  host: string;
  port: number;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Why `host` is not a usable host, or undefined when it is. */
export function hostProblem(host: string): string | undefined {
  if (host.length === 0) return "empty host";
  if (host.startsWith("[")) {
    if (!host.endsWith("]")) return "an IPv6 host must be written in brackets, e.g. [::1]";
    const inner = host.slice(1, -1);
    return /^[0-9a-fA-F:.]+$/.test(inner) && inner.includes(":") ? undefined : `"${inner}" is not an IPv6 address`;
  }
  if (host.includes(":")) return "an IPv6 host must be written in brackets, e.g. [::1]:2379";
  const v4 = IPV4.exec(host);
  if (v4 !== null) {
    return v4.slice(1).every((o) => Number(o) <= 255) ? undefined : `"${host}" is not an IPv4 address`;
  }
  if (/^[\d.]+$/.test(host)) return `"${host}" is not an IPv4 address`;
  if (host.length > 253 || !host.toLowerCase().split(".").every((l) => LABEL.test(l))) {
    return `"${host}" is not a valid host name`;
  }
  return undefined;
}

/** Parses "host:port"; returns an error string naming what is wrong. */
export function parseAddress(text: string): HostPort | string {
  const colon = text.lastIndexOf(":");
  if (colon < 0 || (text.startsWith("[") && !text.slice(colon - 1).startsWith("]:"))) {
    return "no port";
  }
  const host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  const why = hostProblem(host);
  if (why !== undefined) return why;
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    return `port ${portText === "" ? "missing" : `"${portText}" is not 1–65535`}`;
  }
  return { host: host.toLowerCase().replace(/^\[|\]$/g, ""), port: Number(portText) };
}

export function formatAddress(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

const WILDCARDS = new Set(["0.0.0.0", "::", "0:0:0:0:0:0:0:0"]);

/** Whether two listen addresses of the same machine would collide. */
export function sameListener(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && (a.host === b.host || WILDCARDS.has(a.host) || WILDCARDS.has(b.host));
}
