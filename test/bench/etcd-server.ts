// A throw-away single-member etcd (Debian's etcd-server) on 127.0.0.1 for the bench tests.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";

export const ETCD_BIN = "/usr/bin/etcd";

export class EtcdServer {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "trireme-bench-etcd-"));
  private log = "";

  constructor(readonly clientPort: number, readonly peerPort: number) {}

  get endpoint(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  static available(): boolean {
    return existsSync(ETCD_BIN);
  }

  async start(): Promise<void> {
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const client = `http://127.0.0.1:${this.clientPort}`;
    this.child = spawn(
      ETCD_BIN,
      [
        "--name=bench0",
        `--data-dir=${join(this.dir, "data")}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=bench0=${peer}`,
        "--log-level=error",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.child.stdout!.on("data", (b: Buffer) => (this.log += b.toString()));
    this.child.stderr!.on("data", (b: Buffer) => (this.log += b.toString()));
    // Up means a KV call succeeds (the member has elected itself), bounded at 15 s.
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`etcd exited with ${this.child.exitCode}: ${this.log.slice(-2000)}`);
      if (await this.probe()) return;
      if (Date.now() > deadline) throw new Error(`etcd on ${this.endpoint} not serving after 15 s: ${this.log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private probe(): Promise<boolean> {
    const c = new grpc.Client(this.endpoint, grpc.credentials.createInsecure());
    return new Promise((resolve) => {
      c.makeUnaryRequest(
        "/etcdserverpb.KV/Range",
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0x01, 0x00]), // RangeRequest{key: "\0"}
        new grpc.Metadata(),
        { deadline: Date.now() + 1000 },
        (err) => {
          c.close();
          resolve(!err);
        },
      );
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
