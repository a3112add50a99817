// The client commands of the CLI: they speak the etcd v3 API to --endpoints.
import type { Command } from "../usage.ts";
import { compactCommand } from "./compact.ts";
import { delCommand } from "./del.ts";
import { getCommand } from "./get.ts";
import { membersCommand } from "./members.ts";
import { putCommand } from "./put.ts";
import { statusCommand } from "./status.ts";
import { txnCommand } from "./txn.ts";

export { CallError, EtcdClient, type EtcdClientOptions } from "./etcd-client.ts";

export const clientCommands: Command[] = [
  putCommand,
  getCommand,
  delCommand,
  txnCommand,
  compactCommand,
  statusCommand,
  membersCommand,
];
