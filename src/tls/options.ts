// From `[tls.client]` / `[tls.peer]` to what the HTTP/2 layer takes: a listener's TLS (material
// re-read when the files change, refusals logged with the remote address and the reason) and a
// dialler's (material read at every dial, so a rotated certificate is used by the next connection).
import type { TlsSection } from "../config/types.ts";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import type { H2ClientTls, H2ServerTls } from "../h2/types.ts";
import { CredentialFiles } from "./source.ts";
import type { LogFn } from "../log/log.ts";


/** What a member needs for TLS, built once at start; undefined sections are plaintext. */
export interface MemberTls {
  /** The client port's listener. */
  clientPort?: H2ServerTls;
  /** The planes' channels to other members (mutual: this member's peer certificate). */
  peerDial?: H2ClientTls;
  /** Calls to other members' client ports (membership and removal watches, cluster-id learning). */
  clientDial?: H2ClientTls;
  /** "https" when the client port serves TLS, for member lists. */
  clientScheme: "http" | "https";
  peerScheme: "http" | "https";
}

/** etcd's --peer-cert-allowed-cn / --peer-cert-allowed-hostname as a listener's `authorize`. */
export function peerAuthorizer(allowedCn: string, allowedHostname: string): H2ServerTls["authorize"] {
  if (allowedCn !== "") {
    return ({ commonName }) => (commonName === allowedCn ? undefined : `certificate CN "${commonName}" is not tls.peer.allowed_cn "${allowedCn}"`);
  }
  if (allowedHostname === "") return undefined;
  return ({ subjectAltName }) => {
    // node:tls's own server-name check (wildcards, IP SANs), on the SANs of the verified certificate.
    const wrong = checkServerIdentity(allowedHostname, { subject: {}, subjectaltname: subjectAltName } as PeerCertificate);
    return wrong === undefined ? undefined : `certificate SANs "${subjectAltName || "(none)"}" do not cover tls.peer.allowed_hostname "${allowedHostname}"`;
  };
}

function listenerTls(files: CredentialFiles, port: string, requireClientCert: boolean, authorize: H2ServerTls["authorize"], log: LogFn): H2ServerTls {
  return {
    material: () => files.material(),
    requireClientCert,
    ...(authorize ? { authorize } : {}),
    watch: (changed) => files.watch(changed),
    onRefused: (remote, reason) => log("warn", "TLS handshake refused", { port, remote, reason }),
    onReloaded: (error) =>
      error
        ? log("warn", "TLS certificate files changed but could not be used", { port, cert: files.files.certFile, error: error.message })
        : log("info", "TLS certificate reloaded for new connections", { port, cert: files.files.certFile }),
  };
}

export function memberTls(t: TlsSection, log: LogFn): MemberTls & {
  /** A peer plane's listener (mutual); `port` names it in log lines. */
  peerListenerFor(port: string): H2ServerTls | undefined;
} {
  const c = t.client;
  const p = t.peer;
  const clientFiles = c.cert_file === "" ? undefined : new CredentialFiles({ certFile: c.cert_file, keyFile: c.key_file, caFile: c.trusted_ca_file });
  const peerFiles = p.cert_file === "" ? undefined : new CredentialFiles({ certFile: p.cert_file, keyFile: p.key_file, caFile: p.trusted_ca_file });
  const dial = (files: CredentialFiles, caOverride?: CredentialFiles): H2ClientTls => ({
    material: () => {
      const own = files.material();
      return { cert: own.cert, key: own.key, ca: (caOverride ?? files).material().ca };
    },
  });
  // Another member's client port presents a certificate of the client CA (or, with no
  // trusted_ca_file, of the cluster CA when init made both); this member shows its peer
  // certificate, which client_cert_auth accepts when one CA signed both, as `trireme init` does.
  const clientDial = clientFiles === undefined
    ? undefined
    : peerFiles !== undefined
      ? dial(peerFiles, c.trusted_ca_file !== "" ? clientFiles : undefined)
      : { material: () => ({ ca: clientFiles.material().ca }) };
  return {
    ...(clientFiles ? { clientPort: listenerTls(clientFiles, "client", c.client_cert_auth, undefined, log) } : {}),
    ...(peerFiles ? { peerDial: dial(peerFiles) } : {}),
    ...(clientDial ? { clientDial } : {}),
    clientScheme: clientFiles ? "https" : "http",
    peerScheme: peerFiles ? "https" : "http",
    peerListenerFor: (port) => (peerFiles ? listenerTls(peerFiles, port, true, peerAuthorizer(p.allowed_cn, p.allowed_hostname), log) : undefined),
  };
}

/** The metrics address's TLS (metrics.tls): the client port's certificate and client-certificate
 *  rule, as etcd serves an https:// --listen-metrics-urls with its client TLS flags. */
export function metricsListenerTls(t: TlsSection, log: LogFn): H2ServerTls | undefined {
  const c = t.client;
  if (c.cert_file === "") return undefined;
  return listenerTls(new CredentialFiles({ certFile: c.cert_file, keyFile: c.key_file, caFile: c.trusted_ca_file }), "metrics", c.client_cert_auth, undefined, log);
}
