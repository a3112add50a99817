// `trireme start --config FILE`: runs one member until SIGTERM/SIGINT, then stops cleanly
// (stop accepting, flush the log, close the planes) and exits 0.
import { resolve } from "node:path";
import { ConfigError, formatWarning, loadConfigDetailed } from "../config/load.ts";
import type { LogLevel } from "../config/types.ts";
import type { HardState } from "../raft/types.ts";
import { Metrics, MetricsServer } from "../metrics/index.ts";
import { metricsListenerTls } from "../tls/options.ts";
import { DivergenceError, pruneQuarantines, quarantine } from "../node/divergence.ts";
import { DiskFullError, isDiskFull, raiseThroughPeers, releaseReserve, reserveBytes, waitForSpace } from "../node/disk-space.ts";
import { AlarmType } from "../kv/alarms.ts";
import { awaitSnapshotOnRestart, canRebuildFromPeers, isRepairable, readSavedHardState, readSavedLastIndex, repairAdvice, writeVoteFloor } from "../node/repair.ts";
import { createLogger } from "../log/log.ts";
import { TriremeNode } from "../node/node.ts";
import { StorageError } from "../storage/index.ts";
import { parse, UsageError, type Command } from "./usage.ts";

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

const FORMATS = ["json", "text"] as const;

const usage = `Usage: trireme start --config FILE [--data-dir DIR] [--log-level LEVEL] [--log-format json|text]

Starts this member as described by FILE (see \`trireme init\`) and serves the etcd v3 API on
its client address until SIGTERM or SIGINT.

Flags:
  -c, --config FILE      the member's config.toml (required)
      --data-dir DIR     override [node] data_dir
      --log-level LEVEL  override [log] level: debug, info, warn, error
      --log-format F     override [log] format: json (one object a line) or text (one
                         human line each); stack traces of errors appear at debug level
  -h, --help             show this help`;

export const startCommand: Command = {
  name: "start",
  summary: "run a member (serves the etcd v3 API)",
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      config: { type: "string", short: "c" },
      "data-dir": { type: "string" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
    }, usage);
    if (values.config === undefined) throw new UsageError("--config FILE is required", usage);
    const level = values["log-level"];
    if (level !== undefined && !LEVELS.includes(level as LogLevel)) {
      throw new UsageError(`--log-level: got "${level}"; expected one of ${LEVELS.join(", ")}`, usage);
    }
    const format = values["log-format"];
    if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(`--log-format: got "${format}"; expected json or text`, usage);
    }
    let loaded;
    try {
      loaded = loadConfigDetailed(values.config);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      console.error(err.message);
      return 1;
    }
    const config = loaded.config;
    if (values["data-dir"] !== undefined) config.node.data_dir = resolve(values["data-dir"]);
    if (level !== undefined) config.log.level = level as LogLevel;
    if (format !== undefined) config.log.format = format as (typeof FORMATS)[number];
    const log = createLogger(config.log).child({ member: config.node.name });
    for (const w of loaded.warnings) log.warn(formatWarning(w));

    const metrics = config.metrics.enabled ? new Metrics() : undefined;
    return await new Promise<number>((done) => {
      let node: TriremeNode | undefined;
      let server: MetricsServer | undefined;
      let stopping = false;
      /** A member rebuilds from the leader once per process: a second corruption is not the disk. */
      let repaired = false;

      /** Moves this member's files aside (bounded to the newest copies) and says so. */
      const moveAside = async (): Promise<string> => {
        const moved = await quarantine(config.node.data_dir);
        const removed = await pruneQuarantines(config.node.data_dir);
        if (removed.length > 0) log.warn("removed older moved-aside copies of this member's data, keeping the newest", { removed });
        return moved;
      };

      const fatal = async (err: Error) => {
        if (stopping) return;
        if (err instanceof DiskFullError) {
          // Not a crash: the member stopped cleanly. The others refuse what would fill the disk
          // further (NOSPACE, raised through them), the reserve makes room to start, and the
          // member starts again in this process once the disk has room (disk-space.ts).
          const released = releaseReserve(config.node.data_dir, log.log);
          await raiseThroughPeers(config, AlarmType.NOSPACE, config.node.id, log.log);
          await afterDiskFull(node!.hardState(), released);
          return;
        }
        if (!(err instanceof DivergenceError)) {
          await server?.close();
          done(1);
          return;
        }
        // The member stopped cleanly; move its files aside and start it again, empty, so the
        // leader rebuilds it with a snapshot. Its term and vote are carried over.
        const carry = node!.hardState();
        const moved = await moveAside();
        log.error("rebuilding this member from the leader: its previous data was moved aside", { movedTo: moved, term: carry.term });
        await launch(carry);
      };

      const afterDiskFull = async (carry: HardState | undefined, released: boolean) => {
        await new Promise((r) => setTimeout(r, 1000));
        // With its reserve just released the member starts again at once: that room is for the
        // entries committed before NOSPACE took effect, and then for compaction and defragment.
        // Without one (it filled again), it waits for the reserve twice over to be free.
        const reserve = reserveBytes(config.node.data_dir, config.limits.space_reserve_mib);
        await waitForSpace(config.node.data_dir, released ? reserve / 2 : 2 * reserve, () => stopping, log.log);
        if (!stopping) await launch(carry, true);
      };

      const launch = async (carryHardState?: HardState, diskWasFull = false) => {
        try {
          node = await TriremeNode.start({
            config,
            log,
            afterDiskFull: diskWasFull,
            onFatal: (err) => void fatal(err),
            ...(metrics ? { metrics } : {}),
            ...(carryHardState ? { carryHardState } : {}),
          });
          if (metrics && server === undefined) {
            server = new MetricsServer(metrics, config.metrics, config.metrics.tls ? { tls: metricsListenerTls(config.tls, log.log) } : {});
            const port = await server.start();
            log.info("metrics listening", { address: config.metrics.address, port, tls: config.metrics.tls });
          }
        } catch (err) {
          if (isDiskFull(err) && !stopping) {
            log.error("cannot start: the disk is full; starting again once there is room", { error: (err as Error).message });
            const released = releaseReserve(config.node.data_dir, log.log);
            await raiseThroughPeers(config, AlarmType.NOSPACE, config.node.id, log.log);
            await afterDiskFull(carryHardState, released);
            return;
          }
          if (isRepairable(err) && canRebuildFromPeers(config) && !repaired && !stopping) {
            // Corrupt data is never served: rebuild from the leader, keeping term and vote.
            repaired = true;
            const saved = readSavedHardState(config.node.data_dir);
            // Entries it acknowledged may have been committed with its acknowledgement: it votes
            // again only once its log is back at the last one it held (1: at least a snapshot).
            const acknowledged = readSavedLastIndex(config.node.data_dir);
            const moved = await moveAside();
            awaitSnapshotOnRestart(config.node.data_dir);
            writeVoteFloor(config.node.data_dir, Math.max(1, acknowledged));
            log.error("corrupt data found at start: this member's files were moved aside and it rebuilds from the leader's snapshot", {
              error: err.message, file: err.file, movedTo: moved, term: saved?.term ?? "unknown",
            });
            await launch(carryHardState !== undefined && (saved === undefined || carryHardState.term > saved.term) ? carryHardState : saved);
            return;
          }
          // A busy port, a foreign or corrupt data directory: one clear line, nothing touched.
          const e = err as Error;
          const advice = isRepairable(err) ? `; ${repairAdvice(config)}` : "";
          // One line an operator can act on; where in trireme it came from is for a bug report
          // (--log-level debug), not for a busy port or a wrong directory.
          log.error(`cannot start: ${e.message}${advice}`, err instanceof StorageError ? { file: err.file } : undefined);
          log.debug("cannot start: stack", { stack: e.stack });
          await node?.stop();
          done(1);
        }
      };

      const onSignal = (signal: string) => {
        if (stopping) {
          log.warn("second signal: exiting without a clean stop", { signal });
          process.exit(1);
        }
        stopping = true;
        log.info("stopping", { signal });
        Promise.all([node?.stop(), server?.close()]).then(() => done(0), (err) => {
          log.error("stop failed", { error: (err as Error).message });
          done(1);
        });
      };
      process.on("SIGTERM", () => onSignal("SIGTERM"));
      process.on("SIGINT", () => onSignal("SIGINT"));
      void launch();
    });
  },
};
