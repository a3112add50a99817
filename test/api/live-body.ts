// A POST whose body is written while its answer streams back, the way a program drives etcd's
// gateway watch (create, later cancel, on one request): chunked HTTP/1.1 on a raw socket, or an
// HTTP/2 stream of our h2 client (curl shows nothing of the answer while its piped upload is open).
import { connect, type Socket } from "node:net";
import { connectH2 } from "../../src/h2/client.ts";
import type { H2ClientConnection, H2ClientStream } from "../../src/h2/types.ts";

export class LiveBody {
  readonly lines: string[] = [];
  private partial = "";
  private sock: Socket | undefined;
  private h2: { conn: H2ClientConnection; stream: H2ClientStream } | undefined;
  private gone = false;

  private constructor() {}

  static async open(port: number, path: string, h2: boolean): Promise<LiveBody> {
    const b = new LiveBody();
    if (h2) {
      const conn = await connectH2({ host: "127.0.0.1", port });
      const stream = conn.request([[":method", "POST"], [":scheme", "http"], [":authority", `127.0.0.1:${port}`], [":path", path], ["content-type", "application/json"]]);
      stream.onHeaders = () => {};
      stream.onData = (d) => b.take(Buffer.from(d).toString());
      stream.onEnd = () => { b.gone = true; };
      stream.onReset = () => { b.gone = true; };
      stream.onDrain = () => {};
      b.h2 = { conn, stream };
    } else {
      const sock = connect(port, "127.0.0.1");
      await new Promise<void>((resolve, reject) => { sock.once("connect", resolve); sock.once("error", reject); });
      let head = true;
      sock.on("data", (d: Buffer) => {
        let text = d.toString("latin1");
        if (head) {
          const end = text.indexOf("\r\n\r\n", text.startsWith("HTTP/1.1 100") ? text.indexOf("\r\n\r\n") + 4 : 0);
          if (end < 0) return;
          head = false;
          text = text.slice(end + 4);
        }
        // Chunk size lines are hex digits alone on a line; answer lines are JSON.
        b.take(text.split("\r\n").filter((l) => !/^[0-9a-f]+$/.test(l)).join(""));
      });
      sock.on("close", () => { b.gone = true; });
      sock.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      b.sock = sock;
    }
    return b;
  }

  private take(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    this.lines.push(...parts.filter((l) => l !== ""));
  }

  send(text: string): void {
    if (this.h2) this.h2.stream.write(Buffer.from(text));
    else this.sock!.write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
  }

  endBody(): void {
    if (this.h2) this.h2.stream.end();
    else this.sock!.write("0\r\n\r\n");
  }

  async waitFor(what: string, match: (line: string) => boolean, timeoutMs = 4000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find(match);
      if (hit !== undefined) return hit;
      if (Date.now() > deadline || this.gone) throw new Error(`${this.gone ? "the answer ended" : "timed out"} waiting for ${what}; lines: ${JSON.stringify(this.lines)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.sock?.destroy();
    this.h2?.conn.destroy();
  }
}
