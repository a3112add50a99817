// What `config check` and start-up verify about the TLS files before any handshake: each file
// readable, PEM of the right kind, the key matching its certificate, the certificate valid now,
// signed by the CA where the member's peers will check it, and its SANs covering the addresses
// other members and clients dial. node:crypto's X509Certificate does the parsing and the checks.
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";

export interface TlsProblem {
  /** The config key whose file is wrong, e.g. "tls.peer.key_file". */
  key: string;
  /** The file and what is wrong with it. */
  got: string;
  expected: string;
}

export function readPem(path: string): string {
  const st = statSync(path);
  if (st.isDirectory()) throw new Error("is a directory");
  return readFileSync(path, "utf8");
}

function fileError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "cannot be read (permission denied)";
  return (err as Error).message;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM bundle, in file order. */
export function certificatesOf(pem: string): X509Certificate[] {
  return (pem.match(PEM_CERT) ?? []).map((block) => new X509Certificate(block));
}

/** The host part of "host:port" / "[v6]:port". */
export function hostOf(address: string): string {
  const colon = address.lastIndexOf(":");
  return address.slice(0, colon).replace(/^\[|\]$/g, "");
}

/** True when the certificate's SANs (or CN, for a certificate without SANs) name the host. */
export function covers(cert: X509Certificate, host: string): boolean {
  return isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
}

function sansOf(cert: X509Certificate): string {
  return cert.subjectAltName ?? `no SANs (subject ${cert.subject.replace(/\n/g, ", ")})`;
}

export interface PairCheck {
  section: "tls.client" | "tls.peer";
  certFile: string;
  keyFile: string;
  caFile: string;
  /** Hosts (from the addresses others dial) the certificate must cover; 0.0.0.0 / :: are skipped. */
  hosts: readonly string[];
  /** The certificate must chain to the CA (peers check each other with the same CA). */
  signedByCa: boolean;
  now?: number;
}

/** Problems with one certificate/key/CA triple; empty when it can serve. */
export function checkPair(c: PairCheck): TlsProblem[] {
  const problems: TlsProblem[] = [];
  const at = (k: string) => `${c.section}.${k}`;
  const read = (key: string, file: string): string | undefined => {
    try {
      return readPem(file);
    } catch (err) {
      problems.push({ key: at(key), got: `${JSON.stringify(file)} (${fileError(err)})`, expected: "a readable PEM file" });
      return undefined;
    }
  };
  const certPem = read("cert_file", c.certFile);
  const keyPem = read("key_file", c.keyFile);
  const caPem = c.caFile === "" ? undefined : read("trusted_ca_file", c.caFile);

  /** The certificates in a PEM file read above, or none with a problem saying why. */
  const certificates = (key: string, file: string, pem: string | undefined, expected: string): X509Certificate[] => {
    if (pem === undefined) return [];
    let found: X509Certificate[] = [];
    try {
      found = certificatesOf(pem);
    } catch (err) {
      problems.push({ key: at(key), got: `${JSON.stringify(file)} (${(err as Error).message})`, expected });
    }
    if (found.length === 0 && problems.every((p) => p.key !== at(key))) {
      problems.push({ key: at(key), got: `${JSON.stringify(file)} (no BEGIN CERTIFICATE block)`, expected });
    }
    return found;
  };
  const chain = certificates("cert_file", c.certFile, certPem, "a PEM certificate");
  let key: KeyObject | undefined;
  if (keyPem !== undefined) {
    try {
      key = createPrivateKey(keyPem);
    } catch (err) {
      problems.push({ key: at("key_file"), got: `${JSON.stringify(c.keyFile)} (${(err as Error).message})`, expected: "an unencrypted PEM private key" });
    }
  }
  const cas = certificates("trusted_ca_file", c.caFile, caPem, "PEM CA certificates");

  const leaf = chain[0];
  if (leaf === undefined) return problems;
  const now = c.now ?? Date.now();
  const file = JSON.stringify(c.certFile);
  if (Date.parse(leaf.validTo) < now) {
    problems.push({ key: at("cert_file"), got: `${file} (expired on ${leaf.validTo})`, expected: "a certificate valid now: make a new one (trireme certs) and replace the file" });
  } else if (Date.parse(leaf.validFrom) > now) {
    problems.push({ key: at("cert_file"), got: `${file} (not valid before ${leaf.validFrom}; is this host's clock right?)`, expected: "a certificate valid now" });
  }
  if (key !== undefined && !leaf.checkPrivateKey(key)) {
    problems.push({
      key: at("key_file"),
      got: `${JSON.stringify(c.keyFile)} (does not match the certificate in ${file})`,
      expected: "the private key of cert_file",
    });
  }
  const missing = c.hosts.filter((h) => h !== "0.0.0.0" && h !== "::" && !covers(leaf, h));
  if (missing.length > 0) {
    problems.push({
      key: at("cert_file"),
      got: `${file} (its SANs, ${sansOf(leaf)}, do not cover ${missing.join(", ")})`,
      expected: `a certificate whose SANs name every host this member is dialled at (${[...new Set(c.hosts)].join(", ")})`,
    });
  }
  if (c.signedByCa && cas.length > 0) {
    const issuers = [...chain.slice(1), ...cas];
    const signed = issuers.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
    if (!signed) {
      problems.push({
        key: at("cert_file"),
        got: `${file} (issued by ${leaf.issuer.replace(/\n/g, ", ")}, not signed by a CA in ${JSON.stringify(c.caFile)})`,
        expected: "a certificate signed by the cluster CA of trusted_ca_file (peers refuse any other)",
      });
    }
  }
  return problems;
}
