// etcd's health endpoints (server/etcdserver/api/etcdhttp/health.go, etcd 3.5.11+ and 3.6):
// /health answers JSON {"health","reason"}; /livez and /readyz run named checks and answer
// "ok\n" (with ?verbose, one "[+]name ok" line per check first), or 503 with a "[-]name failed:
// reason" line per check; ?exclude=name skips a check (an unknown name is ignored, as etcd
// does); /livez/<name> and /readyz/<name> run one. Reads are etcd's server-side Range as root:
// the ReadIndex barrier and the local store, whatever auth says.
import { methodNotAllowed, type HttpAnswer, type HttpRequest, textAnswer } from "./http-types.ts";

/** What the checks need from the member. */
export interface HealthProbe {
  /** PROBE_RANGE on this member (after a ReadIndex barrier unless serializable); rejects with why not. */
  range(serializable: boolean): Promise<void>;
  /** Active alarm type names ("NOSPACE", "CORRUPT"). */
  alarms(): Promise<string[]>;
  isLearner(): boolean;
  /** The leader this member knows; 0: none. */
  leader(): number;
}

/** A check's deadline. etcd bounds /health by its request timeout (7 s by default) and the
 *  /livez and /readyz reads by the probe's own request; a probe (kubelet: 1 s by default) gives
 *  up sooner than either, so an answer within a second is what it can use. */
export const HEALTH_TIMEOUT_MS = 1000;

type Check = (p: HealthProbe) => Promise<void>;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`etcdserver: request timed out (${what}: no answer within ${HEALTH_TIMEOUT_MS} ms)`)), HEALTH_TIMEOUT_MS);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const read = (serializable: boolean): Check => (p) => within(p.range(serializable), serializable ? "serializable read" : "linearizable read");

const LIVEZ: [string, Check][] = [["serializable_read", read(true)]];
const READYZ: [string, Check][] = [
  ["data_corruption", async (p) => {
    if ((await p.alarms()).includes("CORRUPT")) throw new Error("alarm activated: CORRUPT");
  }],
  ["serializable_read", read(true)],
  // etcd 3.6 calls it read_index; 3.5 serves this name.
  ["linearizable_read", read(false)],
  ["non_learner", async (p) => {
    if (p.isLearner()) throw new Error("not supported for learner");
  }],
];

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function runChecks(probe: HealthProbe, checks: [string, Check][]): Promise<{ ok: boolean; reason: string }> {
  const results = await Promise.all(checks.map(async ([name, check]) => {
    try {
      await check(probe);
      return { ok: true, line: `[+]${name} ok\n` };
    } catch (err) {
      return { ok: false, line: `[-]${name} failed: ${message(err)}\n` };
    }
  }));
  return { ok: results.every((r) => r.ok), reason: results.map((r) => r.line).join("") };
}

async function checkRoute(probe: HealthProbe, req: HttpRequest, checks: [string, Check][]): Promise<HttpAnswer> {
  if (req.method !== "GET") return methodNotAllowed("GET");
  const excluded = new Set(req.query.getAll("exclude").filter((n) => n !== ""));
  const { ok, reason } = await runChecks(probe, checks.filter(([name]) => !excluded.has(name)));
  // Go's http.Error adds a newline to the reason, which already ends with one.
  if (!ok) return textAnswer(503, `${reason}\n`);
  return textAnswer(200, `${req.query.has("verbose") ? reason : ""}ok\n`);
}

/** /livez, /readyz and their per-check paths; undefined for any other path. */
export function probeRoute(probe: HealthProbe, req: HttpRequest): Promise<HttpAnswer> | undefined {
  for (const [root, checks] of [["/livez", LIVEZ], ["/readyz", READYZ]] as const) {
    if (req.path === root) return checkRoute(probe, req, checks);
    const one = checks.find(([name]) => req.path === `${root}/${name}`);
    if (one) return checkRoute(probe, req, [one]);
  }
  return undefined;
}

/** etcd writes the JSON without a Content-Type, so Go's sniffing sends text/plain (etcd 3.4's
 *  body has no reason; 3.5.11+ adds it, and this serves 3.5's /livez and /readyz too). */
const healthJson = (status: number, health: boolean, reason: string): HttpAnswer =>
  ({ status, contentType: "text/plain; charset=utf-8", body: JSON.stringify({ health: String(health), reason }) });

/** etcd's /health: alarms (but ?exclude=NAME), then a leader (unless ?serializable=true), then a Range. */
export async function health(probe: HealthProbe, req: HttpRequest): Promise<HttpAnswer> {
  if (req.method !== "GET") return methodNotAllowed("GET");
  const excluded = new Set(req.query.getAll("exclude"));
  const serializable = req.query.get("serializable") === "true";
  let alarms: string[];
  try {
    alarms = await within(probe.alarms(), "alarm list");
  } catch (err) {
    return healthJson(503, false, `ALARM ERROR: ${message(err)}`);
  }
  const active = alarms.find((a) => !excluded.has(a));
  if (active !== undefined) return healthJson(503, false, active === "NOSPACE" || active === "CORRUPT" ? `ALARM ${active}` : "ALARM UNKNOWN");
  if (!serializable && probe.leader() === 0) return healthJson(503, false, "RAFT NO LEADER");
  try {
    await read(serializable)(probe);
  } catch (err) {
    return healthJson(503, false, `RANGE ERROR:${message(err)}`);
  }
  return healthJson(200, true, "");
}

/** The Range the checks make: keys only, limit 1, from the lowest key on. */
export const PROBE_RANGE = { key: Uint8Array.of(0), rangeEnd: Uint8Array.of(0), keysOnly: true, limit: 1 };
