// Certificates an operator can make without openssl: a cluster CA, and leaf certificates signed by
// it for members (server + client auth, SANs = the member's host names and IPs) and operators
// (client auth). ECDSA P-256 keys: Go (etcdctl), BoringSSL (Bun) and OpenSSL all take them, and
// they make handshakes cheaper than RSA. X.509 encoding is @peculiar/x509's, over WebCrypto.
import { Buffer } from "node:buffer";
import { webcrypto } from "node:crypto";
import { isIP } from "node:net";
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API
// before it loads: a dynamic import after the polyfill keeps that order in the bundled binary too
// (the bundler may evaluate two static imports in another order).
import "reflect-metadata";
import type * as X509 from "@peculiar/x509";
const x509: typeof X509 = await import("@peculiar/x509");

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

/** WebCrypto's CryptoKeyPair, spelled out: Deno's type library has CryptoKey but not the pair. */
interface KeyPair { publicKey: CryptoKey; privateKey: CryptoKey }

export interface Pem {
  cert: string;
  key: string;
}

/** A CA able to sign more certificates (what `trireme certs` keeps in memory while it writes). */
export interface CertAuthority extends Pem {
  readonly signer: CryptoKey;
  readonly certificate: X509.X509Certificate;
}

export interface LeafRequest {
  commonName: string;
  /** Host names and IP addresses the certificate is valid for (empty for an operator's). */
  hosts: readonly string[];
  /** "member": server and client auth (a member dials its peers with it); "client": client auth only. */
  role: "member" | "client";
  days: number;
  /** Start of validity (default: an hour ago); tests make expired certificates with it. */
  notBefore?: Date;
}

async function keyPair(): Promise<KeyPair> {
  return (await crypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as KeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", key));
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

/** 16 random bytes with the top bit clear: a positive serial, unique in practice (RFC 5280 §4.1.2.2). */
function serial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = b[0]! & 0x7f;
  return Buffer.from(b).toString("hex");
}

function validity(days: number, from?: Date): { notBefore: Date; notAfter: Date } {
  // An hour back: members whose clocks lag a little still accept a certificate made just now.
  const start = from?.getTime() ?? Date.now() - 3_600_000;
  return { notBefore: new Date(start), notAfter: new Date(start + days * DAY_MS) };
}

/** Quotes a value for an X.500 name string (RFC 4514 specials). */
function rdn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, "\\$1");
}

export async function createAuthority(commonName: string, days: number): Promise<CertAuthority> {
  const keys = await keyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${rdn(commonName)}`,
    ...validity(days),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: certificate.toString("pem") + "\n", key: await pkcs8Pem(keys.privateKey), signer: keys.privateKey, certificate };
}

export async function createLeaf(ca: CertAuthority, req: LeafRequest): Promise<Pem> {
  const keys = await keyPair();
  const usages = req.role === "member" ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.clientAuth];
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(usages),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
  ];
  if (req.hosts.length > 0) {
    const names = [...new Set(req.hosts)].map((h) => (isIP(h) ? { type: "ip" as const, value: h } : { type: "dns" as const, value: h }));
    extensions.push(new x509.SubjectAlternativeNameExtension(names));
  }
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${rdn(req.commonName)}`,
    issuer: ca.certificate.subject,
    ...validity(req.days, req.notBefore),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.signer,
    extensions,
  });
  return { cert: certificate.toString("pem") + "\n", key: await pkcs8Pem(keys.privateKey) };
}

/** A CA written earlier (by createAuthority), to sign more certificates with. */
export async function loadAuthority(certPem: string, keyPem: string): Promise<CertAuthority> {
  const b64 = keyPem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  let signer: CryptoKey;
  try {
    signer = await crypto.subtle.importKey("pkcs8", Buffer.from(b64, "base64"), { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  } catch (err) {
    throw new Error(`the CA key is not an unencrypted PKCS#8 ECDSA P-256 key, as trireme certs writes (${(err as Error).message})`);
  }
  return { cert: certPem, key: keyPem, signer, certificate: new x509.X509Certificate(certPem) };
}
