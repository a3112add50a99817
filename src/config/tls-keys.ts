// The `[tls.client]` and `[tls.peer]` keys, with etcd's names (server/embed/config.go's
// ClientTLSInfo and PeerTLSInfo). Kept beside schema.ts, which spreads them into SCHEMA.
import { isAbsolute, resolve } from "node:path";
import { checkPair, hostOf, type TlsProblem } from "../tls/check.ts";
import type { Rule } from "./rules.ts";
import type { KeySpec } from "./key-spec.ts";
import type { Config } from "./types.ts";

const file = (what: string) => ({ type: "optional", what }) as const;

export const TLS_KEYS: readonly KeySpec[] = [
  {
    path: "tls.client.cert_file",
    kind: file("a PEM certificate file"),
    default: "",
    doc: "Certificate the client port presents (etcd's --cert-file); its SANs must cover node.client_address. Set with key_file to serve TLS.",
  },
  { path: "tls.client.key_file", kind: file("a PEM private key file"), default: "", doc: "Private key of cert_file (etcd's --key-file)." },
  {
    path: "tls.client.trusted_ca_file",
    kind: file("a PEM CA certificate file"),
    default: "",
    doc: "CA that signs client certificates (etcd's --trusted-ca-file); needed by client_cert_auth.",
  },
  {
    path: "tls.client.client_cert_auth",
    kind: { type: "boolean" },
    default: false,
    doc: "Refuse, at the handshake, a client without a certificate signed by trusted_ca_file (etcd's --client-cert-auth).",
  },
  {
    path: "tls.peer.cert_file",
    kind: file("a PEM certificate file"),
    default: "",
    doc: "Certificate this member presents to its peers, as server and as client (etcd's --peer-cert-file); its SANs must cover this member's control, data and bulk addresses.",
  },
  { path: "tls.peer.key_file", kind: file("a PEM private key file"), default: "", doc: "Private key of cert_file (etcd's --peer-key-file)." },
  {
    path: "tls.peer.trusted_ca_file",
    kind: file("a PEM CA certificate file"),
    default: "",
    doc: "The cluster CA: a peer whose certificate it did not sign is refused at the handshake, both ways (etcd's --peer-trusted-ca-file with --peer-client-cert-auth).",
  },
  {
    path: "tls.peer.allowed_cn",
    kind: { type: "optional", what: "a certificate Common Name" },
    default: "",
    doc: "Accept only peer certificates with this Common Name (etcd's --peer-cert-allowed-cn); \"\" accepts any the CA signed.",
  },
  {
    path: "tls.peer.allowed_hostname",
    kind: { type: "optional", what: "a host name or IP address" },
    default: "",
    doc: "Accept only peer certificates whose SANs cover this host name or IP (etcd's --peer-cert-allowed-hostname; wildcards as in server certificates); \"\" accepts any the CA signed. Not with allowed_cn.",
  },
];

const CLIENT_FILES = ["cert_file", "key_file", "trusted_ca_file"] as const;

/** Relative TLS file names are relative to the config file, as node.data_dir is. */
export function resolveTlsFiles(c: Config, dir: string): void {
  for (const k of CLIENT_FILES) {
    if (c.tls.client[k] !== "" && !isAbsolute(c.tls.client[k])) c.tls.client[k] = resolve(dir, c.tls.client[k]);
    if (c.tls.peer[k] !== "" && !isAbsolute(c.tls.peer[k])) c.tls.peer[k] = resolve(dir, c.tls.peer[k]);
  }
}

const self = (c: Config) => c.cluster.peers.find((p) => p.id === c.node.id);

/** The hosts other members dial this one at on the peer planes, and clients on the client port. */
function dialledHosts(c: Config, which: "peer" | "client"): string[] {
  const me = self(c);
  const addresses = which === "client"
    ? [c.node.client_address, me?.client_address, ...(c.metrics.enabled && c.metrics.tls ? [c.metrics.address] : [])]
    : [c.node.control_address, c.node.data_address, c.node.bulk_address, me?.control_address, me?.data_address, me?.bulk_address];
  return [...new Set(addresses.filter((a): a is string => a !== undefined).map(hostOf))];
}

export const TLS_RULES: readonly Rule[] = [
  {
    doc: "`[tls.client]`: `cert_file` and `key_file` are set together; `trusted_ca_file` and `client_cert_auth` need them, and `client_cert_auth` needs `trusted_ca_file`.",
    severity: "error",
    reads: ["tls.client.cert_file", "tls.client.key_file", "tls.client.trusted_ca_file", "tls.client.client_cert_auth"],
    check(c, ctx) {
      const t = c.tls.client;
      if ((t.cert_file === "") !== (t.key_file === "")) {
        const empty = t.cert_file === "" ? "cert_file" : "key_file";
        ctx.error(`tls.client.${empty}`, '"" (not set)', `a file, since ${empty === "cert_file" ? "key_file" : "cert_file"} is set (the client port serves TLS with both)`);
      } else if (t.cert_file === "" && (t.trusted_ca_file !== "" || t.client_cert_auth)) {
        ctx.error("tls.client.cert_file", '"" (not set)', "a certificate: trusted_ca_file and client_cert_auth only apply to a TLS client port");
      }
      if (t.client_cert_auth && t.trusted_ca_file === "") {
        ctx.error("tls.client.trusted_ca_file", '"" (not set)', "the CA that signs client certificates, since client_cert_auth = true");
      }
    },
  },
  {
    doc: "`metrics.tls = true` needs `[tls.client]`'s `cert_file` and `key_file`: the metrics address serves HTTPS with them (as etcd serves an https:// --listen-metrics-urls with its client TLS flags).",
    severity: "error",
    reads: ["metrics.tls", "tls.client.cert_file"],
    check(c, ctx) {
      if (c.metrics.tls && c.tls.client.cert_file === "") {
        ctx.error("metrics.tls", "true", "false, or set tls.client.cert_file and key_file: the metrics address serves HTTPS with the client port's certificate");
      }
    },
  },
  {
    doc: "`[tls.peer]`: `cert_file`, `key_file` and `trusted_ca_file` are all set (mutual TLS on every plane) or all empty (plaintext); `allowed_cn` and `allowed_hostname` need them and exclude each other (as etcd's flags).",
    severity: "error",
    reads: ["tls.peer.cert_file", "tls.peer.key_file", "tls.peer.trusted_ca_file", "tls.peer.allowed_cn", "tls.peer.allowed_hostname"],
    check(c, ctx) {
      const t = c.tls.peer;
      const set = CLIENT_FILES.filter((k) => t[k] !== "");
      if (set.length > 0 && set.length < 3) {
        for (const k of CLIENT_FILES.filter((k) => t[k] === "")) {
          ctx.error(`tls.peer.${k}`, '"" (not set)', `a file, since ${set.join(" and ")} ${set.length === 1 ? "is" : "are"} set (peer TLS is always mutual: certificate, key and cluster CA)`);
        }
      }
      if (set.length === 0 && t.allowed_cn !== "") ctx.error("tls.peer.allowed_cn", JSON.stringify(t.allowed_cn), '"" while peer TLS is off (set cert_file, key_file and trusted_ca_file)');
      if (set.length === 0 && t.allowed_hostname !== "") ctx.error("tls.peer.allowed_hostname", JSON.stringify(t.allowed_hostname), '"" while peer TLS is off (set cert_file, key_file and trusted_ca_file)');
      if (t.allowed_cn !== "" && t.allowed_hostname !== "") {
        ctx.error("tls.peer.allowed_hostname", JSON.stringify(t.allowed_hostname), `"" while allowed_cn is set (etcd: --peer-cert-allowed-cn and --peer-cert-allowed-hostname are mutually exclusive)`);
      }
    },
  },
  {
    doc: "TLS files are readable PEM, each key matches its certificate, certificates are valid now, a peer certificate is signed by `tls.peer.trusted_ca_file`, and SANs cover the hosts this member is dialled at (its peer addresses for `[tls.peer]`, its client address, and the metrics address with `metrics.tls`, for `[tls.client]`); checked by `config check` and at start.",
    severity: "error",
    reads: ["tls.client.cert_file", "tls.client.key_file", "tls.client.trusted_ca_file", "tls.peer.cert_file", "tls.peer.key_file", "tls.peer.trusted_ca_file", "cluster.peers", "node.client_address", "node.control_address", "node.data_address", "node.bulk_address", "metrics.address", "metrics.tls"],
    check(c, ctx) {
      const report = (ps: TlsProblem[]) => { for (const p of ps) ctx.error(p.key, p.got, p.expected); };
      const cl = c.tls.client;
      if (cl.cert_file !== "" && cl.key_file !== "") {
        report(checkPair({ section: "tls.client", certFile: cl.cert_file, keyFile: cl.key_file, caFile: cl.trusted_ca_file, hosts: dialledHosts(c, "client"), signedByCa: false }));
      }
      const pe = c.tls.peer;
      if (pe.cert_file !== "" && pe.key_file !== "" && pe.trusted_ca_file !== "") {
        report(checkPair({ section: "tls.peer", certFile: pe.cert_file, keyFile: pe.key_file, caFile: pe.trusted_ca_file, hosts: dialledHosts(c, "peer"), signedByCa: true }));
      }
    },
  },
];
