// curl in a child process for the client port's HTTP tests (the server under test may run on
// this event loop: a synchronous spawn would stall it).
import { type ChildProcess, spawn } from "node:child_process";

export interface CurlResult {
  status: number;
  body: string;
}

/** One request; the body and the HTTP status. */
export function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("curl", ["-s", "-m", "10", "-o", "-", "-w", "\n%{http_code}", ...args]);
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.on("error", (e) => reject(new Error(`curl could not run: ${e.message}`)));
    child.on("close", () => {
      const lines = out.split("\n");
      resolve({ status: Number(lines.pop()), body: lines.join("\n") });
    });
  });
}

/** A JSON POST; the parsed body (or the raw text when it is not JSON). */
export async function post(url: string, body: unknown, extra: string[] = []): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await curl([...extra, "-H", "Content-Type: application/json", "-d", typeof body === "string" ? body : JSON.stringify(body), url]);
  try {
    return { status: r.status, json: JSON.parse(r.body) as Record<string, unknown> };
  } catch {
    throw new Error(`HTTP ${r.status} with a body that is not JSON: ${JSON.stringify(r.body)}`);
  }
}

/** A streamed answer read line by line (curl -N) until `close()`. */
export class CurlStream {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private partial = "";
  private exited = false;

  constructor(args: string[]) {
    this.child = spawn("curl", ["-s", "-N", ...args]);
    this.child.stdout!.on("data", (d: Buffer) => {
      const text = this.partial + d.toString();
      const parts = text.split("\n");
      this.partial = parts.pop() ?? "";
      this.lines.push(...parts.filter((l) => l !== ""));
    });
    this.child.on("close", () => { this.exited = true; });
  }

  /** Waits until a line satisfies `match`, or throws with what arrived. */
  async waitFor(what: string, match: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find(match);
      if (hit !== undefined) return hit;
      if (Date.now() > deadline || this.exited) {
        throw new Error(`${this.exited ? "curl exited" : "timed out"} waiting for ${what}; lines: ${JSON.stringify(this.lines)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.on("close", () => resolve());
      this.child.kill("SIGTERM");
    });
  }
}
