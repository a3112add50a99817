// `trireme certs` (and `trireme init --tls`): a cluster CA, one certificate per member (server and
// client auth, SANs = the member's host from --peers) and one for the operator (client auth), as
// PEM files with keys readable by their owner only. An existing CA in the directory is reused, so
// a member added later gets a certificate its peers already trust.
import { X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { parseMembers } from "../config/members.ts";
import type { Member } from "../config/presets.ts";
import { CERT_FILES } from "../tls/names.ts";
import { parse, UsageError, type Command } from "./usage.ts";


export interface CertsOptions {
  dir: string;
  members: readonly Member[];
  clusterName: string;
  /** Validity of member and operator certificates; a new CA gets ten times as long. */
  days: number;
  /** Overwrite existing member and operator files (the CA is always kept when present). */
  force: boolean;
}

export interface CertsResult {
  written: string[];
  reusedCa: boolean;
}

const isLoopback = (h: string) => h === "::1" || h.startsWith("127.") || h === "localhost";

/** The names a member's certificate must carry: its host, and localhost for a loopback one
 *  (clients that refuse an IP as a TLS server name dial localhost). */
export function memberHosts(m: Member): string[] {
  return isLoopback(m.host) ? [m.host, "localhost", ...(isIP(m.host) === 4 ? ["127.0.0.1"] : [])] : [m.host];
}

export async function writeCerts(o: CertsOptions): Promise<CertsResult> {
  // Loaded on demand: only certificate making needs the X.509 encoder.
  const { createAuthority, createLeaf, loadAuthority } = await import("../tls/generate.ts");
  const at = (name: string) => join(o.dir, name);
  const targets = o.members.flatMap((m) => [CERT_FILES.member(m.id), CERT_FILES.memberKey(m.id)]);
  const reusedCa = existsSync(at(CERT_FILES.ca)) && existsSync(at(CERT_FILES.caKey));
  // One operator certificate per CA: written once (members' files may be made one run at a time).
  const operatorToo = o.force || !reusedCa || !existsSync(at(CERT_FILES.operator)) || !existsSync(at(CERT_FILES.operatorKey));
  if (!o.force) {
    const existing = targets.filter((t) => existsSync(at(t)));
    if (existing.length > 0) throw new Error(`${existing.map(at).join(", ")} already exist; pass --force to overwrite (the CA is kept either way)`);
  }
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  const put = (name: string, text: string, secret: boolean) => {
    writeFileSync(at(name), text, { mode: secret ? 0o600 : 0o644 });
    chmodSync(at(name), secret ? 0o600 : 0o644); // an existing file keeps its mode through writeFileSync
    written.push(at(name));
  };
  let ca;
  if (reusedCa) {
    ca = await loadAuthority(readFileSync(at(CERT_FILES.ca), "utf8"), readFileSync(at(CERT_FILES.caKey), "utf8"));
    const expires = Date.parse(new X509Certificate(ca.cert).validTo);
    if (expires < Date.now() + o.days * 86_400_000) {
      console.error(`trireme certs: note: the CA in ${at(CERT_FILES.ca)} expires on ${new Date(expires).toISOString()}, before the certificates it signs now; rotate it (docs/security.md)`);
    }
  } else {
    ca = await createAuthority(`${o.clusterName} cluster CA`, o.days * 10);
    put(CERT_FILES.ca, ca.cert, false);
    put(CERT_FILES.caKey, ca.key, true);
  }
  for (const m of o.members) {
    const leaf = await createLeaf(ca, { commonName: `node-${m.id}`, hosts: memberHosts(m), role: "member", days: o.days });
    put(CERT_FILES.member(m.id), leaf.cert, false);
    put(CERT_FILES.memberKey(m.id), leaf.key, true);
  }
  if (operatorToo) {
    const operator = await createLeaf(ca, { commonName: "operator", hosts: [], role: "client", days: o.days });
    put(CERT_FILES.operator, operator.cert, false);
    put(CERT_FILES.operatorKey, operator.key, true);
  }
  return { written, reusedCa };
}

const usage = `Usage: trireme certs --peers LIST [flags]

Writes a cluster CA (ca.pem, ca-key.pem), a certificate and key per member (node-<id>.pem,
node-<id>-key.pem; server and client auth, SANs = the member's host) and an operator client
certificate (operator.pem, operator-key.pem) into DIR. Keys are written with mode 0600. A CA
already in DIR is reused, so certificates for a member added later are trusted by the others.
Point [tls.client] and [tls.peer] at them (trireme init --tls does it for you); docs/security.md.

Flags:
  --peers LIST        the members, as for trireme init: ID=HOST[:PORT],...
  --dir DIR           where to write (default "tls")
  --cluster-name S    names the CA (default "trireme")
  --days N            validity of member and operator certificates (default 825; a new CA: 10 ×)
  --force             overwrite member and operator files that exist
  -h, --help          show this help`;

export const certsCommand: Command = {
  name: "certs",
  summary: "write a cluster CA and certificates for the members and the operator",
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      peers: { type: "string" },
      dir: { type: "string" },
      "cluster-name": { type: "string" },
      days: { type: "string" },
      force: { type: "boolean" },
    }, usage);
    if (values.peers === undefined) throw new UsageError("--peers is required: the members whose certificates to write", usage);
    const members = parseMembers(values.peers);
    if (typeof members === "string") throw new UsageError(`--peers: ${members}`, usage);
    const days = values.days === undefined ? DEFAULT_DAYS : Number(values.days);
    if (!Number.isInteger(days) || days < 1 || days > 36_500) throw new UsageError(`--days must be an integer from 1 to 36500; got "${values.days}"`, usage);
    try {
      const r = await writeCerts({ dir: values.dir ?? "tls", members, clusterName: values["cluster-name"] ?? "trireme", days, force: values.force === true });
      if (r.reusedCa) console.log(`reused the CA in ${values.dir ?? "tls"}`);
      for (const f of r.written) console.log(`wrote ${f}`);
      return 0;
    } catch (err) {
      console.error(`trireme certs: ${(err as Error).message}`);
      return 1;
    }
  },
};

/** 825 days: the longest validity clients such as Apple's accept for a TLS server certificate. */
export const DEFAULT_DAYS = 825;
