// What every client command shares: the --endpoints/--timeout/--json flags, number parsing
// that names the flag, stdin, and the run wrapper that turns a failed call into etcdctl's
// "Error: <message>" on stderr and exit status 1.
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { UsageError } from "../usage.ts";
import { CallError, EtcdClient } from "./etcd-client.ts";
import { parseTls, TLS_FLAGS, TLS_HELP, type TlsValues, usesTls } from "./tls.ts";

export const DEFAULT_ENDPOINT = "127.0.0.1:2379";
export const DEFAULT_TIMEOUT_MS = 5000;

export const COMMON_FLAGS = {
  endpoints: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  ...TLS_FLAGS,
} as const;

export const COMMON_HELP = `Common flags:
  --endpoints LIST  comma-separated HOST:PORT (or http:// / https://HOST:PORT) of members
                    (default ${DEFAULT_ENDPOINT}); a request goes to the first and moves on
                    to the next only when one is unavailable (a write only when it could
                    not connect, so that it is never applied twice)
  --timeout MS      give up after MS milliseconds, all endpoints included (default ${DEFAULT_TIMEOUT_MS})
  --json            print etcdctl's -w json shape: snake_case fields, keys and values in base64
${TLS_HELP}
  -h, --help        show this help

An https:// endpoint is dialled with TLS, and so is a bare HOST:PORT when --cacert or --cert is
given (as etcdctl does); http:// never is.

Keys and values are UTF-8 on the command line and printed as UTF-8 (bytes that are not valid
UTF-8 print as U+FFFD; --json keeps them exact). A failed request prints the server's message,
e.g. "Error: etcdserver: key is not provided", on stderr and exits 1; bad flags exit 2.`;

interface CommonValues extends TlsValues {
  endpoints?: string;
  timeout?: string;
  json?: boolean;
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

export function parseEndpoints(list: string | undefined, usage: string): string[] {
  if (list === undefined) return [DEFAULT_ENDPOINT];
  const endpoints = list.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (endpoints.length === 0) throw new UsageError("--endpoints: expected HOST:PORT[,HOST:PORT...], got nothing", usage);
  return endpoints.map((e) => {
    const bare = e.replace(/^https?:\/\//i, "").replace(/\/$/, "");
    const m = HOST_PORT.exec(bare);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) {
      throw new UsageError(`--endpoints: "${e}" is not HOST:PORT (port 1-65535), e.g. 127.0.0.1:2379`, usage);
    }
    return bare;
  });
}

/** A whole number within [min, max], or a usage error naming the flag. */
export function parseInteger(flag: string, text: string, usage: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag}: expected a whole number ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`}, got "${text}"`, usage);
  }
  return n;
}

/** One of `choices`, or a usage error listing them. */
export function parseChoice<C extends string>(flag: string, text: string, choices: readonly C[], usage: string): C {
  const lower = text.toLowerCase();
  const hit = choices.find((c) => c === lower);
  if (hit === undefined) throw new UsageError(`${flag}: expected one of ${choices.join(", ")}, got "${text}"`, usage);
  return hit;
}

export function parseTimeout(text: string | undefined, usage: string): number {
  return text === undefined ? DEFAULT_TIMEOUT_MS : parseInteger("--timeout", text, usage, 1);
}

/** Reads a file, or all of stdin for "-". */
export async function readInput(path: string): Promise<Uint8Array> {
  if (path !== "-") return readFileSync(path);
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** Everything a command's action gets. */
export interface ClientContext {
  client: EtcdClient;
  json: boolean;
  out(text: string): void;
}

/** Builds the client from the common flags, runs `action`, prints a failed call as
 *  "Error: <message>" on stderr with exit status 1, and always closes the connections. */
export async function withClient(
  values: CommonValues,
  usage: string,
  action: (ctx: ClientContext) => Promise<number>,
): Promise<number> {
  const endpoints = parseEndpoints(values.endpoints, usage);
  const timeoutMs = parseTimeout(values.timeout, usage);
  const tls = parseTls(values, usage);
  const entries = (values.endpoints ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  const secure = new Set(endpoints.filter((_, i) => usesTls(entries[i] ?? "", tls)));
  const client = new EtcdClient({ endpoints, timeoutMs, ...(secure.size > 0 ? { tls: { files: tls ?? {}, endpoints: secure } } : {}) });
  try {
    return await action({ client, json: values.json === true, out: (text) => console.log(text) });
  } catch (err) {
    if (err instanceof CallError) {
      console.error(`Error: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    client.close();
  }
}
