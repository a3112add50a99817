// `trireme data restore --snapshot FILE --config FILE`: builds a new data directory for one
// member from a backup (`etcdctl snapshot save`), like `etcdutl snapshot restore`.
import { resolve } from "node:path";
import { ConfigError, loadConfig } from "../config/load.ts";
import { RestoreError, restoreBackup } from "../node/backup-restore.ts";
import { StorageError } from "../storage/index.ts";
import { parse, UsageError, type Command } from "./usage.ts";

const usage = `Usage: trireme data restore --snapshot FILE --config FILE [--data-dir DIR] [--skip-hash-check] [--same-cluster-name]

Builds a NEW data directory for the member described by the config from a backup taken with
\`etcdctl snapshot save\` (like \`etcdutl snapshot restore\`). Run it once per member, each with
its own config and the same backup file; then start every member with \`trireme start\`.

The restored members form a new cluster: its membership is the config's [cluster] peers (the
backed-up cluster's membership is dropped) and a cluster id of its own, never the backed-up
cluster's (so a member of the old cluster cannot talk to it, whatever the names). The
keys, their history, leases and the revision come from the backup; new writes continue at
revisions after the backup's. The data directory must be empty or missing; nothing is written
unless the backup's SHA-256 checks out.

Flags:
  -s, --snapshot FILE    the backup file (required)
  -c, --config FILE      this member's config.toml (required)
      --data-dir DIR     override [node] data_dir
      --skip-hash-check  accept a file without etcd's trailing SHA-256 (a raw kv.db)
      --same-cluster-name  accepted and ignored: the [cluster] name no longer makes the id, so
                         keeping the backed-up cluster's name is always allowed
  -h, --help             show this help

Exit status: 0 restored, 1 refused or failed (the message names the file), 2 bad usage.`;

export const dataRestore: Command = {
  name: "data restore",
  summary: "build a member's data directory from a backup (etcdctl snapshot save)",
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      snapshot: { type: "string", short: "s" },
      config: { type: "string", short: "c" },
      "data-dir": { type: "string" },
      "skip-hash-check": { type: "boolean" },
      "same-cluster-name": { type: "boolean" },
    }, usage);
    if (values.snapshot === undefined) throw new UsageError("--snapshot FILE is required", usage);
    if (values.config === undefined) throw new UsageError("--config FILE is required", usage);
    let config;
    try {
      config = loadConfig(values.config);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      console.error(err.message);
      return 1;
    }
    if (values["data-dir"] !== undefined) config.node.data_dir = resolve(values["data-dir"]);
    try {
      const r = await restoreBackup({
        snapshotFile: resolve(values.snapshot),
        config,
        skipHashCheck: values["skip-hash-check"] === true,
        sameClusterName: values["same-cluster-name"] === true,
      });
      console.log(
        `restored member ${r.nodeId} of cluster "${config.cluster.name}" (a new cluster id, ${r.clusterId}) into ${r.dataDir}: snapshot at index ${r.index}, term ${r.term}, ` +
          `revision ${r.revision}, ${r.imageBytes} bytes, members ${r.conf.voters.join(", ")}` +
          (r.hashChecked ? ", SHA-256 ok" : ", SHA-256 not checked (--skip-hash-check)"),
      );
      return 0;
    } catch (err) {
      if (err instanceof RestoreError || err instanceof StorageError) {
        console.error(`trireme data restore: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
