// TLS for the client commands, with etcdctl's flags: --cacert (the CA that signed the members'
// client-port certificates), --cert and --key (a client certificate, for client_cert_auth). An
// https:// endpoint is dialled with TLS; a bare HOST:PORT is too when any of the flags is given,
// as etcdctl does; an http:// one never is.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import * as tls from "node:tls";
import type * as Grpc from "@grpc/grpc-js";
import { UsageError } from "../usage.ts";

export const TLS_FLAGS = {
  cacert: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
} as const;

export const TLS_HELP = `  --cacert FILE     verify members' certificates with this CA (PEM) and dial with TLS
  --cert FILE       client certificate (PEM), with --key, for a client port with client_cert_auth
  --key FILE        the private key of --cert`;

export interface TlsValues {
  cacert?: string;
  cert?: string;
  key?: string;
}

/** What a TLS channel is made of: PEM bytes, absent where not given (no CA: the system's). */
export interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function read(flag: string, path: string, usage: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`${flag}: cannot read "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, usage);
  }
}

/** The files of the flags, or undefined when none was given. */
export function parseTls(values: TlsValues, usage: string): ClientTls | undefined {
  if ((values.cert === undefined) !== (values.key === undefined)) {
    throw new UsageError(`${values.cert === undefined ? "--key" : "--cert"} needs ${values.cert === undefined ? "--cert" : "--key"}: a client certificate comes with its private key`, usage);
  }
  if (values.cacert === undefined && values.cert === undefined) return undefined;
  return {
    ...(values.cacert !== undefined ? { ca: read("--cacert", values.cacert, usage) } : {}),
    ...(values.cert !== undefined ? { cert: read("--cert", values.cert, usage) } : {}),
    ...(values.key !== undefined ? { key: read("--key", values.key, usage) } : {}),
  };
}

/** Whether this --endpoints entry is dialled with TLS. */
export function usesTls(entry: string, flags: ClientTls | undefined): boolean {
  if (/^https:\/\//i.test(entry)) return true;
  if (/^http:\/\//i.test(entry)) return false;
  return flags !== undefined;
}

/** grpc-js credentials and channel options for one endpoint ("host:port"). grpc-js on Bun refuses
 *  an IP address as the TLS server name (SNI carries names only): for an IP the SNI is a
 *  placeholder and the certificate is checked against the IP itself. */
export function grpcTls(grpc: typeof Grpc, endpoint: string, t: ClientTls): { credentials: Grpc.ChannelCredentials; options: Record<string, string> } {
  const host = endpoint.slice(0, endpoint.lastIndexOf(":")).replace(/^\[|\]$/g, "");
  const ip = isIP(host) !== 0;
  const credentials = grpc.credentials.createSsl(t.ca ?? null, t.key ?? null, t.cert ?? null, ip ? {
    checkServerIdentity: (_name: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(host, cert),
  } : {});
  return { credentials, options: ip ? { "grpc.ssl_target_name_override": "localhost" } : {} };
}

const HINTS: [RegExp, string][] = [
  [/CERTIFICATE_REQUIRED|certificate required/i, "the member requires a client certificate: give --cert and --key"],
  [/self[- ]signed|unable to (verify|get issuer)|UNKNOWN_CA|unknown ca/i, "its certificate is not of a CA this client trusts: give the cluster CA with --cacert"],
  [/WRONG_VERSION_NUMBER|wrong version number|packet length too long|HTTP_REQUEST/i, "not a TLS port? use http:// (or drop --cacert/--cert)"],
  [/BAD_CERTIFICATE|bad certificate|UNSUPPORTED_CERTIFICATE/i, "the member refused this client certificate: is it signed by the member's trusted_ca_file?"],
];

/** What to do about a TLS failure in a connection error, or "" when it is none. */
export function tlsHint(details: string): string {
  for (const [re, hint] of HINTS) if (re.test(details)) return ` (${hint})`;
  return "";
}
