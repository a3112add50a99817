// The `--peers` syntax of `trireme init`: "1=10.0.0.1,2=10.0.0.2:2479,3=[fd00::3]".
import { hostProblem } from "./address.ts";
import { DEFAULT_BASE_PORT, PORT_OFFSETS } from "./schema.ts";
import type { Member } from "./presets.ts";

const LAST_OFFSET = Math.max(...Object.values(PORT_OFFSETS));

export const MEMBER_SYNTAX =
  `ID=HOST[:PORT],... where PORT (default ${DEFAULT_BASE_PORT}) is the client port and ` +
  `control, data, bulk, metrics use PORT+1..PORT+${LAST_OFFSET}; IPv6 hosts in brackets`;

/** Parses a member list; returns an error message naming the bad item. */
export function parseMembers(text: string): Member[] | string {
  const members: Member[] = [];
  for (const item of text.split(",").map((s) => s.trim())) {
    if (item === "") continue;
    const m = /^(\d+)=(.+)$/.exec(item);
    if (m === null) return `"${item}" is not ID=HOST[:PORT]`;
    const id = Number(m[1]);
    if (!Number.isSafeInteger(id) || id < 1) return `"${item}": the id must be an integer ≥ 1`;
    const parsed = parseHost(m[2]);
    if (typeof parsed === "string") return `"${item}": ${parsed}`;
    if (members.some((x) => x.id === id)) return `"${item}": id ${id} is listed twice`;
    const clash = members.find((x) => x.host === parsed.host && Math.abs(x.basePort - parsed.basePort) <= LAST_OFFSET);
    if (clash !== undefined) {
      return (
        `"${item}": its ports ${parsed.basePort}–${parsed.basePort + LAST_OFFSET} overlap member ${clash.id}'s on ${parsed.host}; ` +
        `give each member on one host its own PORT, e.g. ${id}=${m[2].replace(/:\d+$/, "")}:${clash.basePort + 100}`
      );
    }
    members.push({ id, ...parsed });
  }
  return members.length > 0 ? members : "no members given";
}

/** "HOST" or "HOST:PORT" (PORT is the client port; the others follow it). */
export function parseHost(text: string): { host: string; basePort: number } | string {
  const v6 = /^(\[[^\]]+\])(?::(\d+))?$/.exec(text);
  const plain = /^([^:\[\]]+)(?::(\d+))?$/.exec(text);
  const m = v6 ?? plain;
  if (m === null) return `"${text}" is not HOST or HOST:PORT`;
  const why = hostProblem(m[1]);
  if (why !== undefined) return why;
  const basePort = m[2] === undefined ? DEFAULT_BASE_PORT : Number(m[2]);
  if (basePort < 1 || basePort + LAST_OFFSET > 65535) return `port ${m[2]} must be 1–${65535 - LAST_OFFSET} (PORT+${LAST_OFFSET} is used too)`;
  return { host: m[1].replace(/^\[|\]$/g, "").toLowerCase(), basePort };
}
